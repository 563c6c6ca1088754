using System;
using System.Diagnostics;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Targets;
using CallSite = Patchouly.Runtime.Internal.CallSite;

namespace Patchouly.Runtime;

// Cold placement: code emitted after a cold block is started (NewBlock(cold: true)) goes to a second segment, which
// the function's body ends with. Offsets in the builder are body offsets of the emit-time layout, where the cold
// segment starts at ColdSegment (2^30, past any body); branches within a segment are patched as usual, branches between
// the segments when the body is written (WriteBody). The emit loop only adds the segment's base to its offset.
public sealed partial class FunctionBuilder
{
    /// <summary>Where the cold segment starts in emit-time offsets (bit 30: every body is smaller than 1 GiB).</summary>
    internal const int ColdSegment = 1 << 30;

    /// <summary>The segment not being emitted into (the hot one while cold code is emitted, and the other way round).</summary>
    private PooledList<byte> _otherCode;

    /// <summary>The emit-time offset of <see cref="_code"/>'s first byte: 0 (hot) or <see cref="ColdSegment"/>.</summary>
    private int _base;

    /// <summary>The other segment's pending trailing jump (never to the code after it) and its last stencil's log entry.</summary>
    private bool _otherHasTail;
    private PendingTail _otherTail;
    private int _otherLastEntry = -1;

    /// <summary>Branches from one segment to the other, patched when the segments are joined.</summary>
    private PooledList<CrossBranch> _crossBranches;

    /// <summary>A branch from one segment to the other (emit-time offsets).</summary>
    private readonly record struct CrossBranch(int Field, Tables.RelocationKind Kind, int Addend, int Destination);

    /// <summary>
    /// Where the cold segment starts in the final body (the hot segment's length, aligned), or -1 when the function has
    /// no cold code; set by <see cref="PrepareLink"/>, with <see cref="_bodyLength"/>.
    /// </summary>
    private int _coldStart = -1;

    /// <summary>The final body's length (set by <see cref="PrepareLink"/>).</summary>
    private int _bodyLength;

    private bool HasColdCode => _base != 0 || _otherCode.Count != 0 || _crossBranches.Count != 0;

    /// <summary>
    /// Starts emitting into the other segment, before <paramref name="block"/> is started there. Code that would fall
    /// into the block (the last stencil continues, blocks started with no code yet, or the function's entry) gets a
    /// jump to it. The segment left keeps its last trailing jump pending, so that it is still dropped (or its pair
    /// inverted) when emitting returns to the segment and starts its destination.
    /// </summary>
    private void SwitchSegment(Block block)
    {
        bool fallsThrough = (_hasTail && (_tail.IsNext || IsStartedHere(_tail.Block)))
            || _pendingNext.Count != 0 || _blocksHere.Count != 0 || (_base == 0 && _code.Count == 0);
        if (fallsThrough) Jump(block);
        Debug.Assert(_pendingNext.Count == 0 && _blocksHere.Count == 0 && _alignHere == 0);
        SwapSegments();
    }

    private void SwapSegments()
    {
        (_code, _otherCode) = (_otherCode, _code);
        _base ^= ColdSegment;
        (_hasTail, _otherHasTail) = (_otherHasTail, _hasTail);
        (_tail, _otherTail) = (_otherTail, _tail);
        (_lastEntry, _otherLastEntry) = (_otherLastEntry, _lastEntry);
    }

    /// <summary>Settles the other segment's pending trailing jump (before linking).</summary>
    private void SettleOtherSegment()
    {
        if (!_otherHasTail) return;
        SwapSegments();
        Settle();
        SwapSegments();
    }

    /// <summary>A branch whose field or destination is in the other segment: written now if both are in one segment, else when joined.</summary>
    private void WriteAcrossSegments(int field, Tables.RelocationKind kind, int addend, int destination)
    {
        if (((field ^ destination) & ColdSegment) == 0)
        {
            ref PooledList<byte> segment = ref (field & ColdSegment) == _base ? ref _code : ref _otherCode;
            WriteBranchField(ref segment.UncheckedAt(field & ~ColdSegment), kind, (long)destination + addend - field);
            return;
        }
        _crossBranches.Add(new CrossBranch(field, kind, addend, destination));
    }

    /// <summary>
    /// Fixes where the cold segment goes in the final body: after the hot one, aligned (<see cref="PrepareLink"/>). The
    /// segments are joined only when the body is written (<see cref="WriteBody"/>), straight into the image; the map
    /// moves the log's and blocks' offsets when it is first read. Joining eagerly (a new body array, a reordered log,
    /// sorted blocks) cost a sixth of compiling a bf program.
    /// </summary>
    private void PlaceSegments()
    {
        if (!HasColdCode)
        {
            _coldStart = -1;
            _bodyLength = _code.Count;
            return;
        }
        int hot = _base == 0 ? _code.Count : _otherCode.Count, cold = _base == 0 ? _otherCode.Count : _code.Count;
        int alignment = Math.Max(16, _bodyAlignment);
        _coldStart = (hot + alignment - 1) & -alignment;
        _bodyLength = _coldStart + cold;
    }

    /// <summary>
    /// Writes the settled body (<see cref="PrepareLink"/>) into <paramref name="destination"/> (its length): the hot
    /// segment, the trap instruction up to the cold segment, the cold segment, and the branches between them.
    /// </summary>
    internal void WriteBody(Span<byte> destination)
    {
        if (_coldStart < 0)
        {
            _code.AsSpan().CopyTo(destination);
            return;
        }
        ref PooledList<byte> hot = ref _base == 0 ? ref _code : ref _otherCode;
        ref PooledList<byte> cold = ref _base == 0 ? ref _otherCode : ref _code;
        hot.AsSpan().CopyTo(destination);
        CodeFill.Trap(_architecture, destination[hot.Count.._coldStart]);
        cold.AsSpan().CopyTo(destination[_coldStart..]);
        foreach (var branch in _crossBranches.AsSpan())
        {
            int field = Final(branch.Field, _coldStart);
            WriteBranchField(ref destination[field], branch.Kind, (long)Final(branch.Destination, _coldStart) + branch.Addend - field);
        }
    }

    /// <summary>The final body offset of emit-time offset <paramref name="offset"/> (after <see cref="PrepareLink"/>).</summary>
    internal int FinalOffset(int offset) => Final(offset, _coldStart);

    /// <summary>The final body offset of emit-time offset <paramref name="offset"/> when the cold segment starts at <paramref name="coldStart"/>.</summary>
    internal static int Final(int offset, int coldStart) => offset >= ColdSegment ? offset - ColdSegment + coldStart : offset;

    private void ResetSegments()
    {
        if (_base != 0) (_code, _otherCode) = (_otherCode, _code);
        _code.Clear();
        _otherCode.Clear();
        _crossBranches.Clear();
        _base = 0;
        _otherHasTail = false;
        _otherLastEntry = -1;
        _coldStart = -1;
    }

    private void ReleaseSegments()
    {
        _otherCode.Release();
        _crossBranches.Release();
    }
}
