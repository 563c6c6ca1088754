using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>
/// The target seam for branch inversion: a variant whose code ends in an invertible pair (a conditional branch to one
/// target, then the droppable trailing jump to the other; see <see cref="X64BranchRules"/> and
/// <see cref="Arm64BranchRules"/>) is found when a library's plan is built; when the code placed after such a stencil
/// is one of its two destinations, the builder rewrites the pair into a single conditional branch to the other. Static
/// methods that switch on the architecture, never called per patch.
/// </summary>
internal static class BranchInversion
{
    /// <summary>
    /// Where the invertible pair starts in a variant's <paramref name="code"/>, or -1. The variant's trailing jump is
    /// known to be droppable; <paramref name="beforeTail"/> is the relocation before it, and must be the pair's branch
    /// to its other target (a target or next).
    /// </summary>
    public static int FindPair(TargetArchitecture architecture, ReadOnlySpan<byte> code, in Relocation beforeTail)
    {
        if (beforeTail.Patch is not (PatchKind.Target or PatchKind.Next)) return -1;
        return architecture switch
        {
            TargetArchitecture.X64 => X64BranchRules.FindPair(code, beforeTail),
            TargetArchitecture.Arm64 => Arm64BranchRules.FindPair(code, beforeTail),
            _ => -1,
        };
    }

    /// <summary>The length of a pair.</summary>
    public static int PairLength(TargetArchitecture architecture) =>
        architecture == TargetArchitecture.Arm64 ? Arm64BranchRules.PairLength : X64BranchRules.PairLength;

    /// <summary>The length of the single conditional branch a pair becomes.</summary>
    public static int ConditionalLength(TargetArchitecture architecture) =>
        architecture == TargetArchitecture.Arm64 ? Arm64BranchRules.ConditionalLength : X64BranchRules.ConditionalLength;

    /// <summary>
    /// The conditional branch's displacement field, when it is a relocation kind the builder patches like any branch,
    /// so that it may go to a block not placed yet (x86-64: rel32, reaching the whole body). False when the branch
    /// reaches less than the body may span and must be written with its destination known (AArch64).
    /// </summary>
    public static bool TryConditionalField(TargetArchitecture architecture, out int field, out RelocationKind kind, out int addend)
    {
        if (architecture == TargetArchitecture.X64)
        {
            (field, kind, addend) = (X64BranchRules.ConditionalField, RelocationKind.Rel32, X64BranchRules.ConditionalAddend);
            return true;
        }
        (field, kind, addend) = (0, RelocationKind.None, 0);
        return false;
    }

    /// <summary>
    /// Rewrites the pair at the start of <paramref name="pair"/> into a conditional branch taken when the pair would go
    /// to its trailing jump's destination (<paramref name="toTail"/>) or else to its other one. With a field
    /// (<see cref="TryConditionalField"/>) the displacement is left to the caller and <paramref name="delta"/> is
    /// ignored; otherwise the branch goes <paramref name="delta"/> bytes from the pair's start, and nothing is changed
    /// (false) when that is out of its reach.
    /// </summary>
    public static bool TryWriteConditional(TargetArchitecture architecture, Span<byte> pair, bool toTail, long delta)
    {
        switch (architecture)
        {
            case TargetArchitecture.X64:
                X64BranchRules.WriteConditional(pair, toTail);
                return true;
            case TargetArchitecture.Arm64:
                if (!Arm64BranchRules.Reaches(pair, delta)) return false;
                Arm64BranchRules.WriteConditional(pair, toTail, delta);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// After the pair's trailing jump was dropped (its destination is placed next): rewrites what is left into one
    /// conditional branch to the other destination when that takes two instructions (AArch64: <c>b.cond +8; b A</c>
    /// becomes <c>b.!cond A</c>, if A is in reach); the other branch must already be patched. False when nothing changed
    /// (x86-64's <c>jcc A</c> is already one).
    /// </summary>
    public static bool TryMergeAfterDroppedTail(TargetArchitecture architecture, Span<byte> pair)
    {
        if (architecture != TargetArchitecture.Arm64) return false;
        long delta = Arm64BranchRules.MiddleDestination(pair);
        if (!Arm64BranchRules.Reaches(pair, delta)) return false;
        Arm64BranchRules.WriteConditional(pair, toTail: false, delta);
        return true;
    }
}
