using System;
using System.Numerics;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

// Automatic moves: emitting a stencil whose variant for the requested locations does not exist, by moving values
// through the scratch registers to a variant that does.
public sealed partial class FunctionBuilder
{
    /// <summary>The most values (inputs + outputs) a stencil may have for the substitution search (2^n subsets).</summary>
    private const int MaxMovedValues = 10;

    /// <summary>
    /// Looks for the smallest set of values to substitute with scratch registers such that the stencil has a usable
    /// variant, the moves exist, and the code fits; then emits <c>Move</c>s into the scratch registers, the stencil, and
    /// <c>Move</c>s out of them. Returns false (with the builder unchanged) when no substitution works.
    /// </summary>
    /// <remarks>
    /// Candidates are tried by increasing number of substituted values; among equally many, first those that only
    /// replace stack locations and outputs sharing a register (the usual reasons for a missing variant), then any.
    /// Inputs in the same location share a scratch register. Outputs get scratch registers distinct from each other,
    /// first reusing the inputs' (an output may share an input's register), then distinct from them too. A scratch
    /// register that one of the stencil's own locations uses is never used.
    /// </remarks>
    private bool TryEmitWithMoves(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets)
    {
        int values = inputs.Length + outputs.Length;
        if (_scratch.Length == 0 || values == 0 || values > MaxMovedValues) return false;
        Span<Location> pool = stackalloc Location[_scratch.Length];
        int poolCount = 0;
        foreach (var r in _scratch)
            if (!inputs.Contains(r) && !outputs.Contains(r)) pool[poolCount++] = r;
        if (poolCount == 0) return false;
        pool = pool[..poolCount];

        Span<Location> newInputs = stackalloc Location[inputs.Length];
        Span<Location> newOutputs = stackalloc Location[outputs.Length];
        Span<int> moves = stackalloc int[values];
        for (int size = 1; size <= values; size++)
        {
            for (int pass = 0; pass < 2; pass++)
            {
                // Masks from high to low: among equally good choices, later values are substituted first, so
                // when outputs share a register the later one (moved out last) wins, as when they share a stack slot.
                for (int mask = (1 << values) - 1; mask > 0; mask--)
                {
                    if (BitOperations.PopCount((uint)mask) != size || IsLikelyCause(mask, inputs, outputs) != (pass == 0)) continue;
                    for (int separate = 0; separate < 2; separate++)
                    {
                        if (TrySubstitution(family, inputs, outputs, holes, targets, mask, separate == 1, pool, newInputs, newOutputs, moves))
                            return true;
                    }
                }
            }
        }
        return false;
    }

    /// <summary>True when every value in <paramref name="mask"/> is on the stack, or an output sharing its register with another output.</summary>
    private static bool IsLikelyCause(int mask, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs)
    {
        for (int v = 0; v < inputs.Length + outputs.Length; v++)
        {
            if ((mask & (1 << v)) == 0) continue;
            var l = v < inputs.Length ? inputs[v] : outputs[v - inputs.Length];
            if (l.IsStack) continue;
            if (v >= inputs.Length && SharesRegister(outputs, v - inputs.Length)) continue;
            return false;
        }
        return true;
    }

    private static bool SharesRegister(ReadOnlySpan<Location> outputs, int index)
    {
        for (int j = 0; j < outputs.Length; j++)
            if (j != index && outputs[j] == outputs[index]) return true;
        return false;
    }

    private bool TrySubstitution(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets, int mask, bool separate, ReadOnlySpan<Location> pool,
        Span<Location> newInputs, Span<Location> newOutputs, Span<int> moves)
    {
        inputs.CopyTo(newInputs);
        outputs.CopyTo(newOutputs);
        int next = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if ((mask & (1 << i)) == 0) continue;
            int same = -1;
            for (int j = 0; j < i && same < 0; j++)
                if ((mask & (1 << j)) != 0 && inputs[j] == inputs[i]) same = j;
            if (same >= 0) newInputs[i] = newInputs[same];
            else if (next < pool.Length) newInputs[i] = pool[next++];
            else return false;
        }
        int inputScratch = next;
        if (separate && (inputScratch == 0 || (mask >> inputs.Length) == 0)) return false; // the same as the shared attempt
        next = separate ? inputScratch : 0;
        for (int o = 0; o < outputs.Length; o++)
        {
            if ((mask & (1 << (inputs.Length + o))) == 0) continue;
            if (next >= pool.Length) return false;
            newOutputs[o] = pool[next++];
        }

