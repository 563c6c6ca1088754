using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Jit;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>
/// Process-wide state shared by every instance: the <see cref="Exchange"/> area, canonical signature ids, and the
/// registry of the C# operations JIT code calls (<see cref="HostOperation"/>s and host functions), whose ids the
/// code holds: an id is registered for a <see cref="Store"/> and reused once the store is disposed. Wasm code runs on
/// one thread at a time: the exchange area is shared, so <see cref="Invoke"/> holds a process-wide lock while wasm
/// runs (other threads wait).
/// </summary>
public static unsafe class WasmRuntime
{
    /// <summary>Default stack budget for wasm code on a thread not started by <see cref="RunOnLargeStack{T}"/>.</summary>
    public const int DefaultStackBudget = 512 * 1024;

    private const int LargeStackSize = 256 << 20;

    private static readonly Lock Sync = new();

    // Held (re-entrantly: host functions may call wasm again) while wasm code runs: the exchange area is process-wide.
    private static readonly object Execution = new();
    private static readonly Dictionary<FuncType, long> Signatures = new();
    private static readonly List<object?> Operations = new(); // HostOperation or Function (host functions); null: free
    private static readonly Stack<int> FreeIds = new();
    [ThreadStatic] private static int _depth;
    [ThreadStatic] private static int _budget;
    [ThreadStatic] private static Exception? _pending;

    /// <summary>The exchange area.</summary>
    public static Exchange* Exchange { get; } = LowMemory.Allocate<Exchange>();

    /// <summary>The canonical id of <paramref name="type"/>.</summary>
    public static long SignatureId(FuncType type)
    {
        lock (Sync)
        {
            if (!Signatures.TryGetValue(type, out long id)) Signatures[type] = id = Signatures.Count + 1;
            return id;
        }
    }

    /// <summary>Registers a C# operation for its <see cref="HostOperation.Store"/>; the id is the hole value of <c>HostOp</c>.</summary>
    public static long AddOperation(HostOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return Register(operation, operation.Store);
    }

    /// <summary>The number of registered operations of all undisposed stores.</summary>
    public static int OperationCount
    {
        get
        {
            lock (Sync) return Operations.Count - FreeIds.Count;
        }
    }

    private static int Register(object target, Store store)
    {
        store.ThrowIfDisposed();
        int id;
        lock (Sync)
        {
            if (FreeIds.TryPop(out id)) Operations[id] = target;
            else
            {
                id = Operations.Count;
                Operations.Add(target);
            }
        }
        try { store.AddOperation(id); }
        catch (ObjectDisposedException)
        {
            lock (Sync) Free(id);
            throw;
        }
        return id;
    }

    private static void Free(int id)
    {
        Operations[id] = null;
        FreeIds.Push(id);
    }

    /// <summary>
    /// The first step of <see cref="Store.Dispose"/>: under the execution lock (so no wasm runs on another thread),
    /// marks <paramref name="store"/> disposed and frees its operations' ids; false when it already was disposed.
    /// </summary>
    internal static bool Release(Store store)
    {
        lock (Execution)
        {
            if (!store.MarkDisposed()) return false;
            lock (Sync)
                foreach (int id in store.OperationIds) Free(id);
            return true;
        }
    }

    /// <summary>The entry of <c>HostOp</c>: runs operation <paramref name="id"/>.</summary>
    public static delegate* unmanaged<long, long> OperationEntry => &Dispatch;

    internal static nint HostEntry(Function f) => Thunk(f, f.Store);

    /// <summary>A native entry (C ABI, <c>long f()</c>) that runs <paramref name="operation"/>: how interpreted functions
    /// are called. The thunk's code belongs to the operation's store.</summary>
    public static nint OperationThunk(HostOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return Thunk(operation, operation.Store);
    }

    private static nint Thunk(object target, Store store)
    {
        long id = Register(target, store);
        var builder = new FunctionBuilder(WasmStencils.Library, parameterCount: 0) { Name = "host" };
        new WasmStencils.Emitter(builder).HostThunk(&Dispatch, id);
        var compiled = builder.Compile();
        try { store.AddCode(compiled); }
        catch (ObjectDisposedException)
        {
            compiled.Dispose();
            throw;
        }
        return compiled.EntryPoint;
    }

