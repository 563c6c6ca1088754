using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Bench;

/// <summary>
/// <c>./build.sh bench wasm</c>: compiles the C programs of <c>Bench/programs</c> to wasm32 with clang-19 (and
/// natively with clang -O2, the limit), then times compilation and the best of several runs on every engine: the
/// Patchouly JIT and Wasmtime/Cranelift in process, V8 Liftoff (<c>node --liftoff --no-wasm-tier-up --liftoff-only</c>: node
/// 20 otherwise tiers hot functions up to TurboFan during the run; <c>v8bench.cjs</c> checks the code's tier), V8
/// TurboFan (<c>node --no-liftoff</c>) and V8 as the issue's flags leave it (<c>--liftoff --no-wasm-tier-up</c>: Liftoff, then
/// TurboFan for hot functions), all with <c>--no-wasm-lazy-compilation</c>, checking that every engine returns the same result. A large generated module
/// measures compile throughput. Prints a Markdown table and writes <c>artifacts/bench/wasm.json</c>.
/// </summary>
public static partial class BenchRunner
{
    private sealed record Program(string Name, int A, int B);

    private static readonly Program[] Programs =
    [
        new("sieve", 4_000_000, 5),
        new("matmul", 200, 8),
        new("nbody", 1_000_000, 0),
        new("collatz", 1_000_000, 0),
        new("hash", 3000, 7),
        new("sort", 1_000_000, 2),
        new("mandelbrot", 600, 0),
    ];

    private sealed class Row
    {
        public string Name = "";
        public long Bytes;
        public Dictionary<string, double> CompileMs = new();
        public Dictionary<string, double> RunMs = new();
        public Dictionary<string, string> Result = new();
        public string TieredEnd = "?"; // the tier V8 tiered's code of `run` ended in
    }

    private static readonly string[] Engines = ["jit", "liftoff", "turbofan", "wasmtime", "native", Tiered];

    /// <summary>V8 under the flags the issue names for Liftoff (<c>--liftoff --no-wasm-tier-up</c>), with which node 20 still tiers hot functions up to TurboFan.</summary>
    private const string Tiered = "v8 tiered";

    /// <summary>
    /// The V8 configurations: name, node flags, the tier <c>v8bench.cjs</c> must find the export's code in before the
    /// first call and after the last (null: report it, do not check). Liftoff is the baseline tier alone:
    /// <c>--no-wasm-tier-up</c> does not stop node 20's dynamic tiering, <c>--liftoff-only</c> does.
    /// </summary>
    private static readonly (string Name, string Flags, string? Tier)[] V8Configurations =
    [
        ("liftoff", "--liftoff --no-wasm-tier-up --liftoff-only --no-wasm-lazy-compilation", "liftoff"),
        ("turbofan", "--no-liftoff --no-wasm-lazy-compilation", "turbofan"),
        (Tiered, "--liftoff --no-wasm-tier-up --no-wasm-lazy-compilation", null),
    ];

