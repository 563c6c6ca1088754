using System;
using System.Diagnostics;
using Patchouly.Runtime;

namespace Patchouly.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        Quick();
    }

    private static void Quick()
    {
        var b = new FunctionBuilder(BenchStencils.Library, 1);
        var e = new BenchStencils.Emitter(b);
        for (int round = 0; round < 5; round++)
        {
            long alloc = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            int emits = 0;
            for (int rep = 0; rep < 2000; rep++)
            {
                b.Reset();
                var exit = b.NewBlock();
                for (int i = 0; i < 100; i++) Workload.EmitUnit(b, e, exit, i);
                emits += 100 * Workload.EmitsPerUnit;
            }
            sw.Stop();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - alloc;
            Console.WriteLine($"mixed: {sw.Elapsed.TotalNanoseconds / emits:F1} ns/emit, {(double)bytes / emits:F3} B/emit");
            sw.Restart();
            emits = 0;
            var r0 = Location.Register(0); var r1 = Location.Register(1); var r2 = Location.Register(2);
            for (int rep = 0; rep < 2000; rep++)
            {
                b.Reset();
                for (int i = 0; i < 1000; i++) e.Add(r0, r1, r2);
                emits += 1000;
            }
            Console.WriteLine($"add:   {sw.Elapsed.TotalNanoseconds / emits:F1} ns/emit");
        }
    }
}
