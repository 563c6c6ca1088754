using System;
using System.Collections.Generic;
using System.Threading;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>
/// The owner of a group of linked instances and of every runtime object they and their host create: functions
/// (their <see cref="FuncRef"/>s and host thunks), tables, memories, globals, JIT code and the registered C#
/// operations. Objects of a store may only be linked with objects of the same store (imports, funcref arguments and
/// host results), so no reference can outlive its code: <see cref="Dispose"/> frees everything at once, and any later
/// use throws <see cref="ObjectDisposedException"/>. A store is not collected while undisposed (the operation registry
/// references its instances): dispose it. Calls may come from any thread (they take turns, see
/// <see cref="WasmRuntime.Invoke"/>); instantiating and disposing a store must not overlap.
/// </summary>
public sealed class Store : IDisposable
{
    private readonly Lock _sync = new();
    private readonly List<Instance> _instances = [];
    private readonly List<IStoreResource> _resources = [];
    private readonly List<IDisposable> _code = [];
    private readonly List<int> _operations = [];
    private readonly HashSet<long> _funcRefs = []; // the FuncRef addresses of the store's functions
    private bool _disposed;

    // Calls of this store's functions running now (changed under the runtime's execution lock).
    internal int ActiveCalls;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>The instances created in this store (failed instantiations included: their objects may be referenced from shared tables).</summary>
    public IReadOnlyList<Instance> Instances
    {
        get
        {
            lock (_sync) return _instances.ToArray();
        }
    }

    /// <summary>Number of C# operations (bulk instructions, interpreted and host functions) this store registered.</summary>
    public int OperationCount
    {
        get
        {
            lock (_sync) return _operations.Count;
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once disposed.</summary>
    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Throws <see cref="CrossStoreException"/> unless <paramref name="owner"/> is this store.</summary>
    internal void CheckSame(Store owner, string what)
    {
        if (!ReferenceEquals(owner, this)) throw new CrossStoreException($"{what} belongs to another store (objects of different stores cannot be linked)");
    }

    /// <summary>True when <paramref name="bits"/> is null or the <see cref="FuncRef"/> of a function of this store.</summary>
    internal unsafe bool OwnsFuncRef(long bits)
    {
        if (bits == 0) return true;
        lock (_sync) return _funcRefs.Contains(bits);
    }

    internal void Add(Instance instance) => Add(_instances, instance);

    internal unsafe void Add(IStoreResource resource)
    {
        lock (_sync)
        {
            ThrowIfDisposed();
            _resources.Add(resource);
            if (resource is Function f) _funcRefs.Add((long)f.Ref);
        }
    }

    internal void AddCode(IDisposable code) => Add(_code, code);

    internal void AddOperation(int id) => Add(_operations, id);

    private void Add<T>(List<T> list, T item)
    {
        lock (_sync)
        {
            ThrowIfDisposed();
            list.Add(item);
        }
    }

    /// <summary>
    /// Frees the code, the operations' registrations and the native objects of every instance and host object of the
    /// store. Safe to call more than once; throws <see cref="InvalidOperationException"/> from inside a call into this
    /// store (a host function must not free the code it returns to).
    /// </summary>
    public void Dispose()
    {
        if (!WasmRuntime.Release(this)) return;
        foreach (var c in _code) c.Dispose();
        foreach (var r in _resources) r.Release();
        _code.Clear();
        _resources.Clear();
        _funcRefs.Clear();
        _operations.Clear();
        _instances.Clear();
    }

    /// <summary>Marks the store disposed (false: it already was); called by <see cref="WasmRuntime.Release"/> under the execution lock.</summary>
    internal bool MarkDisposed()
    {
        lock (_sync)
        {
            if (_disposed) return false;
            if (ActiveCalls > 0) throw new InvalidOperationException("a store cannot be disposed while one of its functions runs");
            Volatile.Write(ref _disposed, true);
            return true;
        }
    }

    /// <summary>The ids of the operations the store registered (read once disposed).</summary>
    internal IReadOnlyList<int> OperationIds => _operations;
}

/// <summary>A native object a <see cref="Store"/> frees when it is disposed.</summary>
internal interface IStoreResource
{
    /// <summary>Frees the native memory (called once, by the store).</summary>
    void Release();
}

/// <summary>An object of one store used with another (an import, a funcref argument or host result).</summary>
public sealed class CrossStoreException(string message) : InvalidOperationException(message);