    /// <summary>Runs the benchmarks (<c>--quick</c>: smaller inputs, one run each).</summary>
    public static int Run(string[] args)
    {
        if (args.Length >= 2 && args[0] == "--load") return LoadTimes(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10);
        bool quick = args.Contains("--quick");
        int runs = quick ? 1 : 3;
        string src = Path.Combine(AppContext.BaseDirectory, "Bench");
        string outDir = Path.GetFullPath(Path.Combine("artifacts", "bench", "wasm"));
        Directory.CreateDirectory(outDir);
        var rows = new List<Row>();
        string clang = Tool("clang-19");
        foreach (var p in Programs)
        {
            int a = quick ? Math.Max(1, p.A / 10) : p.A;
            string c = Path.Combine(src, "programs", p.Name + ".c");
            string wasm = Path.Combine(outDir, p.Name + ".wasm");
            Exec(clang, $"--target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -o {wasm} {c}");
            string native = Path.Combine(outDir, p.Name + ".native");
            Exec(clang, $"-O2 -DPROGRAM=\"\\\"{c}\\\"\" -o {native} {Path.Combine(src, "native_main.c")} -lm");
            var row = Measure(p.Name, wasm, [a, p.B], runs, native, src);
            rows.Add(row);
            Console.Error.WriteLine($"bench: {p.Name} done");
        }
        // The large module: compile only.
        string largeC = Path.Combine(outDir, "large.c");
        File.WriteAllText(largeC, LargeModule.Source(quick ? 1500 : 4000));
        string largeWasm = Path.Combine(outDir, "large.wasm");
        Exec(clang, $"--target=wasm32 -O2 -nostdlib -Wl,--no-entry -o {largeWasm} {largeC}");
        var large = Measure("large (compile only)", largeWasm, [1, 0], 0, null, src);
        MeasureFrontEnds(large, largeWasm, src);
        Console.Error.WriteLine("bench: large done");

        var report = Report(rows, large);
        Console.Write(report);
        File.WriteAllText(Path.Combine("artifacts", "bench", "wasm.md"), report);
        File.WriteAllText(Path.Combine("artifacts", "bench", "wasm.json"), JsonSerializer.Serialize(rows.Append(large).Select(r => new { r.Name, r.Bytes, r.CompileMs, r.RunMs, r.Result }), new JsonSerializerOptions { WriteIndented = true }));
        bool agree = rows.All(r => r.Result.Values.Distinct().Count() == 1);
        return agree ? 0 : 1;
    }

