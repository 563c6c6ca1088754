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

    /// <summary>Element <paramref name="i"/>, unchecked: the runtime's own accesses (validated code checked the bounds and the store).</summary>
    internal ref ulong this[uint i] => ref Desc->Elements[i];

    /// <summary>Element <paramref name="index"/>'s bits (0 is null).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Length"/>.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public ulong Get(uint index)
    {
        CheckIndex(index);
        return Desc->Elements[index];
    }

    /// <summary>Sets element <paramref name="index"/> to <paramref name="value"/>: null (0) or, in a funcref table, a function reference of this table's store.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Length"/>.</exception>
    /// <exception cref="CrossStoreException"><paramref name="value"/> is not a function reference of this store.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public void Set(uint index, ulong value)
    {
        CheckIndex(index);
        CheckElement(value);
        Desc->Elements[index] = value;
    }

    private void CheckIndex(uint index)
    {
        if (index >= Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"the table has {Length} elements");
    }

    /// <summary>Function references must be of this store (their code is freed with it); other references are opaque host bits.</summary>
    private void CheckElement(ulong value)
    {
        if (ElementType == ValType.FuncRef && !Store.OwnsFuncRef((long)value))
            throw new CrossStoreException("the element is a funcref of another store (or not a function reference)");
    }

    /// <summary>Grows by <paramref name="delta"/> elements set to <paramref name="init"/>; returns the old length or -1.</summary>
    /// <exception cref="CrossStoreException"><paramref name="init"/> is not null or a function reference of this store.</exception>
    public int Grow(uint delta, ulong init)
    {
        CheckElement(init);
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