    [UnmanagedCallersOnly]
    private static long Dispatch(long id)
    {
        try
        {
            object? op;
            lock (Sync) op = Operations[(int)id];
            if (op is null) throw new InvalidOperationException($"operation {id} was called after its store was disposed");
            long code;
            if (op is HostOperation h) code = (long)h.Run(Exchange);
            else
            {
                var f = (Function)op;
                int np = f.Type.Params.Length, nr = f.Type.Results.Length;
                var args = SignExtendI32(f.Type.Params, new ReadOnlySpan<long>(Exchange->Values, np).ToArray());
                var results = new long[nr];
                f.Host!(args, results);
                CheckReferences(f.Store, f.Type.Results, results, "a host function's result");
                results.CopyTo(new Span<long>(Exchange->Values, nr));
                code = 0;
            }
            return code;
        }
        catch (TrapException t)
        {
            return (long)t.Kind;
        }
        catch (Exception e)
        {
            _pending = e;
            return (long)TrapKind.HostError;
        }
    }

    /// <summary>Calls <paramref name="f"/> with the arguments' bits; returns the results' bits or throws <see cref="TrapException"/>.</summary>
    public static long[] Invoke(Function f, ReadOnlySpan<long> arguments)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (arguments.Length != f.Type.Params.Length) throw new ArgumentException($"{f.Type} takes {f.Type.Params.Length} arguments, not {arguments.Length}");
        var store = f.Store;
        store.ThrowIfDisposed();
        CheckReferences(store, f.Type.Params, arguments, "an argument");
        if (f.Host is not null)
        {
            var r = new long[f.Type.Results.Length];
            f.Host(arguments, r);
            return r;
        }
        lock (Execution)
        {
            store.ThrowIfDisposed(); // disposal happens under this lock
            arguments.CopyTo(new Span<long>(Exchange->Values, global::Patchouly.Samples.Wasm.Runtime.Exchange.Capacity));
            ulong savedLimit = Exchange->StackLimit;
            if (_depth == 0)
            {
                byte marker = 0;
                ulong sp = (ulong)Unsafe.AsPointer(ref marker);
                Exchange->StackLimit = sp - (ulong)(_budget == 0 ? DefaultStackBudget : _budget);
                _pending = null;
            }
            _depth++;
            store.ActiveCalls++;
            long code;
            try
            {
                code = ((delegate* unmanaged<long>)f.Ref->Entry)();
            }
            finally
            {
                store.ActiveCalls--;
                _depth--;
                Exchange->StackLimit = savedLimit;
            }
            if (code != 0)
            {
                var inner = _pending;
                _pending = null;
                throw new TrapException((TrapKind)code, inner);
            }
            return SignExtendI32(f.Type.Results, new ReadOnlySpan<long>(Exchange->Values, f.Type.Results.Length).ToArray());
        }
    }

    /// <summary>A funcref of another store must not get into <paramref name="store"/> (it would outlive its code).</summary>
    private static void CheckReferences(Store store, ValType[] types, ReadOnlySpan<long> values, string what)
    {
        for (int i = 0; i < types.Length; i++)
            if (types[i] == ValType.FuncRef && !store.OwnsFuncRef(values[i]))
                throw new CrossStoreException($"{what} ({i}) is a funcref of another store (or not a function reference)");
    }

    /// <summary>Inside wasm an i32 word's upper half is unspecified (the JIT's i32 operations leave it zero, constants
    /// sign-extended); C# gets every i32 sign-extended.</summary>
    private static long[] SignExtendI32(ValType[] types, long[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (types[i] == ValType.I32) values[i] = (int)values[i];
        return values;
    }

    /// <summary>Runs <paramref name="work"/> on a thread with a 256 MiB stack (wasm may use most of it before exhaustion traps).</summary>
    public static T RunOnLargeStack<T>(Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            _budget = LargeStackSize - (16 << 20);
            try { result = work(); }
            catch (Exception e) { error = e; }
        }, LargeStackSize);
        t.Start();
        t.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        return result;
    }
}

/// <summary>An operation JIT code delegates to C# (bulk memory, tables, memory.grow): operands and results in the exchange area.</summary>
public abstract unsafe class HostOperation(Store store)
{
    /// <summary>The store whose code calls the operation (its registration ends when the store is disposed).</summary>
    public Store Store { get; } = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>Runs; returns <see cref="TrapKind.None"/> or the trap.</summary>
    public abstract TrapKind Run(Exchange* exchange);
}
