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

    /// <summary>The value's bits; setting checks what wasm's <c>global.set</c> may not do.</summary>
    /// <exception cref="InvalidOperationException">Set on an immutable global.</exception>
    /// <exception cref="CrossStoreException">Set to a funcref of another store (or not a function reference).</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public long Value
    {
        get => *Cell;
        set
        {
            if (!Type.Mutable) throw new InvalidOperationException("the global is immutable");
            if (Type.Type == ValType.FuncRef && !Store.OwnsFuncRef(value))
                throw new CrossStoreException("the value is a funcref of another store (or not a function reference)");
            *Cell = value;
        }
    }

    /// <summary>Sets the value's bits unchecked: validated code (the interpreter's <c>global.set</c>).</summary>
    internal void SetUnchecked(long value) => *Cell = value;

    void IStoreResource.Release()
    {
        LowMemory.Free(_cell, 8);
        _cell = null;
    }
}
