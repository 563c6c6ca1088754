using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Internal;

/// <summary>
/// A module's table of function entry addresses: ordinary read-write native memory (never executable), one 8-byte
/// slot per function, in chunks so that a slot's address never changes as functions are added. Code calls a module
/// function through its slot (<c>call [slot]</c>), so a call can be emitted before the callee is defined or compiled.
/// Freed when released (the module's executable memory holds a reference, so it lives as long as the code).
/// </summary>
internal sealed unsafe class SlotTable : SafeHandle
{
    private const int ChunkSlots = 64;

    private nint[] _chunks = new nint[4];
    private int _chunkCount;

    public SlotTable() : base(invalidHandleValue: 0, ownsHandle: true)
    {
        _chunks[0] = AllocateChunk();
        _chunkCount = 1;
        SetHandle(_chunks[0]);
    }

    /// <summary>The number of slots.</summary>
    public int Count { get; private set; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <summary>Adds a slot (holding 0) and returns its index.</summary>
    public int Add()
    {
        int index = Count;
        if (index / ChunkSlots == _chunkCount)
        {
            if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2);
            _chunks[_chunkCount++] = AllocateChunk();
        }
        Count++;
        return index;
    }

    /// <summary>The address of slot <paramref name="index"/>.</summary>
    public nint AddressOf(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, "No such slot.");
        return _chunks[index / ChunkSlots] + index % ChunkSlots * sizeof(nint);
    }

    /// <summary>Writes slot <paramref name="index"/>.</summary>
    public void Set(int index, nint value) => *(nint*)AddressOf(index) = value;

    /// <summary>Reads slot <paramref name="index"/>.</summary>
    public nint Get(int index) => *(nint*)AddressOf(index);

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        for (int i = 0; i < _chunkCount; i++)
            NativeMemory.Free((void*)_chunks[i]);
        _chunkCount = 0;
        return true;
    }

    private static nint AllocateChunk() => (nint)NativeMemory.AllocZeroed(ChunkSlots, (nuint)sizeof(nint));
}
