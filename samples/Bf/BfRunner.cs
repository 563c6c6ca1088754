using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf;

/// <summary>What one <see cref="BfRunner.Run(string, EngineKind, Stream, Stream, int)"/> did.</summary>
public sealed record BfRun(RunResult Result, BfIo Io, int IrOps, TimeSpan FrontEndTime, TimeSpan CompileTime, TimeSpan RunTime, long CodeSize)
{
    /// <summary>The deepest nesting of repeating loops (<see cref="BfProgram.LoopDepth"/>).</summary>
    public int LoopDepth { get; init; }

    /// <summary>The process exit code the CLI uses: 0, 2 for a tape overrun, 1 for an I/O error.</summary>
    public int ExitCode => Result.Status switch
    {
        RunStatus.Ok => 0,
        RunStatus.TapeOverrun => 2,
        _ => 1,
    };
}

/// <summary>The library entry point: parse, optimise, compile with an engine and run, with injectable streams.</summary>
public static class BfRunner
{
    /// <summary>Runs <paramref name="source"/> with <paramref name="engine"/>, reading <paramref name="input"/> and writing <paramref name="output"/> (flushed at the end).</summary>
    /// <exception cref="BfSyntaxException">Unbalanced brackets.</exception>
    /// <exception cref="AotCompileException">The aot engine has no working clang.</exception>
    public static BfRun Run(string source, EngineKind engine, Stream input, Stream output, int tapeCells = Tape.DefaultCells)
    {
        var clock = Stopwatch.StartNew();
        var program = IrBuilder.Build(source);
        var frontEnd = clock.Elapsed;
        clock.Restart();
        using var tape = new Tape(tapeCells);
        clock.Restart();
        using var compiled = Engines.Engines.Compile(engine, program, tape);
        var compile = clock.Elapsed;
        var io = new BfIo(input, output);
        clock.Restart();
        var result = compiled.Run(io);
        var run = clock.Elapsed;
        if (io.Flush() != 0 && result.Status == RunStatus.Ok) result = new RunResult(RunStatus.IoError);
        return new BfRun(result, io, program.Count, frontEnd, compile, run, compiled.CodeSize) { LoopDepth = program.LoopDepth };
    }

    /// <summary>Runs with byte arrays: returns the output.</summary>
    public static (RunResult Result, byte[] Output) Run(string source, EngineKind engine, byte[]? input = null, int tapeCells = Tape.DefaultCells)
    {
        var output = new MemoryStream();
        var run = Run(source, engine, new MemoryStream(input ?? []), output, tapeCells);
        return (run.Result, output.ToArray());
    }

    /// <summary>The text of an embedded program (<c>mandelbrot.bf</c>, <c>factor.bf</c>, <c>Mandelbrot.out</c>, ...).</summary>
    public static string Embedded(string name)
    {
        var assembly = typeof(BfRunner).Assembly;
        using var stream = assembly.GetManifestResourceStream("Bf.Programs." + name)
            ?? throw new FileNotFoundException($"no embedded program {name}; embedded: {string.Join(", ", assembly.GetManifestResourceNames())}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
