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
/// <para>A family with I inputs and O outputs has one narrow variant slot per assignment of its values to location
/// codes. Slot <c>i</c> is the mixed-radix number of the codes, inputs first, most significant first. A value of the
/// integer class has L = registers + 1 codes: code <c>k &lt; registers</c> is register k, code <c>registers</c> is "a
/// stack slot". A value of the float class (bit v of the family's float mask, in a library with float registers) has
/// F + 1 codes: code <c>k &lt; floatRegisters</c> is float register k, code <c>floatRegisters</c> is "a stack slot".
/// Without float values that is L^(I+O) slots, the base-L number. Wide variants (64-bit holes) follow at
/// <c>i + narrow slots</c>.</para>
/// <para>A library may have move registers (<c>MoveRegisters</c>, <c>MoveFloatRegisters</c>): register locations after its
/// registers (and float registers after its float registers) that only the built-in moves (<see cref="StencilFamilyKind.Move"/>)
/// reach. A move family's values count those too (<see cref="FamilyRegisters"/>): its codes are 0 .. registers +
/// move registers - 1 for registers and registers + move registers for "a stack slot"; every other family's codes are as
/// above.</para>
/// </remarks>
public static class VariantIndex
{
    /// <summary>The most register locations a library may have: the fewest any supported target passes in registers.</summary>
    public const int MaxRegisters = 11;

    /// <summary>The most float register locations a library may have: the floating-point argument registers every
    /// supported target passes <c>preserve_none</c> arguments in (xmm0–7 on x86-64, also on Windows; v0–v7 on AArch64).</summary>
    public const int MaxFloatRegisters = 8;

    /// <summary>The most values (inputs + outputs) a family with float-class values may have (its float mask is 32 bits).</summary>
    public const int MaxFloatMaskValues = 32;

    /// <summary>The register locations (of one class) the values of a family of kind <paramref name="kind"/> may be in:
    /// a built-in move reaches the library's move registers too, every other family only its registers.</summary>
    public static int FamilyRegisters(StencilFamilyKind kind, int registers, int moveRegisters) =>
        kind == StencilFamilyKind.Move ? registers + moveRegisters : registers;

    /// <summary>The number of location codes of value <paramref name="value"/>: its class's registers plus the stack.</summary>
    public static int Radix(int value, int registers, uint floatMask, int floatRegisters) =>
        IsFloat(value, floatMask) ? floatRegisters + 1 : registers + 1;

    /// <summary>The code that means "a stack slot" for value <paramref name="value"/>.</summary>
    public static int StackCode(int value, int registers, uint floatMask, int floatRegisters) =>
        IsFloat(value, floatMask) ? floatRegisters : registers;

    /// <summary>True when value <paramref name="value"/> (inputs first) is of the float class.</summary>
    public static bool IsFloat(int value, uint floatMask) => value < MaxFloatMaskValues && (floatMask >> value & 1) != 0;

    /// <summary>The number of narrow slots of a family with <paramref name="values"/> inputs and outputs (long: may exceed int).</summary>
    public static long NarrowSlots(int values, int registers) => NarrowSlots(values, registers, 0, 0);

    /// <summary>The number of narrow slots of a family whose float-class values are <paramref name="floatMask"/>.</summary>
    public static long NarrowSlots(int values, int registers, uint floatMask, int floatRegisters)
    {
        long slots = 1;
        for (int k = 0; k < values && slots <= int.MaxValue; k++) slots *= Radix(k, registers, floatMask, floatRegisters);
        return slots;
    }

    /// <summary>The number of slots including the wide twins.</summary>
    public static long TotalSlots(int values, int registers, bool hasWide) => TotalSlots(values, registers, hasWide, 0, 0);

    /// <summary>The number of slots including the wide twins, for a family whose float-class values are <paramref name="floatMask"/>.</summary>
    public static long TotalSlots(int values, int registers, bool hasWide, uint floatMask, int floatRegisters) =>
        hasWide ? 2 * NarrowSlots(values, registers, floatMask, floatRegisters) : NarrowSlots(values, registers, floatMask, floatRegisters);

    /// <summary>The narrow slot of a list of location codes (inputs first).</summary>
    public static int Encode(ReadOnlySpan<int> codes, int registers) => Encode(codes, registers, 0, 0);

    /// <summary>The narrow slot of a list of location codes (inputs first) of a family whose float-class values are <paramref name="floatMask"/>.</summary>
    public static int Encode(ReadOnlySpan<int> codes, int registers, uint floatMask, int floatRegisters)
    {
        int index = 0;
        for (int v = 0; v < codes.Length; v++) index = index * Radix(v, registers, floatMask, floatRegisters) + codes[v];
        return index;
    }

    /// <summary>The location codes of slot <paramref name="slot"/> (narrow or wide) into <paramref name="codes"/>
    /// (inputs first); returns the number of stack-located values.</summary>
    public static int Decode(int slot, int registers, Span<int> codes) => Decode(slot, registers, codes, 0, 0);

    /// <summary>As <see cref="Decode(int, int, Span{int})"/>, for a family whose float-class values are <paramref name="floatMask"/>.</summary>
    public static int Decode(int slot, int registers, Span<int> codes, uint floatMask, int floatRegisters)
    {
        int stack = 0;
        long narrow = NarrowSlots(codes.Length, registers, floatMask, floatRegisters);
        int rest = (int)(slot % narrow);
        for (int k = codes.Length - 1; k >= 0; k--)
        {
            int radix = Radix(k, registers, floatMask, floatRegisters);
            codes[k] = rest % radix;
            rest /= radix;
            if (codes[k] == radix - 1) stack++;
        }
        return stack;
    }

    /// <summary>The number of stack-located values of slot <paramref name="slot"/> of a family with <paramref name="values"/> values.</summary>
    public static int StackValues(int slot, int values, int registers) => StackValues(slot, values, registers, 0, 0);

    /// <summary>As <see cref="StackValues(int, int, int)"/>, for a family whose float-class values are <paramref name="floatMask"/>.</summary>
    public static int StackValues(int slot, int values, int registers, uint floatMask, int floatRegisters)
    {
        Span<int> codes = values <= 64 ? stackalloc int[values] : new int[values];
        return Decode(slot, registers, codes, floatMask, floatRegisters);
    }

    /// <summary>True when no two outputs share a register (a variant exists only then).</summary>
    public static bool OutputsDistinct(ReadOnlySpan<int> outputs, int registers) => OutputsDistinct(outputs, registers, 0, 0);

    /// <summary>True when no two outputs share a register of one class; <paramref name="outputMask"/> is the float mask
    /// shifted so that bit 0 is the first output.</summary>
    public static bool OutputsDistinct(ReadOnlySpan<int> outputs, int registers, uint outputMask, int floatRegisters)
    {
        for (int i = 0; i < outputs.Length; i++)
            for (int j = i + 1; j < outputs.Length; j++)
                if (outputs[i] == outputs[j] && IsFloat(i, outputMask) == IsFloat(j, outputMask)
                    && outputs[i] != StackCode(i, registers, outputMask, floatRegisters)) return false;
        return true;
    }
}