    /// <summary>
    /// <c>bench --load FILE [N]</c>: loads FILE under the JIT N times after warming up (<see cref="WarmUp"/>), printing each load's
    /// phases (decode, validate, instantiate with compilation), the process's CPU time, the bytes allocated and the
    /// gen-0 collections, then the medians and minimums: for profiles and A/B comparisons of the compiler.
    /// </summary>
    private static int LoadTimes(string file, int n)
    {
        var bytes = File.ReadAllBytes(file);
        var engine = new JitEngine();
        int warmups = WarmUp(() => engine.Load(bytes));
        Console.WriteLine($"{warmups} warm-up loads");
        Instance? last = null;
        Store? previous = null;
        var walls = new List<double>();
        var cpus = new List<double>();
        var threads = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i < n; i++)
        {
            previous?.Dispose(); // the previous load's store (its code and memory), outside the timed region
            previous = new Store();
            CollectGarbage();
            long allocated = GC.GetTotalAllocatedBytes(true);
            int collections = GC.CollectionCount(0);
            var paused = GC.GetTotalPauseDuration();
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            double thread0 = ThreadCpuMs();
            long t0 = Stopwatch.GetTimestamp();
            var m = Decoding.ModuleDecoder.Decode(bytes);
            long t1 = Stopwatch.GetTimestamp();
            long decoded = GC.GetTotalAllocatedBytes(true);
            Validation.Validator.Validate(m);
            long t2 = Stopwatch.GetTimestamp();
            long validated = GC.GetTotalAllocatedBytes(true);
            var instance = engine.Instantiate(previous, m, (_, _) => null);
            long t3 = Stopwatch.GetTimestamp();
            process.Refresh();
            double cpuMs = (process.TotalProcessorTime - cpu).TotalMilliseconds;
            double threadMs = ThreadCpuMs() - thread0;
            threads.Add(threadMs);
            static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;
            walls.Add(Ms(t0, t3));
            if (i == n - 1) last = instance;
            cpus.Add(cpuMs);
            Console.WriteLine(FormattableString.Invariant(
                $"load {Ms(t0, t3):F1} ms (decode {Ms(t0, t1):F1}, validate {Ms(t1, t2):F1}, instantiate {Ms(t2, t3):F1}), cpu {cpuMs:F1} ms (this thread {threadMs:F1}), allocated {(GC.GetTotalAllocatedBytes(true) - allocated) / 1e6:F1} MB (decode {(decoded - allocated) / 1e6:F1}, validate {(validated - decoded) / 1e6:F1}), gen-0 collections {GC.CollectionCount(0) - collections} (paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F1} ms)"));
        }
        if (last?.Code is Jit.JitCode code)
            Console.WriteLine(FormattableString.Invariant(
                $"code: {code.Modules.Length} modules (batches), {code.Modules.Sum(x => (long)x.Code.Length) / 1e6:F2} MB of machine code"));
        previous?.Dispose();
        walls.Sort();
        cpus.Sort();
        threads.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"{BodyBatches.Threads} threads: median {walls[n / 2]:F1} ms, min {walls[0]:F1} ms ({bytes.Length / 1e6 / (walls[0] / 1000):F1} MB/s); cpu median {cpus[n / 2]:F1} ms, min {cpus[0]:F1} ms; calling thread's cpu median {threads[n / 2]:F2} ms, min {threads[0]:F2} ms"));
        return 0;
    }

    /// <summary>
    /// Loads a module again and again until .NET has stopped compiling methods (two loads in a row during which
    /// <see cref="System.Runtime.JitInfo.GetCompiledMethodCount"/> did not change, pausing 0.2 s after each load for the
    /// background recompilation), at least 3 and at most 100 times; returns how many times. The JIT is C#: its first
    /// loads run .NET's unoptimised tier-0 code (and the instrumented tier of dynamic PGO) until the runtime has
    /// recompiled the hot methods in the background, which takes about a dozen loads of the large module. V8's and
    /// Wasmtime's compilers are native code, optimised from the start; so the table compares warm (steady-state)
    /// loads, and the first load's cost is stated apart in the sample's README.
    /// </summary>
    private static int WarmUp(Func<IDisposable> load)
    {
        int loads = 0, stable = 0;
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (loads < 100 && (loads < 3 || stable < 2))
        {
            load().Dispose();
            loads++;
            System.Threading.Thread.Sleep(200);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            stable = now == compiled ? stable + 1 : 0;
            compiled = now;
        }
        return loads;
    }

    /// <summary>
    /// The calling thread's CPU time in ms (Linux: <c>CLOCK_THREAD_CPUTIME_ID</c>, to the nanosecond; the process's
    /// time is counted in 10 ms ticks), NaN elsewhere. With <c>WASM_THREADS=1</c> the calling thread does all of a
    /// load's work, gen-0 collections included.
    /// </summary>
    private static unsafe double ThreadCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        long* ts = stackalloc long[2];
        return ClockGetTime(3, ts) == 0 ? ts[0] * 1000.0 + ts[1] / 1e6 : double.NaN;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int ClockGetTime(int clock, long* timespec);

    /// <summary>Collects the previous loads' garbage (outside the timed region), so that every timed load starts from a clean heap, as a fresh V8 process does.</summary>
    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static Row Measure(string name, string wasm, long[] args, int runs, string? native, string src)
    {
        var bytes = File.ReadAllBytes(wasm);
        var row = new Row { Name = name, Bytes = bytes.Length };
        // In-process engines: warm-up loads first (WarmUp), then the best of 3 loads.
        foreach (var engineName in new[] { "jit", "wasmtime" })
        {
            var engine = Engine.Create(engineName)!;
            WarmUp(() => engine.Load(bytes));
            double best = double.MaxValue;
            ILoadedModule? loaded = null;
            for (int i = 0; i < 3; i++)
            {
                loaded?.Dispose();
                loaded = null;
                CollectGarbage();
                loaded = engine.Load(bytes);
                best = Math.Min(best, loaded.CompileSeconds * 1000);
            }
            row.CompileMs[engineName] = best;
            if (runs > 0)
            {
                var (ms, result) = WasmRuntime.RunOnLargeStack(() =>
                {
                    double bestRun = double.MaxValue;
                    long[] r = [];
                    for (int i = 0; i < runs; i++)
                    {
                        long t = Stopwatch.GetTimestamp();
                        r = loaded!.Invoke("run", args);
                        bestRun = Math.Min(bestRun, Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    }
                    return (bestRun, r);
                });
                row.RunMs[engineName] = ms;
                row.Result[engineName] = Patchouly.Samples.Wasm.Program.FormatValue(loaded!.TypeOf("run").Results[0], result[0]);
            }
            loaded!.Dispose();
        }
        foreach (var (engineName, flags, tier) in V8Configurations)
        {
            string check = tier is null ? "" : $"--tier={tier} ";
            string output = Exec(Tool("node"), $"--allow-natives-syntax {flags} {Path.Combine(src, "v8bench.cjs")} {check}{wasm} run {string.Join(' ', args)} {runs}");
            using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            row.CompileMs[engineName] = doc.RootElement.GetProperty("compile_ms").GetDouble();
            if (runs > 0)
            {
                row.RunMs[engineName] = doc.RootElement.GetProperty("run_ms").GetDouble();
                row.Result[engineName] = doc.RootElement.GetProperty("result").GetString()!;
                if (tier is null) row.TieredEnd = doc.RootElement.GetProperty("tier_after").GetString()!;
            }
        }
        if (native is not null && runs > 0)
        {
            var parts = Exec(native, $"{string.Join(' ', args)} {runs}").Trim().Split(' ');
            row.RunMs["native"] = double.Parse(parts[0], CultureInfo.InvariantCulture);
            row.Result["native"] = parts[1];
        }
        return row;
    }

    /// <summary>
    /// For the report's note on lazy compilation: V8 Liftoff's compile time with node's default lazy compilation (the
    /// timed <c>new WebAssembly.Module</c> then decodes and validates only, every function is compiled on its first
    /// call) and the jit's decoding plus validation of the same module (best of 3 warm runs, validation on
    /// <see cref="BodyBatches.Threads"/> threads), which is the same work.
    /// </summary>
    private static void MeasureFrontEnds(Row row, string wasm, string src)
    {
        string output = Exec(Tool("node"), $"--liftoff --no-wasm-tier-up {Path.Combine(src, "v8bench.cjs")} {wasm} run 0");
        using (var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]))
            row.CompileMs[LiftoffLazy] = doc.RootElement.GetProperty("compile_ms").GetDouble();
        var bytes = File.ReadAllBytes(wasm);
        WarmUp(() =>
        {
            Validation.Validator.Validate(Decoding.ModuleDecoder.Decode(bytes));
            return Nothing.Instance;
        });
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            CollectGarbage();
            long t = Stopwatch.GetTimestamp();
            Validation.Validator.Validate(Decoding.ModuleDecoder.Decode(bytes));
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        row.CompileMs[JitFrontEnd] = best;
    }

    /// <summary>What <see cref="WarmUp"/>'s work returns when it leaves nothing to dispose.</summary>
    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }

    private const string LiftoffLazy = "liftoff (lazy)", JitFrontEnd = "jit (decode and validate)";

    private static string Report(List<Row> rows, Row large)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Run time (best of the runs, ms; all engines returned the same result unless marked):");
        sb.AppendLine();
        sb.AppendLine("| program | jit | Liftoff | TurboFan | Cranelift | native | V8 tiered (ends in) | jit / Liftoff | jit / Cranelift | jit / V8 tiered | result |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            bool agree = r.Result.Values.Distinct().Count() == 1;
            sb.AppendLine($"| {r.Name} | {F(r.RunMs["jit"])} | {F(r.RunMs["liftoff"])} | {F(r.RunMs["turbofan"])} | {F(r.RunMs["wasmtime"])} | {F(r.RunMs["native"])} | " +
                $"{F(r.RunMs[Tiered])} ({r.TieredEnd}) | " +
                $"{r.RunMs["jit"] / r.RunMs["liftoff"]:F2} | {r.RunMs["jit"] / r.RunMs["wasmtime"]:F2} | {r.RunMs["jit"] / r.RunMs[Tiered]:F2} | {(agree ? r.Result["jit"] : "DISAGREE: " + string.Join(", ", r.Result.Select(kv => $"{kv.Key}={kv.Value}")))} |");
        }
        double gLift = Geo(rows.Select(r => r.RunMs["jit"] / r.RunMs["liftoff"]));
        double gCran = Geo(rows.Select(r => r.RunMs["jit"] / r.RunMs["wasmtime"]));
        double gTiered = Geo(rows.Select(r => r.RunMs["jit"] / r.RunMs[Tiered]));
        double gNative = Geo(rows.Select(r => r.RunMs["jit"] / r.RunMs["native"]));
        sb.AppendLine($"| geometric mean | | | | | | | {gLift:F2} | {gCran:F2} | {gTiered:F2} | jit / native {gNative:F2} |");
        sb.AppendLine();
        sb.AppendLine("Liftoff is V8's baseline tier alone (`--liftoff --no-wasm-tier-up --liftoff-only`; `v8bench.cjs` checked with V8's " +
            "`%IsLiftoffFunction` that `run` was Liftoff code before the first call and after the last). V8 tiered is node 20 under " +
            "`--liftoff --no-wasm-tier-up` only: its dynamic tiering still replaces hot functions with TurboFan code during the runs " +
            "(the tier `run` ended in is in parentheses), so that column measures mostly TurboFan.");
        sb.AppendLine();
        sb.AppendLine($"Compile time (ms; jit and Cranelift: best of 3 warm loads in process, decode and validation included, the jit's on {BodyBatches.Threads} threads; V8: best of 3 synchronous `new WebAssembly.Module`, eager, `--no-wasm-lazy-compilation`):");
        sb.AppendLine();
        sb.AppendLine("| module | wasm bytes | jit | Liftoff | TurboFan | Cranelift | Cranelift / jit |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows.Append(large))
            sb.AppendLine($"| {r.Name} | {r.Bytes} | {F(r.CompileMs["jit"])} | {F(r.CompileMs["liftoff"])} | {F(r.CompileMs["turbofan"])} | {F(r.CompileMs["wasmtime"])} | {r.CompileMs["wasmtime"] / r.CompileMs["jit"]:F1} |");
        double mb = large.Bytes / 1e6;
        sb.AppendLine();
        sb.AppendLine($"Compile throughput on the large module ({mb:F2} MB): jit {mb / (large.CompileMs["jit"] / 1000):F1} MB/s, Liftoff {mb / (large.CompileMs["liftoff"] / 1000):F1} MB/s, " +
            $"TurboFan {mb / (large.CompileMs["turbofan"] / 1000):F1} MB/s, Cranelift {mb / (large.CompileMs["wasmtime"] / 1000):F1} MB/s.");
        sb.AppendLine();
        sb.AppendLine($"V8 compiles lazily by default: `new WebAssembly.Module` then decodes and validates only ({F(large.CompileMs[LiftoffLazy])} ms for the large module " +
            $"under Liftoff's flags, {mb / (large.CompileMs[LiftoffLazy] / 1000):F1} MB/s); the jit's decoding and validation of it take {F(large.CompileMs[JitFrontEnd])} ms " +
            $"({mb / (large.CompileMs[JitFrontEnd] / 1000):F1} MB/s). The table's V8 times are eager (`--no-wasm-lazy-compilation`), as the other engines compile every function.");
        double compileVsCranelift = Geo(rows.Append(large).Select(r => r.CompileMs["wasmtime"] / r.CompileMs["jit"]));
        sb.AppendLine();
        sb.AppendLine("Goals:");
        sb.AppendLine($"- run time <= 0.75x Liftoff (geometric mean): {gLift:F2}x: {(gLift <= 0.75 ? "met" : "not met")} (against V8 tiered, which ends in TurboFan: {gTiered:F2}x)");
        sb.AppendLine($"- compile throughput >= Liftoff's (large module): {(large.CompileMs["jit"] <= large.CompileMs["liftoff"] ? "met" : "not met")}");
        sb.AppendLine($"- compile >= 20x faster than Cranelift: large module {large.CompileMs["wasmtime"] / large.CompileMs["jit"]:F1}x, geometric mean over all modules {compileVsCranelift:F1}x: {(large.CompileMs["wasmtime"] / large.CompileMs["jit"] >= 20 ? "met" : "not met")}");
        sb.AppendLine($"- run time <= 1.5x Cranelift (geometric mean): {gCran:F2}x: {(gCran <= 1.5 ? "met" : "not met")}");
        return sb.ToString();
    }

    private static string F(double ms) => ms.ToString(ms < 10 ? "F2" : "F1", CultureInfo.InvariantCulture);

    private static double Geo(IEnumerable<double> xs)
    {
        var l = xs.ToList();
        return Math.Exp(l.Sum(Math.Log) / l.Count);
    }

    private static string Tool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new InvalidOperationException($"{name} was not found (./build.sh bench wasm installs clang-19, lld-19, wabt and node when missing)");
    }

    private static string Exec(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(file)} {arguments} failed ({p.ExitCode}): {stderr.Result}");
        return stdout;
    }
}
