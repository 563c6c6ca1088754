using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf;

/// <summary>
/// <c>--bench</c>: every engine on mandelbrot.bf and factor.bf (input <c>179424691</c>), compile and run time
/// (median and min of N repetitions, each a fresh compile and run), ratios against <c>jit</c>, the compile cost of
/// a program of more than 2 MB, and which goals are met. Writes <c>artifacts/bench/bf.json</c> under the repository.
/// </summary>
internal static partial class Benchmark
{
    private static readonly EngineKind[] s_engines = [EngineKind.Jit, EngineKind.Emit, EngineKind.Managed, EngineKind.Aot, EngineKind.Interp];

    private sealed record Row(string Program, EngineKind Engine, double FirstCompile, List<double> Compile, List<double> Run, List<double> RunCpu, long CodeSize)
    {
        public double CompileMedian => Median(Compile);
        public double CompileMin => Compile.Min();
        public double RunMedian => Median(Run);
        public double RunMin => Run.Min();
        public double RunCpuMedian => Median(RunCpu);
    }

    public static int Run(int reps, TextWriter w, IReadOnlyCollection<EngineKind>? only = null)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine($"bf benchmark: mandelbrot.bf and factor.bf (input 179424691) under every engine; {reps} run(s) each (--reps N).");
        w.WriteLine($"machine: {RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} CPUs, {CpuName()}, .NET {Environment.Version}, clang: {AotEngine.FindClang() ?? "none"}; load average {LoadAverage()}");
        w.WriteLine("method: warm-up first (every engine compiles the programs many times, so .NET has optimised the compilers' own");
        w.WriteLine("  code, as in a long-running JIT). Compile time is the median of many compiles from the IR after a few");
        w.WriteLine("  untimed ones of the same program (jit, interp: 5, then max(51, 10N); emit: 1, then max(5, 2N); aot: N, the");
        w.WriteLine("  first included; each engine's first, cold compile of a program is reported apart), each to a fresh tape allocated");
        w.WriteLine("  outside the timing: jit = stencil copy-and-patch + mapping the code; emit = IL generation + CreateDelegate +");
        w.WriteLine("  RyuJIT, forced by a first call of every dynamic method with dry = 1 (it returns at once, RyuJIT compiles the whole");
        w.WriteLine("  method on that call); aot = printing C + clang -O3 -shared + dlopen; interp = copying the IR. Run time: N rounds,");
        w.WriteLine("  each running every engine's compiled program once (round-robin, so load bursts hit all alike), wall clock and");
        w.WriteLine("  thread CPU time; every run's output is compared. The shared front end (parse + optimise) is reported apart.");
        w.WriteLine();

        var programs = new List<(string Name, string Source, byte[] Input, byte[]? Expected)>
        {
            ("mandelbrot", BfRunner.Embedded("mandelbrot.bf"), [], Encoding.Latin1.GetBytes(BfRunner.Embedded("Mandelbrot.out"))),
            ("factor", BfRunner.Embedded("factor.bf"), "179424691\n"u8.ToArray(), "179424691: 179424691\n"u8.ToArray()),
        };
        bool aot = AotEngine.FindClang() is not null;
        var engines = s_engines.Where(e => (aot || e != EngineKind.Aot) && (only is null || only.Count == 0 || e == EngineKind.Jit || only.Contains(e))).ToArray();
        if (!aot) w.WriteLine("note: no clang found, the aot engine is skipped");

