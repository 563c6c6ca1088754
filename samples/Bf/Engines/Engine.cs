using System;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>The engines that run the IR.</summary>
public enum EngineKind
{
    /// <summary>Patchouly copy-and-patch JIT (<see cref="BfStencils"/>).</summary>
    Jit,
    /// <summary>Switch interpreter over the IR array.</summary>
    Interp,
    /// <summary>IL through <c>System.Reflection.Emit.DynamicMethod</c>, compiled by RyuJIT.</summary>
    Emit,
    /// <summary>C compiled by <c>clang -O3</c> into a shared library.</summary>
    Aot,
    /// <summary>The Patchouly JIT's emitted program on Patchouly's managed engine (each stencil a call of its C# method, in a <c>DynamicMethod</c>).</summary>
    Managed,
}

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    /// <summary>The program finished.</summary>
    Ok,
    /// <summary>The data pointer moved off the tape.</summary>
    TapeOverrun,
    /// <summary>Reading input or writing output failed (<see cref="BfIo.Error"/>).</summary>
    IoError,
}

/// <summary>
/// The outcome of a run; for <see cref="RunStatus.TapeOverrun"/>, which end of the tape and the data pointer's cell
/// index at the failed check (the cells checked are near it).
/// </summary>
public readonly record struct RunResult(RunStatus Status, bool OffLeftEnd = false, long PointerIndex = 0, int TapeCells = 0)
{
    /// <summary>Success.</summary>
    public static RunResult Ok => default;

    /// <summary>An overrun.</summary>
    public static RunResult Overrun(bool left, long pointerIndex, int tapeCells) => new(RunStatus.TapeOverrun, left, pointerIndex, tapeCells);

    /// <summary>Decodes the status word native code returns (<see cref="BfStencils.StatusOk"/> etc.).</summary>
    public static RunResult FromNative(long status, int tapeCells) => (status & 0xFF) switch
    {
        BfStencils.StatusOk => Ok,
        BfStencils.StatusIoError => new RunResult(RunStatus.IoError),
        BfStencils.StatusOverrunLeft => Overrun(true, status >> 8, tapeCells),
        BfStencils.StatusOverrunRight => Overrun(false, status >> 8, tapeCells),
        _ => throw new InvalidOperationException($"unknown status {status}"),
    };

    /// <summary>The message the CLI prints.</summary>
    public string Message(BfIo? io = null) => Status switch
    {
        RunStatus.Ok => "ok",
        RunStatus.TapeOverrun => $"tape overrun: the data pointer moved off the {(OffLeftEnd ? "left" : "right")} end of the tape ({TapeCells} cells)",
        _ => $"I/O error: {io?.Error?.Message ?? "a stream failed"}",
    };
}

/// <summary>A program compiled by one engine, with its tape; runnable many times (one run at a time).</summary>
public interface ICompiledProgram : IDisposable
{
    /// <summary>The engine.</summary>
    EngineKind Engine { get; }

    /// <summary>The tape the program runs on (owned by it; the JIT compiles its address into the code).</summary>
    Tape Tape { get; }

    /// <summary>Size of the generated code, in bytes (machine code; IL for emit; the IR for interp).</summary>
    long CodeSize { get; }

    /// <summary>Zeroes the tape and runs the program. Does not flush <paramref name="io"/>.</summary>
    RunResult Run(BfIo io);
}

/// <summary>Compiles IR with one of the engines.</summary>
public static class Engines
{
    /// <summary>Compiles <paramref name="program"/> with a new tape of <paramref name="tapeCells"/> cells.</summary>
    public static ICompiledProgram Compile(EngineKind engine, BfProgram program, int tapeCells = Tape.DefaultCells)
    {
        var tape = new Tape(tapeCells);
        try
        {
            return Compile(engine, program, tape);
        }
        catch
        {
            tape.Dispose();
            throw;
        }
    }

    /// <summary>Compiles <paramref name="program"/> to run on <paramref name="tape"/>, which the result owns.</summary>
    public static ICompiledProgram Compile(EngineKind engine, BfProgram program, Tape tape) => engine switch
    {
        EngineKind.Jit => JitEngine.Compile(program, tape),
        EngineKind.Interp => InterpEngine.Compile(program, tape),
        EngineKind.Emit => EmitEngine.Compile(program, tape),
        EngineKind.Aot => AotEngine.Compile(program, tape),
        EngineKind.Managed => JitEngine.Compile(program, tape, Patchouly.Runtime.ExecutionEngine.Managed),
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };

    /// <summary>Parses an engine name (<c>jit</c>, <c>interp</c>, <c>emit</c>, <c>aot</c>, <c>managed</c>).</summary>
    public static bool TryParse(string name, out EngineKind engine) =>
        Enum.TryParse(name, ignoreCase: true, out engine) && Enum.IsDefined(engine);

    /// <summary>The span of a check: <c>p+lo-start</c> may be at most this, so that <c>p+hi</c> is at most the last cell.</summary>
    internal static long Span(in Op op, int cells)
    {
        long span = cells - 1L - ((long)op.Arg - op.Offset);
        if (span < 0) throw new InvalidOperationException($"check {op} spans more than the tape");
        return span;
    }
}
