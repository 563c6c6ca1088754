using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using BenchmarkDotNet.Running;
using Patchouly.Runtime;

namespace Patchouly.Benchmarks;

/// <summary>
/// Runtime benchmarks (<c>./build.sh bench runtime [--cpu] [BenchmarkDotNet arguments]</c>): every benchmark by default,
/// timed by wall clock, or with <c>--cpu</c> by the thread's CPU time (<see cref="ThreadCpuClock"/>).
/// <c>--quick [--cpu]</c> prints a fast best-of-10 emit measurement (wall time, or the thread's CPU time, which a busy machine disturbs less), <c>--each</c> the cost per stencil kind,
/// <c>--phases</c> times the 100,000-stencil function phase by phase, <c>--profile</c> emits for 8 seconds and <c>--profile-compile</c> emits and compiles 1 MiB functions for 8 seconds
/// (for <c>perf record</c>; run with <c>DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0</c>).
/// </summary>
public static unsafe class Program
{
    public static int Main(string[] args)
    {
        Verify();
        switch (args.Length > 0 ? args[0] : "")
        {
            case "--quick": Quick(args.Length > 1 && args[1] == "--cpu"); return 0;
            case "--profile": Profile(); return 0;
            case "--each": Each(); return 0;
            case "--profile-compile": ProfileCompile(); return 0;
            case "--quick-compile": QuickCompile(); return 0;
            case "--quick-module": QuickModule(); return 0;
            case "--phases": Phases(args.Length > 1 ? args[1] : ""); return 0;
        }
        bool cpu = args.Contains("--cpu");
        args = args.Where(a => a != "--cpu").ToArray();
        if (args.Length == 0) args = ["--filter", "*"];
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig(cpu));
        foreach (var summary in summaries)
            if (summary.HasCriticalValidationErrors) return 1;
        return 0;
    }

    /// <summary>
    /// Checks that the benchmarked code is right: a function runs, a 100,000-stencil function compiles, and two clang-compiled module functions
    /// call each other through their slots (even/odd).
    /// </summary>
    private static void Verify()
    {
        var b = new FunctionBuilder(BenchStencils.Library, 1);
        var e = new BenchStencils.Emitter(b);
        e.AddConst(Workload.R0, 5, Workload.R1);
        e.Return(Workload.R1);
        using (var f = b.Compile())
            Check(f.Invoke(37) == 42, "AddConst");

        // A negative int hole (clang-compiled Load: p[index]) stays narrow and indexes backwards.
        long* data = stackalloc long[] { 10, 11, 12, 13 };
        foreach (int index in new[] { -2, -1, 0, 1 })
        {
            var l = new FunctionBuilder(BenchStencils.Library, 1);
            var le = new BenchStencils.Emitter(l);
            le.Load(Workload.R0, index, Workload.R1);
            le.Return(Workload.R1);
            using var lf = l.Compile();
            Check(lf.Invoke((long)(data + 2)) == 12 + index && lf.Disassemble().Contains("; Load [r0 -> r1] narrow"), $"Load index {index}");
        }

        var module = new JitModule(BenchStencils.Library);
        var even = module.DefineFunction(1, "even");
        var odd = module.DefineFunction(1, "odd");
        Parity(even, odd, 1);
        Parity(odd, even, 0);
        using (var compiled = module.Compile())
        {
            Check(compiled[0].Invoke(100) == 1 && compiled[0].Invoke(33) == 0, "even");
            Check(compiled[1].Invoke(33) == 1 && compiled[1].Invoke(1000) == 0, "odd");
        }

        var large = new FunctionBuilder(BenchStencils.Library, 1);
        LargeFunctionBenchmarks.EmitFunction(large);
        using (var f = large.Compile())
            Check(f.Code.Length > 1_000_000, "100,000-stencil function");
        Console.WriteLine("Verified: functions and modules of BenchStencils run correctly.");

        void Parity(FunctionBuilder f, FunctionBuilder other, long atZero)
        {
            var emit = new BenchStencils.Emitter(f);
            var zero = f.NewBlock();
            emit.IfZero(Workload.R0, zero);
            emit.AddConst(Workload.R0, -1, Workload.R0);
            emit.CallSlot(Workload.R0, (delegate* unmanaged<long, long>*)module.SlotAddress(other), Workload.R0);
            emit.Return(Workload.R0);
            f.StartBlock(zero);
            emit.ReturnConst(atZero);
        }
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException($"Verification failed: {what}.");
    }

    private static void Each()
    {
        var b = new FunctionBuilder(BenchStencils.Library, 1);
        var e = new BenchStencils.Emitter(b);
        Location r0 = Location.Register(0), r1 = Location.Register(1), r2 = Location.Register(2), r3 = Location.Register(3), s3 = Location.Stack(3);
        var exit = default(Block);
        (string, Action)[] cases =
        [
            ("Add r r r", () => e.Add(r0, r1, r2)),
            ("Const narrow", () => e.Const(5, r1)),
            ("Const wide", () => e.Const(1L << 40, r1)),
            ("AddConst wide ->s", () => e.AddConst(r2, 1L << 40, s3)),
            ("Sub s r r", () => e.Sub(s3, r2, r1)),
            ("Mul r r s", () => e.Mul(r1, r2, s3)),
            ("Load", () => e.Load(r0, 5, r3)),
            ("Store", () => e.Store(r0, r3, 6)),
            ("IfZero", () => e.IfZero(r1, exit)),
            ("Move s r", () => b.Move(s3, r2)),
            ("NewBlock+Start", () => b.StartBlock(b.NewBlock())),
        ];
        for (int round = 0; round < 3; round++)
        {
            foreach (var (name, action) in cases)
            {
                var sw = Stopwatch.StartNew();
                for (int rep = 0; rep < 500; rep++)
                {
                    b.Reset();
                    exit = b.NewBlock();
                    for (int i = 0; i < 1000; i++) action();
                }
                if (round == 2) Console.WriteLine($"{name,-20} {sw.Elapsed.TotalNanoseconds / 500000:F1} ns");
            }
        }
    }

    /// <summary>
    /// Medians of 31 rounds, wall time: compiling (and freeing) 1 MiB of code as one function and as 16 functions of
    /// 64 KiB, in µs per KiB, and a 100,000-stencil function from a new builder (emit, compile, free) in ms.
    /// </summary>
    private static void QuickCompile()
    {
        const int rounds = 31;
        var one = new double[rounds];
        var sixteen = new double[rounds];
        var large = new double[rounds];
        var free = new double[rounds];
        for (int round = -3; round < rounds; round++)
        {
            var oneBuilder = CompileBenchmarks.PrepareFunctions(1024);
            var builders = CompileBenchmarks.PrepareFunctions(64);
            var t = Stopwatch.StartNew();
            var f = oneBuilder[0].Compile();
            double a = t.Elapsed.TotalMicroseconds / 1024;
            t.Restart();
            f.Dispose();
            double d = t.Elapsed.TotalMicroseconds;
            var functions = new CompiledFunction[builders.Count];
            t.Restart();
            for (int i = 0; i < functions.Length; i++) functions[i] = builders[i].Compile();
            double b = t.Elapsed.TotalMicroseconds / 1024;
            foreach (var g in functions) g.Dispose();
            t.Restart();
            var builder = new FunctionBuilder(BenchStencils.Library, 1);
            LargeFunctionBenchmarks.EmitFunction(builder);
            using (builder.Compile()) { }
            double c = t.Elapsed.TotalMilliseconds;
            if (round < 0) continue;
            one[round] = a; sixteen[round] = b; large[round] = c; free[round] = d;
        }
        Console.WriteLine($"median of {rounds} (wall): compile 1 MiB function {Median(one):F2} us/KiB (free {Median(free):F0} us), 16 x 64 KiB {Median(sixteen):F2} us/KiB, 100,000-stencil function new+emit+compile+free {Median(large):F3} ms; load {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");

        static double Median(double[] values)
        {
            var sorted = (double[])values.Clone();
            Array.Sort(sorted);
            return sorted[sorted.Length / 2];
        }
    }

    /// <summary>
    /// Medians of 15 rounds, wall time: compiling (and freeing) a module of 1,500 functions of 2 KiB, in µs per KiB;
    /// with <c>PATCHOULY_PROFILE_MODULE=1</c> in the environment it compiles modules for 8 seconds (for <c>perf record</c>).
    /// </summary>
    private static void QuickModule()
    {
        bool profile = Environment.GetEnvironmentVariable("PATCHOULY_PROFILE_MODULE") == "1";
        var times = new List<double>();
        var frees = new List<double>();
        var total = Stopwatch.StartNew();
        for (int round = -3; profile ? total.ElapsedMilliseconds < 8000 : round < 15; round++)
        {
            var module = ModuleCompileBenchmarks.PrepareModule();
            var t = Stopwatch.StartNew();
            var compiled = module.Compile();
            double c = t.Elapsed.TotalMicroseconds / (ModuleCompileBenchmarks.Functions * ModuleCompileBenchmarks.FunctionKiB);
            t.Restart();
            compiled.Dispose();
            double d = t.Elapsed.TotalMicroseconds;
            if (round < 0) continue;
            times.Add(c);
            frees.Add(d);
        }
        times.Sort();
        frees.Sort();
        Console.WriteLine($"median of {times.Count} (wall): compile module of 1,500 x 2 KiB {times[times.Count / 2]:F2} us/KiB (min {times[0]:F2}), free {frees[frees.Count / 2]:F0} us; load {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }

    /// <summary>
    /// The 100,000-stencil function phase by phase (new builder, emit, compile, free), medians of 41 rounds in thread CPU
    /// time and wall time, with minor page faults; <c>--phases loop</c> repeats it for 8 seconds (for <c>perf record</c>).
    /// </summary>
    private static void Phases(string mode)
    {
        const int rounds = 41;
        var names = new[] { "new builder", "emit", "compile", "free", "total", "emit, reused builder", "read Code" };
        var cpu = new double[names.Length][];
        var wall = new double[names.Length][];
        var faults = new double[names.Length][];
        for (int k = 0; k < names.Length; k++) { cpu[k] = new double[rounds]; wall[k] = new double[rounds]; faults[k] = new double[rounds]; }
        var total = Stopwatch.StartNew();
        var reused = new FunctionBuilder(BenchStencils.Library, 1);
        for (int round = -5; mode == "loop" ? total.ElapsedMilliseconds < 8000 : round < rounds; round++)
        {
            long c0 = ThreadCpuClock.Now(), w0 = Stopwatch.GetTimestamp(), f0 = MinorFaults();
            var builder = new FunctionBuilder(BenchStencils.Library, 1);
            long c1 = ThreadCpuClock.Now(), w1 = Stopwatch.GetTimestamp(), f1 = MinorFaults();
            LargeFunctionBenchmarks.EmitFunction(builder);
            long c2 = ThreadCpuClock.Now(), w2 = Stopwatch.GetTimestamp(), f2 = MinorFaults();
            var f = builder.Compile();
            long c3 = ThreadCpuClock.Now(), w3 = Stopwatch.GetTimestamp(), f3 = MinorFaults();
            f.Dispose();
            long c4 = ThreadCpuClock.Now(), w4 = Stopwatch.GetTimestamp(), f4 = MinorFaults();
            reused.Reset();
            LargeFunctionBenchmarks.EmitFunction(reused);
            long c5 = ThreadCpuClock.Now(), w5 = Stopwatch.GetTimestamp(), f5 = MinorFaults();
            var builder2 = new FunctionBuilder(BenchStencils.Library, 1);
            LargeFunctionBenchmarks.EmitFunction(builder2);
            using (var g = builder2.Compile())
            {
                long c6 = ThreadCpuClock.Now(), w6 = Stopwatch.GetTimestamp(), f6 = MinorFaults();
                int length = g.Code.Length;
                if (round >= 0 && round < rounds)
                {
                    cpu[6][round] = (ThreadCpuClock.Now() - c6) / 1e6;
                    wall[6][round] = (Stopwatch.GetTimestamp() - w6) * 1000.0 / Stopwatch.Frequency;
                    faults[6][round] = MinorFaults() - f6;
                }
            }
            if (round >= 0 && round < rounds)
            {
                cpu[5][round] = (c5 - c4) / 1e6;
                wall[5][round] = (w5 - w4) * 1000.0 / Stopwatch.Frequency;
                faults[5][round] = f5 - f4;
            }
            if (round < 0 || round >= rounds) continue;
            long[] cs = [c0, c1, c2, c3, c4], ws = [w0, w1, w2, w3, w4], fs = [f0, f1, f2, f3, f4];
            for (int k = 0; k < 4; k++)
            {
                cpu[k][round] = (cs[k + 1] - cs[k]) / 1e6;
                wall[k][round] = (ws[k + 1] - ws[k]) * 1000.0 / Stopwatch.Frequency;
                faults[k][round] = fs[k + 1] - fs[k];
            }
            cpu[4][round] = (c4 - c0) / 1e6;
            wall[4][round] = (w4 - w0) * 1000.0 / Stopwatch.Frequency;
            faults[4][round] = f4 - f0;
        }
        if (mode == "loop") return;
        Console.WriteLine($"100,000-stencil function, medians of {rounds} (ms; minor page faults):");
        for (int k = 0; k < names.Length; k++)
            Console.WriteLine($"  {names[k],-12} cpu {Median(cpu[k]),7:F3}  wall {Median(wall[k]),7:F3}  faults {Median(faults[k]),6:F0}");
        Console.WriteLine($"load {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");

        static double Median(double[] values)
        {
            var sorted = (double[])values.Clone();
            Array.Sort(sorted);
            return sorted[sorted.Length / 2];
        }
    }

    /// <summary>The process's minor page faults so far (getrusage).</summary>
    private static long MinorFaults()
    {
        long* usage = stackalloc long[18];
        return getrusage(0, usage) == 0 ? usage[8] : 0; // ru_minflt follows two timevals and six longs
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int getrusage(int who, long* usage);

    private static void ProfileCompile()
    {
        var sw = Stopwatch.StartNew();
        double bestEmit = double.MaxValue, bestCompile = double.MaxValue, bestFree = double.MaxValue, totalCompile = 0, gcTime = 0;
        int rounds = 0, withGc = 0;
        while (sw.ElapsedMilliseconds < 8000)
        {
            var t = Stopwatch.StartNew();
            var b = new FunctionBuilder(BenchStencils.Library, 1);
            var e = new BenchStencils.Emitter(b);
            var exit = b.NewBlock();
            for (int unit = 0; b.CodeSize < 1024 * 1024 - 64; unit++) Workload.EmitUnit(b, e, exit, unit);
            e.Return(Workload.R1);
            b.StartBlock(exit);
            e.ReturnConst(-1);
            bestEmit = Math.Min(bestEmit, t.Elapsed.TotalMilliseconds);
            t.Restart();
            int gcs = GC.CollectionCount(0);
            var f = b.Compile();
            bestCompile = Math.Min(bestCompile, t.Elapsed.TotalMilliseconds);
            totalCompile += t.Elapsed.TotalMilliseconds;
            rounds++;
            if (GC.CollectionCount(0) != gcs) { withGc++; gcTime += t.Elapsed.TotalMilliseconds; }
            t.Restart();
            f.Dispose();
            bestFree = Math.Min(bestFree, t.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"1 MiB (best): emit {bestEmit:F3} ms, compile {bestCompile:F3} ms (mean {totalCompile / rounds:F3} ms over {rounds}; {withGc} with a GC, mean {gcTime / Math.Max(1, withGc):F3} ms), free {bestFree:F3} ms");
    }

    private static void Profile()
    {
        var b = new FunctionBuilder(BenchStencils.Library, 1);
        var e = new BenchStencils.Emitter(b);
        var sw = Stopwatch.StartNew();
        long emits = 0;
        while (sw.ElapsedMilliseconds < 8000)
        {
            b.Reset();
            var exit = b.NewBlock();
            for (int i = 0; i < 100; i++) Workload.EmitUnit(b, e, exit, i);
            emits += 100 * Workload.EmitsPerUnit;
        }
        Console.WriteLine($"mixed: {sw.Elapsed.TotalNanoseconds / emits:F1} ns/emit");
    }

    /// <summary>A simple clock for <see cref="Quick"/>: wall time, or thread CPU time with <c>--cpu</c>.</summary>
    private sealed class Clock(bool cpu)
    {
        private long _start;
        private readonly Stopwatch _wall = new();

        public void Restart()
        {
            if (cpu) _start = ThreadCpuClock.Now();
            else _wall.Restart();
        }

        public double ElapsedNanoseconds => cpu ? ThreadCpuClock.Now() - _start : _wall.Elapsed.TotalNanoseconds;
    }

    private static void Quick(bool cpu)
    {
        var b = new FunctionBuilder(BenchStencils.Library, 1);
        var e = new BenchStencils.Emitter(b);
        double bestMixed = double.MaxValue, bestAdd = double.MaxValue;
        var r0 = Location.Register(0); var r1 = Location.Register(1); var r2 = Location.Register(2);
        for (int round = 0; round < 10; round++)
        {
            var sw = new Clock(cpu);
            sw.Restart();
            int emits = 0;
            for (int rep = 0; rep < 1000; rep++)
            {
                b.Reset();
                var exit = b.NewBlock();
                for (int i = 0; i < 100; i++) Workload.EmitUnit(b, e, exit, i);
                emits += 100 * Workload.EmitsPerUnit;
            }
            bestMixed = Math.Min(bestMixed, sw.ElapsedNanoseconds / emits);
            sw.Restart();
            emits = 0;
            for (int rep = 0; rep < 1000; rep++)
            {
                b.Reset();
                for (int i = 0; i < 1000; i++) e.Add(r0, r1, r2);
                emits += 1000;
            }
            bestAdd = Math.Min(bestAdd, sw.ElapsedNanoseconds / emits);
        }
        var triples = Workload.RandomTriples(4096, 42);
        double bestRandom = double.MaxValue;
        for (int round = 0; round < 10; round++)
        {
            var sw = new Clock(cpu);
            sw.Restart();
            for (int rep = 0; rep < 1000; rep++)
            {
                b.Reset();
                for (int i = 0; i < 1200; i++) Workload.EmitRandom(e, triples[(rep * 1200 + i) & 4095], i);
            }
            bestRandom = Math.Min(bestRandom, sw.ElapsedNanoseconds / 1_200_000);
        }
        Console.WriteLine($"best{(cpu ? " (thread CPU time)" : "")}: mixed {bestMixed:F1} ns/emit, add {bestAdd:F1} ns/emit, random locations {bestRandom:F1} ns/emit");
    }
}
