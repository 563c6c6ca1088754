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
/// <param name="FloatMask">The family's float-class values (bit v: value v, inputs first).</param>
/// <param name="FloatRegisters">The library's float register count (a float-class value's stack code).</param>
internal sealed record VariantSpec(int Index, int[] Inputs, int[] Outputs, bool Wide, uint FloatMask = 0, int FloatRegisters = 0)
{
    /// <summary>True when value <paramref name="value"/> (inputs first) is of the float class.</summary>
    public bool IsFloat(int value) => VariantIndex.IsFloat(value, FloatMask);

    /// <summary>True when input <paramref name="input"/> is in a stack slot.</summary>
    public bool InputOnStack(int input, int registers) => Inputs[input] == VariantIndex.StackCode(input, registers, FloatMask, FloatRegisters);

    /// <summary>True when output <paramref name="output"/> goes to a stack slot.</summary>
    public bool OutputOnStack(int output, int registers) => Outputs[output] == VariantIndex.StackCode(Inputs.Length + output, registers, FloatMask, FloatRegisters);

    /// <summary>Number of stack-located values (inputs first, then outputs), each needing a slot relocation.</summary>
    public int StackValues(int registers) =>
        Enumerable.Range(0, Inputs.Length).Count(i => InputOnStack(i, registers)) + Enumerable.Range(0, Outputs.Length).Count(o => OutputOnStack(o, registers));
}

/// <summary>
/// Enumerates the variants of a family: every assignment of inputs and outputs to locations (inputs may share a
/// register; outputs may not share a register with each other), narrow and, when the family has wide holes, wide.
/// The index is the base-L number of the codes, inputs first, most significant first; wide variants add L^(I+O).
/// A value pinned to a register (<c>[Pinned(n)]</c>) has variants only with that code; the other slots stay empty.
/// Float-class values (<see cref="FamilyModel.FloatMask"/>) take the codes of the float registers and the stack.
/// </summary>
internal static class VariantEnumerator
{
    public static int NarrowSlots(FamilyModel family, int registers, int floatRegisters = 0) =>
        checked((int)VariantIndex.NarrowSlots(family.InputCount + family.OutputCount, registers, family.FloatMask, floatRegisters));

    public static int TotalSlots(FamilyModel family, int registers, int floatRegisters = 0) =>
        checked((int)VariantIndex.TotalSlots(family.InputCount + family.OutputCount, registers, family.HasWide, family.FloatMask, floatRegisters));

    public static IEnumerable<VariantSpec> Enumerate(FamilyModel family, int registers, int floatRegisters = 0)
    {
        uint mask = family.FloatMask;
        int inputs = family.InputCount, outputs = family.OutputCount;
        int narrow = NarrowSlots(family, registers, floatRegisters);
        var codes = new int[inputs + outputs];
        var pins = family.Pins;
        for (int index = 0; index < narrow; index++)
        {
            VariantIndex.Decode(index, registers, codes, mask, floatRegisters);
            if (pins is not null && !Pinned(codes, pins)) continue;
            var ins = codes.Take(inputs).ToArray();
            var outs = codes.Skip(inputs).ToArray();
            if (!VariantIndex.OutputsDistinct(outs, registers, inputs < 32 ? mask >> inputs : 0, floatRegisters)) continue;
            yield return new VariantSpec(index, ins, outs, false, mask, floatRegisters);
            if (family.HasWide) yield return new VariantSpec(index + narrow, ins, outs, true, mask, floatRegisters);
        }
    }

    private static bool Pinned(int[] codes, int[] pins)
    {
        for (int k = 0; k < codes.Length; k++)
            if (pins[k] >= 0 && codes[k] != pins[k]) return false;
        return true;
    }
}
