using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime.Internal;

/// <summary>
/// Finds, once per library, the variants whose code ends in an invertible pair (<see cref="BranchInversion"/>): a
/// branch to one target, then the droppable trailing jump to the other (or to next). The builder consults the result
/// only when it settles such a stencil, so the emit loop does no extra work.
/// </summary>
internal static class InvertiblePairs
{
    /// <summary>Per variant, where its pair starts in its code (-1: none); null when no variant has one.</summary>
    public static int[]? Find(StencilLibrary library, LibraryPlan plan)
    {
        int[]? starts = null;
        var variants = library.Variants;
        for (int vi = 0; vi < variants.Length; vi++)
        {
            ref readonly var v = ref plan.Variant(vi);
            if (!v.IsReady || (v.Flags & PlanFlags.HasTail) == 0 || v.StepCount == 0) continue;
            if ((variants[vi].Flags & VariantFlags.TailIsBranchTarget) != 0) continue;
            var relocations = library.RelocationsOf(variants[vi]);
            if (relocations.Length < 2) continue;
            // The pair's branch is the last step before the tail's (the steps follow the relocations in order).
            var step = plan.StepsOf(vi)[v.StepCount - 1];
            var beforeTail = relocations[^2];
            if (step.Offset != beforeTail.Offset || step.Op is not (PatchOp.Target32 or PatchOp.Target26 or PatchOp.Next32 or PatchOp.Next26)) continue;
            int start = BranchInversion.FindPair(library.Architecture, library.CodeOf(variants[vi]), beforeTail);
            if (start < 0) continue;
            if (starts is null)
            {
                starts = new int[variants.Length];
                starts.AsSpan().Fill(-1);
            }
            starts[vi] = start;
        }
        return starts;
    }
}
