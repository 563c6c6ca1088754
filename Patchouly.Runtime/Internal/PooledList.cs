using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Internal;

/// <summary>
/// A growable array whose storage is rented from <see cref="ArrayPool{T}.Shared"/>, so that a builder that is compiled
/// (and returns its storage) lets the next builder emit without allocating. A mutable struct: keep it in a field and
/// never copy it.
/// </summary>
internal struct PooledList<T>
{
    private T[]? _items;
    private int _count;

    public readonly int Count => _count;

    /// <summary>A reference to element <paramref name="index"/> (which must be below <see cref="Count"/>).</summary>
    public readonly ref T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) ThrowIndex(index);
            return ref _items![index];
        }
    }

    public readonly Span<T> AsSpan() => _items is null ? Span<T>.Empty : _items.AsSpan(0, _count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T item)
    {
        if (_items is null || _count == _items.Length) Grow(_count + 1);
        _items![_count++] = item;
    }

    /// <summary>Appends <paramref name="items"/> and returns the index of the first.</summary>
    public int AddRange(ReadOnlySpan<T> items)
    {
        int start = _count;
        if (_items is null || _items.Length - _count < items.Length) Grow(_count + items.Length);
        items.CopyTo(_items.AsSpan(_count));
        _count += items.Length;
        return start;
    }

    /// <summary>Appends <paramref name="count"/> uninitialised elements and returns the index of the first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Extend(int count)
    {
        int start = _count;
        if (_items is null || _items.Length - _count < count) Grow(_count + count);
        _count += count;
        return start;
    }

    /// <summary>
    /// As <see cref="Extend(int)"/>, also making sure <paramref name="slack"/> more elements of capacity follow the new end
    /// (so a copy may overrun it by that much).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Extend(int count, int slack)
    {
        int start = _count;
        if (_items is null || _items.Length - _count < count + slack) Grow(_count + count + slack);
        _count += count;
        return start;
    }

    /// <summary>A reference to element <paramref name="index"/> without a bounds check: the caller guarantees it is below <see cref="Count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref T UncheckedAt(int index) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_items!), (nint)(uint)index);

    /// <summary>Drops the elements from <paramref name="count"/> on.</summary>
    public void Truncate(int count)
    {
        if ((uint)count > (uint)_count) ThrowIndex(count);
        _count = count;
    }

    public void Clear() => _count = 0;

    /// <summary>A copy of the elements (in an array that is not zeroed first, since every element is overwritten).</summary>
    public readonly T[] ToArray()
    {
        if (_count == 0) return [];
        var copy = GC.AllocateUninitializedArray<T>(_count);
        AsSpan().CopyTo(copy);
        return copy;
    }

    /// <summary>The storage array (null when nothing was ever added); its first <see cref="Count"/> elements are the list.</summary>
    public readonly T[]? Storage => _items;

    /// <summary>Forgets the storage without returning it to the pool (its new owner returns it); the list is empty afterwards.</summary>
    public void Detach()
    {
        _items = null;
        _count = 0;
    }

    /// <summary>Returns the storage to the pool; the list is empty afterwards.</summary>
    public void Release()
    {
        if (_items is not null)
        {
            ArrayPool<T>.Shared.Return(_items, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            _items = null;
        }
        _count = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int needed)
    {
        int size = Math.Max(needed, _items is null ? 16 : (int)Math.Min((long)_items.Length * 2, Array.MaxLength));
        if (size < needed) throw new OutOfMemoryException($"A list of {needed} items is too large.");
        T[] bigger = ArrayPool<T>.Shared.Rent(size);
        if (_items is not null)
        {
            _items.AsSpan(0, _count).CopyTo(bigger);
            ArrayPool<T>.Shared.Return(_items, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
        _items = bigger;
    }

    private static void ThrowIndex(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, "Index outside the list.");
}
