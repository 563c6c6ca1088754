using System;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>A host function: receives the arguments' bits and writes the results' bits.</summary>
public delegate void HostCallback(ReadOnlySpan<long> arguments, Span<long> results);

/// <summary>
/// A function: a wasm function of an instance or a host function, owned by a <see cref="Store"/>. <see cref="Ref"/>
/// is its <see cref="FuncRef"/>, the value of a funcref that names it and what calls jump through.
/// </summary>
public sealed unsafe class Function : IStoreResource
{
    private FuncRef* _ref;

    /// <summary>The native reference (signature id and entry point).</summary>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public FuncRef* Ref => _ref != null ? _ref : throw new ObjectDisposedException(nameof(Function), "the function's store was disposed");

    /// <summary>The function's type.</summary>
    public FuncType Type { get; }

    /// <summary>The host callback, for host functions.</summary>
    public HostCallback? Host { get; }

    /// <summary>The store that owns the function.</summary>
    public Store Store { get; }

    /// <summary>The owning instance and function index, for wasm functions.</summary>
    public Instance? Instance { get; internal set; }

    /// <summary>Index in the owning instance's function space.</summary>
    public int Index { get; internal set; }

    internal Function(Store store, FuncType type, HostCallback? host = null)
    {
        Type = type;
        Host = host;
        Store = store;
        _ref = LowMemory.Allocate<FuncRef>();
        _ref->Signature = WasmRuntime.SignatureId(type);
        try { store.Add(this); }
        catch (ObjectDisposedException)
        {
            Release();
            throw;
        }
    }

    /// <summary>A host function of type <paramref name="type"/> in <paramref name="store"/> (instances of that store may import it).</summary>
    public static Function FromHost(Store store, FuncType type, HostCallback callback)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(callback);
        var f = new Function(store, type, callback);
        f._ref->Entry = WasmRuntime.HostEntry(f);
        return f;
    }

    /// <summary>Calls the function with the arguments' bits; returns the results' bits or throws <see cref="TrapException"/>.</summary>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public long[] Invoke(params long[] arguments) => WasmRuntime.Invoke(this, arguments);

    void IStoreResource.Release() => Release();

    private void Release()
    {
        LowMemory.Free(_ref);
        _ref = null;
    }
}
