using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf;

/// <summary>
/// <c>--ab VAR</c>: the jit with the environment switch <c>VAR=0</c> (A) against the default (B), compiled in one
/// process and run in alternation on mandelbrot.bf and factor.bf (input <c>179424691</c>), timed in thread CPU time, so
/// a loaded machine slows both alike. Prints the medians and the median of the per-pair ratios B/A.
/// </summary>
internal static class AbBenchmark
{
    public static int Run(string variable, int reps, TextWriter w)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine($"A/B: {variable}=0 (A) vs default (B), jit, {reps} alternating pair(s), thread CPU time");
        var programs = new (string Name, string Source, byte[] Input, byte[] Expected)[]
        {
            ("mandelbrot", BfRunner.Embedded("mandelbrot.bf"), [], Encoding.Latin1.GetBytes(BfRunner.Embedded("Mandelbrot.out"))),
            ("factor", BfRunner.Embedded("factor.bf"), "179424691\n"u8.ToArray(), "179424691: 179424691\n"u8.ToArray()),
        };
        string? saved = Environment.GetEnvironmentVariable(variable);
        bool same = true;
        foreach (var (name, source, input, expected) in programs)
        {
            var program = IrBuilder.Build(source);
            Environment.SetEnvironmentVariable(variable, "0");
            JitSwitches.Reload();
            using var a = JitEngine.Compile(program, new Tape());
            Environment.SetEnvironmentVariable(variable, saved == "0" ? null : saved);
            JitSwitches.Reload();
            using var b = JitEngine.Compile(program, new Tape());
            var ta = new List<double>();
            var tb = new List<double>();
            for (int r = 0; r < reps; r++)
            {
                foreach (var (engine, times) in r % 2 == 0 ? new[] { (a, ta), (b, tb) } : new[] { (b, tb), (a, ta) })
                {
                    var output = new MemoryStream();
                    var io = new BfIo(new MemoryStream(input), output);
                    double cpu0 = Benchmark.ThreadCpuMs();
                    var result = engine.Run(io);
                    times.Add(Benchmark.ThreadCpuMs() - cpu0);
                    io.Flush();
                    if (result.Status != RunStatus.Ok || !output.ToArray().AsSpan().SequenceEqual(expected))
                    {
                        same = false;
                        w.WriteLine($"MISMATCH: {name}: {result.Message(io)}");
                    }
                }
            }
            var ratios = ta.Zip(tb, (x, y) => y / x).ToList();
            w.WriteLine(string.Create(c,
                $"{name,-10} A {Benchmark.Median(ta),8:F1} ms  B {Benchmark.Median(tb),8:F1} ms  B/A median {Benchmark.Median(ratios):F3} (min {ratios.Min():F3}, max {ratios.Max():F3}); code {a.CodeSize} -> {b.CodeSize} bytes"));
        }
        return same ? 0 : 1;
    }
}
