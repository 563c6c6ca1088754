using System;
using System.Diagnostics;
using System.Linq;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Targets;
using CallSite = Patchouly.Runtime.Internal.CallSite;

namespace Patchouly.Runtime;

// Cold placement: code emitted after a cold block is started (NewBlock(cold: true)) goes to a second segment, which
// the function's body ends with. Offsets in the builder are body offsets of the emit-time layout, where the cold
// segment starts at ColdSegment (2^30, past any body); branches within a segment are patched as usual, branches between
// the segments when the segments are joined (PrepareLink). The emit loop only adds the segment's base to its offset.
public sealed partial class FunctionBuilder
{
    /// <summary>Where the cold segment starts in emit-time offsets (bit 30: every body is smaller than 1 GiB).</summary>
    private const int ColdSegment = 1 << 30;

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

    /// <summary>The joined body, log, blocks and call sites of a function with cold code, made by <see cref="PrepareLink"/>.</summary>
    private JoinedSegments? _linked;

    private sealed record JoinedSegments(byte[] Body, int[] Log, (int Offset, int Block)[] Blocks, CallSite[] Calls)
    {
        public ReadOnlySpan<CallSite> CallSites => Calls;
    }

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
    /// The body with the cold segment after the hot one (aligned, the gap filled with the trap instruction), the
    /// branches between them patched, and the log, blocks and call sites moved to the final offsets (the log's
    /// stencils in body order). The builder's own state is unchanged, so it can keep emitting.
    /// </summary>
    private JoinedSegments JoinSegments()
    {
        ref PooledList<byte> hot = ref _base == 0 ? ref _code : ref _otherCode;
        ref PooledList<byte> cold = ref _base == 0 ? ref _otherCode : ref _code;
        int alignment = Math.Max(16, _bodyAlignment);
        int coldStart = (hot.Count + alignment - 1) & -alignment;
        var body = new byte[coldStart + cold.Count];
        hot.AsSpan().CopyTo(body);
        CodeFill.Trap(_architecture, body.AsSpan(hot.Count, coldStart - hot.Count));
        cold.AsSpan().CopyTo(body.AsSpan(coldStart));

        foreach (var branch in _crossBranches.AsSpan())
        {
            int field = Final(branch.Field, coldStart);
            WriteBranchField(ref body[field], branch.Kind, (long)Final(branch.Destination, coldStart) + branch.Addend - field);
        }

        var calls = _callSites.ToArray();
        for (int i = 0; i < calls.Length; i++) calls[i] = calls[i] with { Field = Final(calls[i].Field, coldStart) };
        // GOT loads are patched at link time by field offset, so they move with their segment too (idempotent).
        var gotLoads = _gotLoads.AsSpan();
        for (int i = 0; i < gotLoads.Length; i++) gotLoads[i] = gotLoads[i] with { Field = Final(gotLoads[i].Field, coldStart) };

        // The log: hot stencils, then cold ones, each in emit order (which is their order in their segment).
        var source = _log.AsSpan();
        var log = new int[source.Length];
        int written = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int at = 0; at < source.Length;)
            {
                var family = _plan.FamilyOf(source[at + 1]);
                int length = 2 + family.Inputs + family.Outputs;
                if ((source[at] >= ColdSegment) == (pass == 1))
                {
                    source.Slice(at, length).CopyTo(log.AsSpan(written));
                    log[written] = Final(source[at], coldStart);
                    written += length;
                }
                at += length;
            }
        }
        Debug.Assert(written == log.Length);

        var blocks = BlockLayout();
        for (int i = 0; i < blocks.Length; i++) blocks[i].Offset = Final(blocks[i].Offset, coldStart);
        return new JoinedSegments(body, log, blocks.OrderBy(b => b.Offset).ToArray(), calls);
    }

    /// <summary>The final body offset of emit-time offset <paramref name="offset"/>.</summary>
    private static int Final(int offset, int coldStart) => offset >= ColdSegment ? offset - ColdSegment + coldStart : offset;

    private void ResetSegments()
    {
        if (_base != 0) (_code, _otherCode) = (_otherCode, _code);
        _code.Clear();
        _otherCode.Clear();
        _crossBranches.Clear();
        _base = 0;
        _otherHasTail = false;
        _otherLastEntry = -1;
        _linked = null;
    }

    private void ReleaseSegments()
    {
        _otherCode.Release();
        _crossBranches.Release();
        _linked = null;
    }
}
