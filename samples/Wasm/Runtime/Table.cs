using System;
using System.Runtime.InteropServices;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>A table of references of a <see cref="Store"/> (function references are <see cref="FuncRef"/> addresses, 0 is null).</summary>
public sealed unsafe class Table : IStoreResource
{
    /// <summary>The most elements a table may have (an implementation limit; growing beyond it fails).</summary>
    public const uint MaxElements = 10_000_000;

    private TableDesc* _desc;

    /// <summary>The descriptor the JIT code reads.</summary>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public TableDesc* Desc => _desc != null ? _desc : throw new ObjectDisposedException(nameof(Table), "the table's store was disposed");

    /// <summary>The element type.</summary>
    public ValType ElementType { get; }

    /// <summary>The maximum size, if declared.</summary>
    public uint? Max { get; }

    /// <summary>The store that owns the table.</summary>
    public Store Store { get; }

    /// <summary>Current number of elements.</summary>
    public uint Length => (uint)Desc->Length;

    /// <summary>Creates a table of <paramref name="type"/> in <paramref name="store"/>, filled with null.</summary>
    public Table(Store store, TableType type)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (type.Limits.Min > MaxElements)
            throw new WasmException(WasmErrorKind.ImplementationLimit, "table", -1, $"a table of {type.Limits.Min} elements (at most {MaxElements})");
        Store = store;
        ElementType = type.Element;
        Max = type.Limits.Max;
        _desc = LowMemory.Allocate<TableDesc>();
        _desc->Elements = (ulong*)NativeMemory.AllocZeroed((nuint)type.Limits.Min + 1, 8);
        _desc->Length = type.Limits.Min;
        try { store.Add(this); }
        catch (ObjectDisposedException)
        {
            ((IStoreResource)this).Release();
            throw;
        }
    }

    /// <summary>Element <paramref name="i"/> (the caller checked the bounds; a funcref's bits must be of this store).</summary>
    public ref ulong this[uint i] => ref Desc->Elements[i];

    /// <summary>Grows by <paramref name="delta"/> elements set to <paramref name="init"/>; returns the old length or -1.</summary>
    public int Grow(uint delta, ulong init)
    {
        uint old = Length;
        ulong limit = Max ?? uint.MaxValue;
        if ((ulong)old + delta > limit || (ulong)old + delta > MaxElements) return -1;
        var e = (ulong*)NativeMemory.Realloc(Desc->Elements, (nuint)((old + delta + 1) * 8UL));
        for (uint i = old; i < old + delta; i++) e[i] = init;
        Desc->Elements = e;
        Desc->Length = old + delta;
        return (int)old;
    }

    void IStoreResource.Release()
    {
        if (_desc == null) return;
        NativeMemory.Free(_desc->Elements);
        LowMemory.Free(_desc);
        _desc = null;
    }
}
