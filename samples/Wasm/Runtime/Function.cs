using System;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>A host function: receives the arguments' bits and writes the results' bits.</summary>
public delegate void HostCallback(ReadOnlySpan<long> arguments, Span<long> results);

/// <summary>
/// A function: a wasm function of an instance or a host function. <see cref="Ref"/> is its <see cref="FuncRef"/>,
/// the value of a funcref that names it and what calls jump through.
/// </summary>
public sealed unsafe class Function
{
    /// <summary>The native reference (signature id and entry point).</summary>
    public FuncRef* Ref { get; }

    /// <summary>The function's type.</summary>
    public FuncType Type { get; }

    /// <summary>The host callback, for host functions.</summary>
    public HostCallback? Host { get; }

    /// <summary>The owning instance and function index, for wasm functions.</summary>
    public Instance? Instance { get; internal set; }

    /// <summary>Index in the owning instance's function space.</summary>
    public int Index { get; internal set; }

    internal Function(FuncType type, HostCallback? host = null)
    {
        Type = type;
        Host = host;
        Ref = LowMemory.Allocate<FuncRef>();
        Ref->Signature = WasmRuntime.SignatureId(type);
    }

    /// <summary>A host function of type <paramref name="type"/>.</summary>
    public static Function FromHost(FuncType type, HostCallback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var f = new Function(type, callback);
        f.Ref->Entry = WasmRuntime.HostEntry(f);
        return f;
    }

    /// <summary>Calls the function with the arguments' bits; returns the results' bits or throws <see cref="TrapException"/>.</summary>
    public long[] Invoke(params long[] arguments) => WasmRuntime.Invoke(this, arguments);
}
