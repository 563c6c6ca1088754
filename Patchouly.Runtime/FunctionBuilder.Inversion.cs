using System.Diagnostics;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime;

// Branch inversion (BranchInversion, InvertiblePairs): when the last stencil ends in an invertible pair — a branch to
// one target (or to next), then the trailing jump to the other — and the code placed after it is one of the two, the
// pair becomes a single conditional branch to the other (so `c ? taken : Target.Next` with taken a loop head is one
// backward jcc). Done when the stencil is settled, never in the emit loop.
public sealed partial class FunctionBuilder
{
    /// <summary>
    /// The pair's trailing jump goes to a block not placed next; if its other branch goes to a block started here (so
    /// that branch is still a pending fixup, the last one), rewrites the pair into one conditional branch to the
    /// trailing jump's block and returns true. False when the stencil has no pair, or the branch would not reach.
    /// </summary>
    private bool TryInvertPair()
    {
        int variant = _log[_lastEntry + 1];
        int pair = _plan.PairStarts![variant];
        if (pair < 0) return false;
        int start = _log[_lastEntry];
        int field = start + _plan.StepsOf(variant)[_plan.Variant(variant).StepCount - 1].Offset;
        int last = _fixups.Count - 1, other = -1;
        // The other branch goes to "next" (clang's usual layout of `c ? taken : Target.Next`: "jcc next; jmp taken"),
        // which is the code placed here by definition; or to a block, which must be one started here.
        bool toNext = _pendingNext.Count > 0 && _pendingNext[_pendingNext.Count - 1].Field == field;
        if (!toNext)
        {
            if (last < 0 || _fixups[last].Field != field) return false;
            foreach (int b in _blocksHere.AsSpan())
            {
                if (_blocks[b].FixupHead == last)
                {
                    other = b;
                    break;
                }
            }
            if (other < 0) return false;
        }

        int at = start + pair, position = at - _base; // the stencil is in the segment being emitted
        int pairLength = BranchInversion.PairLength(_architecture);
        Debug.Assert(_code.Count == position + pairLength);
        int target = _tail.Block;
        int targetOffset = _blocks[target].Offset;
        bool hasField = BranchInversion.TryConditionalField(_architecture, out int conditionalField, out var kind, out int addend);
        // Without a field the branch is written now: its destination must be placed, in this segment.
        if (!hasField && (targetOffset < 0 || ((targetOffset ^ at) & ColdSegment) != 0)) return false;
        if (!BranchInversion.TryWriteConditional(_architecture, _code.AsSpan().Slice(position, pairLength), toTail: true, (long)targetOffset - at))
            return false;
        if (toNext) _pendingNext.Truncate(_pendingNext.Count - 1); // the pair no longer branches to next
        else
        {
            _blocks[other].FixupHead = _fixups[last].NextInChain; // the pair no longer branches to the next block
            _fixups.Truncate(last);
        }
        _code.Truncate(position + BranchInversion.ConditionalLength(_architecture));
        if (hasField) BranchTo(target, at + conditionalField, kind, addend);
        return true;
    }

    /// <summary>
    /// The last stencil's trailing jump was dropped; if it ends in a pair whose other branch is patched (its block is
    /// placed), lets the target merge what is left into one conditional branch (AArch64: <c>b.cond +8; b A</c>).
    /// </summary>
    private void MergePairAfterDroppedTail()
    {
        int variant = _log[_lastEntry + 1];
        int pair = _plan.PairStarts![variant];
        if (pair < 0) return;
        int start = _log[_lastEntry];
        int field = start + _plan.StepsOf(variant)[_plan.Variant(variant).StepCount - 1].Offset;
        if (_fixups.Count > 0 && _fixups[_fixups.Count - 1].Field == field) return; // its block is not placed yet
        if (_pendingNext.Count > 0 && _pendingNext[_pendingNext.Count - 1].Field == field) return; // to next: not patched yet
        if (_crossBranches.Count > 0 && _crossBranches[_crossBranches.Count - 1].Field == field) return; // in the other segment
        int position = start + pair - _base;
        int remaining = _code.Count - position;
        Debug.Assert(remaining == BranchInversion.PairLength(_architecture) - _tailJumpLength);
        if (BranchInversion.TryMergeAfterDroppedTail(_architecture, _code.AsSpan().Slice(position, remaining)))
            _code.Truncate(position + BranchInversion.ConditionalLength(_architecture));
    }
}