        // Warm-up: run the engines' own code (compilers, interpreter) until .NET's tiered compilation has optimised it:
        // methods start unoptimised and are recompiled after 30 calls and a 100 ms pause, in the background.
        var warm = IrBuilder.Build("++++[>++++<-]>[<+>-]<[.>+<-],[>]<[<]-[-[-[-]]]");
        foreach (var e in engines)
        {
            using var compiled = Engines.Engines.Compile(e, warm);
            compiled.Run(new BfIo(new MemoryStream([1]), Stream.Null));
        }
        // Then rounds of compiles, each followed by a pause for the background recompiles, until .NET has stopped
        // compiling the jit's code: its methods start unoptimised (tier 0), are recompiled instrumented after 30 calls and
        // a 100 ms quiet period, then optimised, in the background, and a fixed number of rounds can stop half way on a
        // loaded machine (factor's passes alone took 17 µs instead of 3). The test: two rounds in a row in which the jit's
        // compiles and the pause after them left .NET's count of compiled methods unchanged (the other engines compile
        // dynamic methods, so they run before the count is taken); at least 3 rounds, at most 30 s.
        var parsed = programs.Select(p => IrBuilder.Build(p.Source)).ToArray();
        var warmUp = Stopwatch.StartNew();
        int rounds = 0;
        for (int stable = 0; (rounds < 3 || stable < 2) && warmUp.Elapsed < TimeSpan.FromSeconds(30); rounds++)
        {
            foreach (var e in engines.Where(e => e is not (EngineKind.Aot or EngineKind.Jit)))
                foreach (var program in parsed)
                    for (int k = 0; k < (e is EngineKind.Emit or EngineKind.Managed ? 3 : 30); k++)
                        CompileMs(e, program);
            Thread.Sleep(200);
            long before = System.Runtime.JitInfo.GetCompiledMethodCount();
            foreach (var program in parsed)
                for (int k = 0; k < 30; k++)
                    CompileMs(EngineKind.Jit, program);
            Thread.Sleep(200);
            stable = System.Runtime.JitInfo.GetCompiledMethodCount() == before ? stable + 1 : 0;
        }
        w.WriteLine(string.Create(c, $"warm-up: {rounds} rounds of compiles, {warmUp.Elapsed.TotalSeconds:F1} s (until .NET stopped recompiling the jit's code)"));

        var rows = new List<Row>();
        var frontEnd = new Dictionary<string, (double Ms, int Ops)>();
        var aotOfJitIrMedian = new Dictionary<string, double>();
        bool identical = true;
        foreach (var (name, source, input, expected) in programs)
        {
            var fe = new List<double>();
            BfProgram program = null!;
            for (int r = 0; r < Math.Max(5, reps); r++)
            {
                var sw = Stopwatch.StartNew();
                program = IrBuilder.Build(source);
                fe.Add(sw.Elapsed.TotalMilliseconds);
            }
            frontEnd[name] = (Median(fe), program.Count);

            // Compile time: the first compile of this program (cold: the pools and caches have not seen it), then a few
            // untimed compiles, then the timed ones (steady state, as in a long-running JIT that compiles many programs).
            var compileMs = new Dictionary<EngineKind, List<double>>();
            var firstCompileMs = new Dictionary<EngineKind, double>();
            foreach (var e in engines)
            {
                // clang has no warm state: aot's first compile is one of its N timed ones.
                var (untimed, timed) = e switch
                {
                    EngineKind.Jit or EngineKind.Interp => (5, Math.Max(51, 10 * reps)),
                    EngineKind.Emit or EngineKind.Managed => (1, Math.Max(5, 2 * reps)),
                    _ => (0, reps - 1),
                };
                double first = firstCompileMs[e] = CompileMs(e, program);
                for (int k = 0; k < untimed; k++) CompileMs(e, program);
                compileMs[e] = Enumerable.Range(0, timed).Select(_ => CompileMs(e, program)).ToList();
                if (e == EngineKind.Aot) compileMs[e].Insert(0, first);
            }

            // Run time, round-robin.
            var compiled = engines.ToDictionary(e => e, e => Engines.Engines.Compile(e, program));
            var runMs = engines.ToDictionary(e => e, _ => new List<double>());
            var runCpu = engines.ToDictionary(e => e, _ => new List<double>());
            // clang -O3 of the IR after the jit's own passes (JitPasses), so that the jit's lead over aot is not only
            // those passes: timed in the same rounds, reported beside the goals.
            var aotOfJitIr = engines.Contains(EngineKind.Aot) ? Engines.Engines.Compile(EngineKind.Aot, JitPasses.Apply(program)) : null;
            var aotOfJitIrMs = new List<double>();
            try
            {
                for (int r = 0; r < reps; r++)
                {
                    if (aotOfJitIr is not null) TimeRun(aotOfJitIr, "aot of the jit's IR", aotOfJitIrMs, null);
                    foreach (var e in engines) TimeRun(compiled[e], Name(e), runMs[e], runCpu[e]);
                }

                // Runs the program once, timed (wall clock, and thread CPU time when cpu is given), checking its output.
                void TimeRun(ICompiledProgram run, string engine, List<double> ms, List<double>? cpu)
                {
                    var output = new MemoryStream();
                    var io = new BfIo(new MemoryStream(input), output);
                    double cpu0 = ThreadCpuMs();
                    long t0 = Stopwatch.GetTimestamp();
                    var result = run.Run(io);
                    ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    cpu?.Add(ThreadCpuMs() - cpu0);
                    io.Flush();
                    var bytes = output.ToArray();
                    if (result.Status != RunStatus.Ok || (expected is not null && !bytes.AsSpan().SequenceEqual(expected)))
                    {
                        identical = false;
                        w.WriteLine($"MISMATCH: {name} under {engine}: {result.Message(io)}, {bytes.Length} bytes of output");
                    }
                }
                foreach (var e in engines)
                {
                    var row = new Row(name, e, firstCompileMs[e], compileMs[e], runMs[e], runCpu[e], compiled[e].CodeSize);
                    rows.Add(row);
                    w.WriteLine(string.Create(c, $"  measured {name,-10} {Name(e),-6} compile {row.CompileMedian,10:F3} ms  run {row.RunMedian,8:F1} ms (cpu {row.RunCpuMedian:F1})"));
                }
            }
            finally
            {
                foreach (var p in compiled.Values) p.Dispose();
                aotOfJitIr?.Dispose();
            }
            if (aotOfJitIrMs.Count > 0)
            {
                aotOfJitIrMedian[name] = Median(aotOfJitIrMs);
                w.WriteLine(string.Create(c, $"  measured {name,-10} aot of the jit's IR  run {aotOfJitIrMedian[name],8:F1} ms"));
            }
        }
        w.WriteLine();

