using System;
using System.Globalization;
using System.IO;
using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

// Bf [FILE] [--engine jit|interp|emit|aot|managed] [--stats] [--ir] [--disasm] [--c]
// Bf --bench [--reps N] [--engine E]...
// Bf --ab VAR [--reps N]
// Runs a brainf*ck program (the embedded mandelbrot.bf without FILE): input from stdin, output to stdout.
// Exit codes: 0 ok, 2 tape overrun or unbalanced brackets, 1 usage, file or I/O errors.
return Cli.Run(args);

internal static class Cli
{
    public static int Run(string[] args)
    {
        string? file = null;
        var engine = EngineKind.Jit;
        bool stats = false, dumpIr = false, disasm = false, bench = false, printC = false;
        string? abVariable = null;
        int reps = 5;
        var benchEngines = new System.Collections.Generic.List<EngineKind>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "--engine" or "-e" when i + 1 < args.Length:
                    if (!Engines.TryParse(args[++i], out engine)) return Usage($"unknown engine '{args[i]}'");
                    benchEngines.Add(engine);
                    break;
                case "--stats":
                    stats = true;
                    break;
                case "--ir":
                    dumpIr = true;
                    break;
                case "--disasm":
                    disasm = true;
                    break;
                case "--c":
                    printC = true;
                    break;
                case "--bench":
                    bench = true;
                    break;
                case "--ab" when i + 1 < args.Length:
                    abVariable = args[++i];
                    break;
                case "--reps" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out reps) || reps < 1)
                        return Usage($"--reps needs a positive number, not '{args[i]}'");
                    break;
                case "-h" or "--help":
                    Console.WriteLine(UsageText);
                    return 0;
                default:
                    if (a.StartsWith('-') || file is not null) return Usage($"unexpected argument '{a}'");
                    file = a;
                    break;
            }
        }
        if (bench) return Benchmark.Run(reps, Console.Out, benchEngines);
        if (abVariable is not null) return AbBenchmark.Run(abVariable, reps, Console.Out);

        string source;
        try
        {
            // One char per byte (Latin-1): any bytes are a program (those that are not commands are comments), and
            // the positions of bracket errors are byte offsets in the file, whatever its encoding.
            source = file is null ? BfRunner.Embedded("mandelbrot.bf") : System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot read {file}: {e.Message}");
            return 1;
        }

        if (dumpIr || disasm || printC)
        {
            try
            {
                var program = IrBuilder.Build(source);
                if (dumpIr) Console.Out.Write(program.Dump());
                if (printC) Console.Out.Write(AotEngine.GenerateC(program, Tape.DefaultCells));
                if (disasm)
                {
                    using var jit = JitEngine.Compile(program, new Tape());
                    Console.Out.Write(jit.Function.Disassemble());
                }
                return 0;
            }
            catch (BfSyntaxException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        }

        using var stdin = Console.OpenStandardInput();
        using var stdout = Console.OpenStandardOutput();
        BfRun run;
        try
        {
            run = BfRunner.Run(source, engine, stdin, stdout);
        }
        catch (BfSyntaxException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (AotCompileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        if (stats)
        {
            var c = CultureInfo.InvariantCulture;
            Console.Error.WriteLine(string.Create(c,
                $"engine {engine.ToString().ToLowerInvariant()}: {run.IrOps} IR ops (loops nested {run.LoopDepth} deep), front end {Ms(run.FrontEndTime)}, compile {Ms(run.CompileTime)}, run {Ms(run.RunTime)}, code {run.CodeSize} bytes, output {run.Io.BytesWritten} bytes"));
        }
        if (run.Result.Status != RunStatus.Ok)
            Console.Error.WriteLine($"error: {run.Result.Message(run.Io)}");
        return run.ExitCode;
    }

    private static string Ms(TimeSpan t) => (t.TotalMilliseconds).ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    private const string UsageText = """
        usage: Bf [FILE] [--engine jit|interp|emit|aot|managed] [--stats] [--ir] [--disasm] [--c]
               Bf --bench [--reps N] [--engine E]...
               Bf --ab VAR [--reps N]
          FILE       a brainf*ck program (default: the embedded mandelbrot.bf); input from stdin, output to stdout
          --engine   jit (Patchouly, default), interp, emit (DynamicMethod + RyuJIT), aot (clang -O3),
                     managed (the jit's program on Patchouly's managed engine: stencils' C# in a DynamicMethod)
          --stats    print IR op count, compile time, run time and code size to stderr
          --ir       print the optimised IR and exit
          --disasm   print the JIT's machine code and exit
          --c        print the C the aot engine compiles and exit
          --bench    run the benchmark (mandelbrot, factor; every engine, or the --engine ones and jit) and write
                     artifacts/bench/bf.json
          --ab VAR   the jit with VAR=0 against the default, alternating runs in one process (thread CPU time)
        exit codes: 0 ok, 2 tape overrun or unbalanced brackets (the position counts bytes), 1 usage, file or I/O
        error, or a program the aot engine refuses (nested too deep or too large for clang)
        """;

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(UsageText);
        return 1;
    }
}
