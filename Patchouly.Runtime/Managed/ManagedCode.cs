using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Patchouly.Runtime.Managed;

/// <summary>A function compiled by the managed engine: six word arguments (the unused ones ignored), a word result.</summary>
internal delegate long ManagedEntry(long a0, long a1, long a2, long a3, long a4, long a5);

/// <summary>Compiles a recorded program with the managed engine.</summary>
internal static class ManagedCompiler
{
    /// <summary>
    /// Compiles <paramref name="program"/>: to IL for <see cref="ExecutionEngine.Managed"/> when the runtime can generate
    /// code, otherwise (and for <see cref="ExecutionEngine.Interpreter"/>) to an interpreter over it.
    /// </summary>
    public static ManagedCode Compile(ManagedProgram program, ExecutionEngine engine, ManagedLifetime? lifetime = null)
    {
        lifetime ??= new ManagedLifetime();
        if (engine == ExecutionEngine.Managed && RuntimeFeature.IsDynamicCodeSupported)
            return new ManagedCode(program, ExecutionEngine.Managed, IlCompiler.Compile(program), lifetime);
        return new ManagedCode(program, ExecutionEngine.Interpreter, new ProgramInterpreter(program).Run, lifetime)
        {
            WithoutDynamicCode = engine == ExecutionEngine.Managed,
        };
    }
}

/// <summary>
/// A runnable managed function: its program, its delegate, a C-ABI entry point (made on first use, so that native code
/// and a module's slots can call it) and the lifetime it shares with its module.
/// </summary>
internal sealed class ManagedCode
{
    private nint _nativeEntry;

    public ManagedCode(ManagedProgram program, ExecutionEngine engine, ManagedEntry entry, ManagedLifetime lifetime)
    {
        Program = program;
        Engine = engine;
        Entry = entry;
        Lifetime = lifetime;
    }

    public ManagedProgram Program { get; }
    public ExecutionEngine Engine { get; }
    public ManagedEntry Entry { get; }
    public ManagedLifetime Lifetime { get; }

    /// <summary>True when the managed engine was asked for and the runtime cannot generate code, so this interprets.</summary>
    public bool WithoutDynamicCode { get; init; }

    /// <summary>A C-ABI function pointer that runs the function (the delegate is kept alive by this object).</summary>
    public nint NativeEntry
    {
        get
        {
            if (_nativeEntry == 0) Interlocked.CompareExchange(ref _nativeEntry, Marshal.GetFunctionPointerForDelegate(Entry), 0);
            return _nativeEntry;
        }
    }

    public long Call(long a0, long a1, long a2, long a3, long a4, long a5)
    {
        Lifetime.Enter(this);
        try
        {
            return Entry(a0, a1, a2, a3, a4, a5);
        }
        finally
        {
            Lifetime.Exit();
        }
    }

    /// <summary>The last stencil continued (returned <see cref="Target.Next"/>) but there is no code after it.</summary>
    [DoesNotReturn]
    internal static void ThrowRanOffEnd(string function) =>
        throw new InvalidOperationException(
            $"Control ran off the end of function {function}: its last stencil continued to the next code, but there is none (native code would run into the padding after the function).");
}

/// <summary>
/// The lifetime of managed functions (one, or a module's): after <see cref="Dispose"/> new calls throw
/// <see cref="ObjectDisposedException"/>, and what must outlive running calls (a module's slot table) is released when
/// the last one returns.
/// </summary>
internal sealed class ManagedLifetime
{
    private readonly object _lock = new();
    private int _running;
    private bool _disposed;
    private IDisposable? _dependent;

    public bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>Releases <paramref name="dependent"/> after disposal, once no call is running.</summary>
    public void AddDependent(IDisposable dependent) => _dependent = dependent;

    public void Enter(object owner)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, owner);
            _running++;
        }
    }

    public void Exit()
    {
        IDisposable? release = null;
        lock (_lock)
        {
            if (--_running == 0 && _disposed) (release, _dependent) = (_dependent, null);
        }
        release?.Dispose();
    }

    public void Dispose()
    {
        IDisposable? release = null;
        lock (_lock)
        {
            _disposed = true;
            if (_running == 0) (release, _dependent) = (_dependent, null);
        }
        release?.Dispose();
    }
}
