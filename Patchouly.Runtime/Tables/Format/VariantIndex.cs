// Part of the stencil table format, defined once (see PatchKind.cs).
using System;

#if PATCHOULY_GENERATORS
namespace Patchouly.Generators.Format;
#else
namespace Patchouly.Runtime.Tables;
#endif

/// <summary>
/// The variant index ↔ locations formula shared by the generator (which names and enumerates variants), the build
/// task (which lays out the tables) and the runtime (which selects a variant at emit time).
/// </summary>
/// <remarks>
/// A family with I inputs and O outputs has L^(I+O) narrow variant slots, L = registers + 1. Slot <c>i</c> is the
/// base-L number of the location codes, inputs first, most significant first; code <c>k &lt; registers</c> is register
/// k, code <c>registers</c> is "a stack slot". Wide variants (64-bit holes) follow at <c>i + L^(I+O)</c>.
/// </remarks>
public static class VariantIndex
{
    /// <summary>The most register locations a library may have: the fewest any supported target passes in registers.</summary>
    public const int MaxRegisters = 11;

    /// <summary>The number of narrow slots of a family with <paramref name="values"/> inputs and outputs (long: may exceed int).</summary>
    public static long NarrowSlots(int values, int registers)
    {
        long slots = 1;
        for (int k = 0; k < values && slots <= int.MaxValue; k++) slots *= registers + 1;
        return slots;
    }

    /// <summary>The number of slots including the wide twins.</summary>
    public static long TotalSlots(int values, int registers, bool hasWide) =>
        hasWide ? 2 * NarrowSlots(values, registers) : NarrowSlots(values, registers);

    /// <summary>The narrow slot of a list of location codes (inputs first).</summary>
    public static int Encode(ReadOnlySpan<int> codes, int registers)
    {
        int index = 0;
        foreach (int code in codes) index = index * (registers + 1) + code;
        return index;
    }

    /// <summary>The location codes of slot <paramref name="slot"/> (narrow or wide) into <paramref name="codes"/>
    /// (inputs first); returns the number of stack-located values.</summary>
    public static int Decode(int slot, int registers, Span<int> codes)
    {
        int locations = registers + 1, stack = 0;
        long narrow = NarrowSlots(codes.Length, registers);
        int rest = (int)(slot % narrow);
        for (int k = codes.Length - 1; k >= 0; k--)
        {
            codes[k] = rest % locations;
            rest /= locations;
            if (codes[k] == registers) stack++;
        }
        return stack;
    }

    /// <summary>The number of stack-located values of slot <paramref name="slot"/> of a family with <paramref name="values"/> values.</summary>
    public static int StackValues(int slot, int values, int registers)
    {
        Span<int> codes = values <= 64 ? stackalloc int[values] : new int[values];
        return Decode(slot, registers, codes);
    }

    /// <summary>True when no two outputs share a register (a variant exists only then).</summary>
    public static bool OutputsDistinct(ReadOnlySpan<int> outputs, int registers)
    {
        for (int i = 0; i < outputs.Length; i++)
            for (int j = i + 1; j < outputs.Length; j++)
                if (outputs[i] == outputs[j] && outputs[i] != registers) return false;
        return true;
    }
}