        // The stencil itself, with the substituted locations.
        int variant = TrySelect(family, newInputs, newOutputs, holes, out int maxSlot);
        if (variant < 0) return false;
        bool movesOut = (mask >> inputs.Length) != 0;
        if (movesOut && (Header(variant).Flags & PlanFlags.FallsThrough) == 0) return false; // nothing runs after it
        long total = Header(variant).Length;

        // The moves: one per distinct substituted input, one per substituted output.
        int moveCount = 0;
        for (int v = 0; v < inputs.Length + outputs.Length; v++)
        {
            if ((mask & (1 << v)) == 0) continue;
            bool isInput = v < inputs.Length;
            if (isInput && v > 0 && newInputs[..v].Contains(newInputs[v])) continue; // already moved in
            Location from = isInput ? inputs[v] : newOutputs[v - inputs.Length];
            Location to = isInput ? newInputs[v] : outputs[v - inputs.Length];
            if ((from.IsFloatRegister || to.IsFloatRegister) && _library.FloatRegisters == 0) return false;
            int m = TrySelect(MoveFamilyFor(from, to), new ReadOnlySpan<Location>(in from), new ReadOnlySpan<Location>(in to), default, out _);
            if (m < 0) return false;
            moves[moveCount++] = m;
            total += Header(m).Length;
        }
        if (CodeSize + total > CodeSizeLimit) ThrowTooLarge(family, (int)Math.Min(total, int.MaxValue));

        // Everything is checked: emit the moves in, the stencil, the moves out.
        int k = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if ((mask & (1 << i)) == 0 || (i > 0 && newInputs[..i].Contains(newInputs[i]))) continue;
            Location from = inputs[i], to = newInputs[i];
            int m = moves[k++];
            Commit(ref Header(m), m, new ReadOnlySpan<Location>(in from), new ReadOnlySpan<Location>(in to), default, default, from.IsStack ? from.Index : -1);
        }
        Commit(ref Header(variant), variant, newInputs, newOutputs, holes, targets, maxSlot);
        for (int o = 0; o < outputs.Length; o++)
        {
            if ((mask & (1 << (inputs.Length + o))) == 0) continue;
            Location from = newOutputs[o], to = outputs[o];
            int m = moves[k++];
            Commit(ref Header(m), m, new ReadOnlySpan<Location>(in from), new ReadOnlySpan<Location>(in to), default, default, to.IsStack ? to.Index : -1);
        }
        return true;
    }

    /// <summary>A usable variant (narrow first, then wide) of <paramref name="family"/> for valid locations, or -1.</summary>
    private int TrySelect(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, out int maxSlot)
    {
        int registers = family.Registers, radix = registers + 1;
        int index = 0, bad = 0, minSlot = int.MaxValue;
        maxSlot = -1;
        if (family.FloatMask == 0)
        {
            foreach (var l in inputs) index = index * radix + LocationCode(l, registers, ref bad, ref minSlot, ref maxSlot);
            foreach (var l in outputs) index = index * radix + LocationCode(l, registers, ref bad, ref minSlot, ref maxSlot);
        }
        else index = MixedIndex(family, inputs, outputs, ref bad, ref minSlot, ref maxSlot);
        if (bad < 0) return -1;
        int narrow = family.FirstVariant + index;
        if (IsUsable(ref Header(narrow), holes, minSlot, maxSlot)) return narrow;
        if (family.HasWide && IsUsable(ref Header(narrow + family.NarrowSlots), holes, minSlot, maxSlot)) return narrow + family.NarrowSlots;
        return -1;
    }
}
