using System.Collections.Generic;
using System.Linq;
using Patchouly.Generators.Format;
using Patchouly.Generators.Model;

namespace Patchouly.Generators.Variants;

/// <summary>One variant of a family: a location code per input and output, and narrow or wide holes.</summary>
/// <param name="Index">The variant's slot in the family's table (the runtime computes the same number).</param>
/// <param name="Inputs">Location code of each input (register index, or Registers for the stack).</param>
/// <param name="Outputs">Location code of each output.</param>
/// <param name="Wide">True for the 64-bit-hole twin.</param>
internal sealed record VariantSpec(int Index, int[] Inputs, int[] Outputs, bool Wide)
{
    /// <summary>Number of stack-located values (inputs first, then outputs), each needing a slot relocation.</summary>
    public int StackValues(int registers) => Inputs.Count(c => c == registers) + Outputs.Count(c => c == registers);
}

/// <summary>
/// Enumerates the variants of a family: every assignment of inputs and outputs to locations (inputs may share a
/// register; outputs may not share a register with each other), narrow and, when the family has wide holes, wide.
/// The index is the base-L number of the codes, inputs first, most significant first; wide variants add L^(I+O).
/// A value pinned to a register (<c>[Pinned(n)]</c>) has variants only with that code; the other slots stay empty.
/// </summary>
internal static class VariantEnumerator
{
    public static int NarrowSlots(FamilyModel family, int registers) =>
        checked((int)VariantIndex.NarrowSlots(family.InputCount + family.OutputCount, registers));

    public static int TotalSlots(FamilyModel family, int registers) =>
        checked((int)VariantIndex.TotalSlots(family.InputCount + family.OutputCount, registers, family.HasWide));

    public static IEnumerable<VariantSpec> Enumerate(FamilyModel family, int registers)
    {
        int inputs = family.InputCount, outputs = family.OutputCount;
        int narrow = NarrowSlots(family, registers);
        var codes = new int[inputs + outputs];
        var pins = family.Pins;
        for (int index = 0; index < narrow; index++)
        {
            VariantIndex.Decode(index, registers, codes);
            if (pins is not null && !Pinned(codes, pins)) continue;
            var ins = codes.Take(inputs).ToArray();
            var outs = codes.Skip(inputs).ToArray();
            if (!VariantIndex.OutputsDistinct(outs, registers)) continue;
            yield return new VariantSpec(index, ins, outs, false);
            if (family.HasWide) yield return new VariantSpec(index + narrow, ins, outs, true);
        }
    }

    private static bool Pinned(int[] codes, int[] pins)
    {
        for (int k = 0; k < codes.Length; k++)
            if (pins[k] >= 0 && codes[k] != pins[k]) return false;
        return true;
    }
}
