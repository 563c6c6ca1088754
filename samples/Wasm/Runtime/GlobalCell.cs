using System;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>A global of a <see cref="Store"/>: its type and the 8-byte cell holding its value's bits (shared when imported).</summary>
public sealed unsafe class GlobalCell : IStoreResource
{
    private long* _cell;

    /// <summary>A global of <paramref name="type"/> in <paramref name="store"/>, holding <paramref name="value"/>.</summary>
    public GlobalCell(Store store, GlobalType type, long value)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        Type = type;
        _cell = (long*)LowMemory.Allocate(8);
        *_cell = value;
        try { store.Add(this); }
        catch (ObjectDisposedException)
        {
            ((IStoreResource)this).Release();
            throw;
        }
    }

    /// <summary>The cell the JIT code reads and writes.</summary>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public long* Cell => _cell != null ? _cell : throw new ObjectDisposedException(nameof(GlobalCell), "the global's store was disposed");

    /// <summary>The global's type.</summary>
    public GlobalType Type { get; }

    /// <summary>The store that owns the global.</summary>
    public Store Store { get; }

    /// <summary>The value's bits (a funcref's are not checked: set only bits of this store's references).</summary>
    public long Value
    {
        get => *Cell;
        set => *Cell = value;
    }

    void IStoreResource.Release()
    {
        LowMemory.Free(_cell, 8);
        _cell = null;
    }
}
