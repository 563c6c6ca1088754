using System;
using System.Globalization;
using Patchouly.Runtime.Managed;

namespace Patchouly.Runtime;

/// <summary>
/// Differential testing of a JIT: runs one emitted program on the native engine and on the managed engine (where each
/// stencil is its C# method) with the same arguments and memory, and reports the first difference. A difference means
/// a stencil's native code does not do what its C# says (a translation bug, or C# whose behaviour the native code
/// cannot match), or the program depends on something unspecified (a register or stack slot read before it is written).
/// </summary>
/// <example>
/// <code>
/// var builder = new FunctionBuilder(MyStencils.Library, parameterCount: 2) { Engine = ExecutionEngine.Managed };
/// … emit …
/// using var both = EngineOracle.Compile(builder);
/// var result = both.Run([4, 5], memory);          // memory: the bytes the program reads and writes
/// Assert.True(result.Agree, result.ToString());
/// </code>
/// </example>
public static class EngineOracle
{
    /// <summary>
    /// Compiles <paramref name="builder"/>'s program with both engines. The builder must record its program: set its
    /// <see cref="FunctionBuilder.Engine"/> to <see cref="ExecutionEngine.Managed"/> or
    /// <see cref="ExecutionEngine.Interpreter"/> (the managed side) before emitting. The builder is compiled afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The builder's engine is <see cref="ExecutionEngine.Native"/> (it did not record the program).</exception>
    /// <exception cref="NotSupportedException">The library has no native code for this platform (nothing to compare with).</exception>
    /// <exception cref="FunctionCompileException">The function is not complete (as for <see cref="FunctionBuilder.Compile"/>).</exception>
    public static EngineComparison Compile(FunctionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Engine == ExecutionEngine.Native)
            throw new ArgumentException("The oracle needs the emitted program: set the builder's Engine to Managed or Interpreter before emitting.", nameof(builder));
        if (!builder.Library.HasNativeCode)
            throw new NotSupportedException($"Stencil library {builder.Library.Name} has no native code for this platform ({builder.Library.NativeUnavailableReason}); there is nothing to compare the managed engine with.");
        var program = builder.PrepareManaged();
        var managed = new CompiledFunction(ManagedCompiler.Compile(program, builder.ManagedKind), null);
        var native = builder.CompileNative();
        return new EngineComparison(native, managed);
    }
}

/// <summary>One program compiled by both engines (<see cref="EngineOracle.Compile"/>).</summary>
public sealed class EngineComparison : IDisposable
{
    internal EngineComparison(CompiledFunction native, CompiledFunction managed)
    {
        Native = native;
        Managed = managed;
    }

    /// <summary>The program as machine code.</summary>
    public CompiledFunction Native { get; }

    /// <summary>The program as .NET code.</summary>
    public CompiledFunction Managed { get; }

    /// <summary>
    /// Runs the program on the managed engine, then (unless it threw) on the native one, with the same arguments and the
    /// same initial contents of <paramref name="memory"/>, and compares the results and the final contents of the memory.
    /// </summary>
    /// <param name="arguments">The arguments (as many as the function's parameters).</param>
    /// <param name="memory">The memory the program reads and writes (pinned or native: the program has its address in a
    /// hole or an argument). It is restored to its initial contents between the runs and holds the native run's
    /// contents afterwards.</param>
    /// <param name="beforeEachRun">Called before each run, to reset other state the program uses (its I/O, say).</param>
    /// <remarks>When the managed run throws (a stencil's C# threw, where the native code would trap or do something
    /// undefined), the native code is not run and <see cref="OracleResult.ManagedException"/> holds the exception.</remarks>
    public OracleResult Run(ReadOnlySpan<long> arguments, Span<byte> memory = default, Action? beforeEachRun = null)
    {
        if (arguments.Length != Native.ParameterCount)
            throw new ArgumentException($"The function takes {Native.ParameterCount} arguments, but {arguments.Length} were given.", nameof(arguments));
        var initial = memory.ToArray();
        beforeEachRun?.Invoke();
        long managedResult;
        try
        {
            managedResult = Call(Managed, arguments);
        }
        catch (Exception e)
        {
            return new OracleResult(0, 0, e, -1);
        }
        var managedMemory = memory.ToArray();
        initial.CopyTo(memory);
        beforeEachRun?.Invoke();
        long nativeResult = Call(Native, arguments);
        int difference = FirstDifference(memory, managedMemory);
        return new OracleResult(nativeResult, managedResult, null, difference,
            difference >= 0 ? managedMemory[difference] : (byte)0, difference >= 0 ? memory[difference] : (byte)0);
    }

    private static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return i;
        return -1;
    }

    private static long Call(CompiledFunction f, ReadOnlySpan<long> a) => a.Length switch
    {
        0 => f.Invoke(),
        1 => f.Invoke(a[0]),
        2 => f.Invoke(a[0], a[1]),
        3 => f.Invoke(a[0], a[1], a[2]),
        4 => f.Invoke(a[0], a[1], a[2], a[3]),
        5 => f.Invoke(a[0], a[1], a[2], a[3], a[4]),
        _ => f.Invoke(a[0], a[1], a[2], a[3], a[4], a[5]),
    };

    /// <summary>Disposes both functions.</summary>
    public void Dispose()
    {
        Native.Dispose();
        Managed.Dispose();
    }
}

/// <summary>The outcome of running one program on both engines (<see cref="EngineComparison.Run"/>).</summary>
/// <param name="NativeResult">The native engine's result word.</param>
/// <param name="ManagedResult">The managed engine's result word.</param>
/// <param name="ManagedException">What the managed run threw (then the native code was not run), or null.</param>
/// <param name="FirstMemoryDifference">The offset of the first byte of the memory that differs after the runs, or -1.</param>
/// <param name="ManagedByte">The managed run's byte at <see cref="FirstMemoryDifference"/>.</param>
/// <param name="NativeByte">The native run's byte there.</param>
public sealed record OracleResult(long NativeResult, long ManagedResult, Exception? ManagedException, int FirstMemoryDifference,
    byte ManagedByte = 0, byte NativeByte = 0)
{
    /// <summary>True when both runs finished with the same result and the same memory.</summary>
    public bool Agree => ManagedException is null && NativeResult == ManagedResult && FirstMemoryDifference < 0;

    /// <summary>The first difference, in words.</summary>
    public override string ToString() =>
        ManagedException is not null ? $"the managed run threw {ManagedException.GetType().Name}: {ManagedException.Message} (the native code was not run)"
        : NativeResult != ManagedResult ? string.Create(CultureInfo.InvariantCulture, $"results differ: native 0x{NativeResult:x}, managed 0x{ManagedResult:x}")
        : FirstMemoryDifference >= 0 ? string.Create(CultureInfo.InvariantCulture, $"memory differs first at offset {FirstMemoryDifference}: native 0x{NativeByte:x2}, managed 0x{ManagedByte:x2}")
        : string.Create(CultureInfo.InvariantCulture, $"agree: result 0x{NativeResult:x}");
}