        // The table.
        w.WriteLine("| program | engine | IR ops | compile median (ms) | compile min (ms) | run median (ms) | run min (ms) | run CPU median (ms) | compile vs jit | run vs jit | code bytes |");
        w.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var jit = rows.First(r => r.Program == row.Program && r.Engine == EngineKind.Jit);
            w.WriteLine(string.Create(c,
                $"| {row.Program} | {Name(row.Engine)} | {frontEnd[row.Program].Ops} | {row.CompileMedian:F3} | {row.CompileMin:F3} | {row.RunMedian:F1} | {row.RunMin:F1} | {row.RunCpuMedian:F1} | {row.CompileMedian / jit.CompileMedian:F1}x | {row.RunMedian / jit.RunMedian:F2}x | {row.CodeSize} |"));
        }
        foreach (var (name, (ms, ops)) in frontEnd)
            w.WriteLine(string.Create(c, $"front end (parse + optimise, shared by all engines) {name}: {ms:F3} ms for {ops} IR ops"));
        w.WriteLine("(code bytes: machine code for jit and aot, IL for emit, the IR array for interp, none for managed; \"vs jit\" > 1 means jit is faster)");
        w.WriteLine();

        // Linear compile cost.
        var scaling = Environment.GetEnvironmentVariable("BF_BENCH_NO_SCALING") is { Length: > 0 } ? [] : Scaling(w, engines.Where(e => e is not (EngineKind.Aot or EngineKind.Managed)).ToArray());

        // Goals.
        w.WriteLine();
        w.WriteLine($"goals (on medians; load average now {LoadAverage()}):");
        var goals = new List<(string Goal, bool Met, string Detail)>();
        var notes = new List<string>();
        foreach (var (name, _, _, _) in programs)
        {
            var jit = rows.First(r => r.Program == name && r.Engine == EngineKind.Jit);
            var emit = rows.FirstOrDefault(r => r.Program == name && r.Engine == EngineKind.Emit);
            var a = rows.FirstOrDefault(r => r.Program == name && r.Engine == EngineKind.Aot);
            var managed = rows.FirstOrDefault(r => r.Program == name && r.Engine == EngineKind.Managed);
            if (managed is not null && emit is not null)
            {
                // Patchouly's managed engine (the jit's program as .NET code, for platforms without native tables).
                // Wall time until RyuJIT has compiled every chunk; the managed engine spreads the chunks over up to 4 threads
                // (PATCHOULY_MANAGED_THREADS=1: one), emit compiles on the calling thread.
                goals.Add(($"{name}: managed compile time <= emit", managed.CompileMedian <= emit.CompileMedian,
                    string.Create(c, $"{managed.CompileMedian / emit.CompileMedian:F2}x ({managed.CompileMedian:F3} vs {emit.CompileMedian:F3} ms; managed on {ManagedCompileThreads} thread(s))")));
                goals.Add(($"{name}: managed run time <= 2x emit", managed.RunMedian <= 2 * emit.RunMedian,
                    string.Create(c, $"{managed.RunMedian / emit.RunMedian:F2}x ({managed.RunMedian:F1} vs {emit.RunMedian:F1} ms; CPU time {managed.RunCpuMedian / emit.RunCpuMedian:F2}x)")));
            }
            if (emit is not null)
            {
                double vsEmit = jit.RunMedian / emit.RunMedian;
                goals.Add(($"{name}: jit run time <= 0.8x emit", vsEmit <= 0.8,
                    string.Create(c, $"{vsEmit:F2}x ({jit.RunMedian:F1} vs {emit.RunMedian:F1} ms; CPU time {jit.RunCpuMedian / emit.RunCpuMedian:F2}x)")));
            }
            if (a is not null)
            {
                double vsAot = jit.RunMedian / a.RunMedian;
                goals.Add(($"{name}: jit run time <= 1.0x aot", vsAot <= 1.0,
                    string.Create(c, $"{vsAot:F2}x ({jit.RunMedian:F1} vs {a.RunMedian:F1} ms; CPU time {jit.RunCpuMedian / a.RunCpuMedian:F2}x)")));
            }
            if (aotOfJitIrMedian.TryGetValue(name, out double aotJitIr))
                notes.Add(string.Create(c, $"{name}: jit run time vs clang -O3 of the jit's IR (the same IR passes; not a goal): {jit.RunMedian / aotJitIr:F2}x ({jit.RunMedian:F1} vs {aotJitIr:F1} ms)"));
            if (emit is not null)
            {
                double faster = emit.CompileMedian / jit.CompileMedian;
                goals.Add(($"{name}: jit compiles >= 100x faster than emit", faster >= 100, string.Create(c, $"{faster:F0}x ({jit.CompileMedian:F3} vs {emit.CompileMedian:F3} ms)")));
                double jitFirst = jit.FirstCompile, emitFirst = emit.FirstCompile;
                notes.Add(string.Create(c, $"{name}: first compile of the program (cold, not a goal): jit {jitFirst:F3} ms, emit {emitFirst:F3} ms, {emitFirst / jitFirst:F0}x"));
            }
        }
        goals.Add(("all engines give byte-identical (and the expected) output", identical, identical ? "yes" : "NO"));
        foreach (var (goal, met, detail) in goals)
            w.WriteLine($"  [{(met ? "met" : "MISSED")}] {goal}: {detail}");
        foreach (string note in notes)
            w.WriteLine($"  [info] {note}");

        string? path = WriteJson(rows, frontEnd, scaling, goals, reps);
        if (path is not null) w.WriteLine($"wrote {path}");
        return identical ? 0 : 1;
    }

    private sealed record ScalingRow(EngineKind Engine, int Copies, int Ops, long SourceBytes, double FrontEndMs, double CompileMs, double NsPerOp)
    {
        /// <summary>Source megabytes (10^6 bytes) per second of compiling (after the front end).</summary>
        public double CompileMBps => SourceBytes / 1e3 / CompileMs;

        /// <summary>Source megabytes per second of front end plus compiling: the whole way from text to code.</summary>
        public double TotalMBps => SourceBytes / 1e3 / (FrontEndMs + CompileMs);
    }

    /// <summary>
    /// Compile time against size: mandelbrot once and repeated to more than 2 MB and to more than 10 MB of source,
    /// with ns per IR op and MB/s; linear growth keeps both flat. The front end (shared) is timed apart.
    /// </summary>
    private static List<ScalingRow> Scaling(TextWriter w, EngineKind[] engines)
    {
        var c = CultureInfo.InvariantCulture;
        string one = BfRunner.Embedded("mandelbrot.bf");
        var sizes = new List<(int Copies, string Source, BfProgram Program, double FrontEndMs)>();
        foreach (int megabytes in new[] { 0, 2, 10 })
        {
            int copies = megabytes == 0 ? 1 : (megabytes * 1024 * 1024 + one.Length - 1) / one.Length;
            var sb = new StringBuilder(one.Length * copies);
            for (int i = 0; i < copies; i++) sb.Append(one);
            string source = sb.ToString();
            var program = IrBuilder.Build(source); // once untimed (a cold first pass over new memory)
            double fe = Enumerable.Range(0, megabytes == 0 ? 11 : 3).Select(_ =>
            {
                long t0 = Stopwatch.GetTimestamp();
                program = IrBuilder.Build(source);
                return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }).Min();
            sizes.Add((copies, source, program, fe));
        }
        w.WriteLine("compile cost vs size: mandelbrot.bf once and repeated to more than 2 MB and 10 MB (min of 11/3/3 compiles; emit: 5/1/1).");
        w.WriteLine("  front end = parse + optimise (shared); compile = the engine from the IR; MB/s counts source bytes (10^6 per MB).");
        w.WriteLine("| engine | copies | source bytes | IR ops | front end (ms) | compile (ms) | ns/op | compile MB/s | front end + compile MB/s |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var rows = new List<ScalingRow>();
        foreach (var e in engines)
        {
            foreach (var (copies, source, program, fe) in sizes)
            {
                bool slow = e is EngineKind.Emit or EngineKind.Managed;
                int count = copies == 1 ? (slow ? 5 : 11) : slow ? 1 : 3;
                double t = Enumerable.Range(0, count).Select(_ => CompileMs(e, program)).Min();
                var row = new ScalingRow(e, copies, program.Count, source.Length, fe, t, t * 1e6 / program.Count);
                rows.Add(row);
                w.WriteLine(string.Create(c,
                    $"| {Name(e)} | {copies} | {source.Length} | {program.Count} | {fe:F1} | {t:F1} | {row.NsPerOp:F1} | {row.CompileMBps:F1} | {row.TotalMBps:F1} |"));
            }
        }
        w.WriteLine(string.Create(c, $"(aot is left out: it refuses programs of more than {AotEngine.MaxOps} IR ops, as clang -O3 needs minutes for them; managed too: its compile is RyuJIT's, as for emit)"));
        return rows;
    }

    /// <summary>Times one compile; the tape is allocated before the clock starts.</summary>
    /// <summary>How many threads the managed engine compiles on (its rule: PATCHOULY_MANAGED_THREADS, else the CPUs, at most 4).</summary>
    private static int ManagedCompileThreads =>
        int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_MANAGED_THREADS"), out int t) && t > 0 ? t : Math.Clamp(Environment.ProcessorCount, 1, 4);

    private static double CompileMs(EngineKind engine, BfProgram program)
    {
        var tape = new Tape();
        long t0 = Stopwatch.GetTimestamp();
        using var compiled = Engines.Engines.Compile(engine, program, tape);
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    internal static unsafe double ThreadCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        long* ts = stackalloc long[2];
        return ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, ts) == 0 ? ts[0] * 1e3 + ts[1] / 1e6 : 0;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int ClockGetTime(int clock, long* timespec);

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
        catch (UnauthorizedAccessException)
        {
            return "?";
        }
    }

    private static string? WriteJson(List<Row> rows, Dictionary<string, (double Ms, int Ops)> frontEnd, List<ScalingRow> scaling,
        List<(string Goal, bool Met, string Detail)> goals, int reps)
    {
        string? root = FindRoot();
        if (root is null) return null;
        string dir = Path.Combine(root, "artifacts", "bench");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "bf.json");
        var doc = new
        {
            machine = new
            {
                os = RuntimeInformation.OSDescription.Trim(),
                arch = RuntimeInformation.ProcessArchitecture.ToString(),
                cpus = Environment.ProcessorCount,
                cpu = CpuName(),
                dotnet = Environment.Version.ToString(),
                clang = AotEngine.FindClang(),
            },
            date = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            repetitions = reps,
            loadAverage = LoadAverage(),
            results = rows.Select(r => new
            {
                program = r.Program,
                engine = Name(r.Engine),
                irOps = frontEnd[r.Program].Ops,
                compileMs = new { median = r.CompileMedian, min = r.CompileMin, first = r.FirstCompile, all = r.Compile },
                runMs = new { median = r.RunMedian, min = r.RunMin, all = r.Run },
                runCpuMs = new { median = r.RunCpuMedian, all = r.RunCpu },
                codeBytes = r.CodeSize,
            }),
            frontEndMs = frontEnd.ToDictionary(kv => kv.Key, kv => kv.Value.Ms),
            compileScaling = scaling.Select(s => new { engine = Name(s.Engine), copies = s.Copies, irOps = s.Ops, sourceBytes = s.SourceBytes, frontEndMs = s.FrontEndMs, compileMs = s.CompileMs, nsPerOp = s.NsPerOp, compileMBps = s.CompileMBps, totalMBps = s.TotalMBps }),
            goals = goals.Select(g => new { goal = g.Goal, met = g.Met, detail = g.Detail }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>The repository root: the first directory above the current one or the binary with Patchouly.slnx.</summary>
    internal static string? FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Patchouly.slnx"))) return dir.FullName;
        return null;
    }

    private static string CpuName()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return "unknown CPU";
    }

    private static string Name(EngineKind e) => e.ToString().ToLowerInvariant();

    internal static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
