using System;

namespace Patchouly.Runtime.Tables;

/// <summary>
/// All compiled variants of one stencil. Variant <c>i</c> of a family with I inputs and O outputs is the base-L
/// number of its location codes (inputs first, most significant first), where L = registers + 1 and code
/// <c>registers</c> means "a stack slot"; wide variants (64-bit holes) follow at index L^(I+O). Float-class values
/// (<see cref="FloatMask"/>) count in base F + 1 instead (<see cref="VariantIndex"/>).
/// </summary>
public sealed class StencilFamily
{
    /// <summary>Creates a family descriptor (called by generated tables).</summary>
    public StencilFamily(string name, StencilFamilyKind kind, int inputs, int outputs, byte[] holeBits, int targets, bool hasWide, int firstVariant, string signature)
        : this(name, kind, inputs, outputs, holeBits, targets, hasWide, firstVariant, signature, 0)
    {
    }

    /// <summary>Creates a family descriptor whose values in <paramref name="floatMask"/> (bit v: value v, inputs first)
    /// are of the float class: they live in float registers or stack slots (a library with float registers).</summary>
    public StencilFamily(string name, StencilFamilyKind kind, int inputs, int outputs, byte[] holeBits, int targets, bool hasWide, int firstVariant, string signature, uint floatMask)
    {
        FloatMask = floatMask;
        Name = name;
        Kind = kind;
        Inputs = inputs;
        Outputs = outputs;
        HoleBits = holeBits;
        Targets = targets;
        HasWide = hasWide;
        FirstVariant = firstVariant;
        Signature = signature;
        // The entry shim gets a shape no emit can match, so emitting it takes the error path.
        ShapeInOut = kind == StencilFamilyKind.Entry ? ulong.MaxValue : (ulong)(uint)inputs | (ulong)(uint)outputs << 32;
        ShapeHolesTargets = (ulong)(uint)(holeBits?.Length ?? 0) | (ulong)(uint)targets << 32;
        HoleMasks = new ulong[holeBits?.Length ?? 0];
        for (int i = 0; i < HoleMasks.Length; i++)
        {
            int bits = holeBits![i];
            HoleMasks[i] = bits is > 0 and < 64 ? ~((1UL << bits) - 1) : 0;
        }
    }

    /// <summary>The stencil's name (the C# method name, or <c>__entry</c>/<c>__move</c>/<c>__jump</c>).</summary>
    public string Name { get; }

    /// <summary>The family's kind.</summary>
    public StencilFamilyKind Kind { get; }

    /// <summary>Number of input values.</summary>
    public int Inputs { get; }

    /// <summary>Number of output values.</summary>
    public int Outputs { get; }

    /// <summary>Number of holes.</summary>
    public int Holes => HoleBits.Length;

    /// <summary>The width in bits of each hole's type (1 for bool, 8..64 for integers, 64 for pointers).</summary>
    public ReadOnlyMemory<byte> HoleWidths => HoleBits;

    internal byte[] HoleBits { get; }

    /// <summary>Inputs | outputs &lt;&lt; 32 (all ones for the entry shim), for a one-compare shape check.</summary>
    internal ulong ShapeInOut { get; }

    /// <summary>Holes | targets &lt;&lt; 32.</summary>
    internal ulong ShapeHolesTargets { get; }

    /// <summary>Per hole, the bits a value must not have (above the hole's width); 0 for 64-bit holes.</summary>
    internal ulong[] HoleMasks { get; }

    /// <summary>
    /// The values of the float class (bit v: value v, inputs first): they live in <see cref="Location.FloatRegister"/>s or
    /// stack slots. 0 for every family of a library without float registers.
    /// </summary>
    public uint FloatMask { get; }

    /// <summary>True when value <paramref name="value"/> (inputs first, then outputs) is of the float class.</summary>
    public bool IsFloatValue(int value) => VariantIndex.IsFloat(value, FloatMask);

    /// <summary>Number of explicit <see cref="Patchouly.Target"/> parameters.</summary>
    public int Targets { get; }

    /// <summary>True when the family has wide (64-bit hole) variants.</summary>
    public bool HasWide { get; }

    /// <summary>Index of the family's first variant in <see cref="StencilLibrary.Variants"/>.</summary>
    public int FirstVariant { get; }

    /// <summary>The stencil's C# signature, for messages and disassembly.</summary>
    public string Signature { get; }

    /// <summary>The library this family belongs to (set when the library is constructed).</summary>
    public StencilLibrary Library { get; internal set; } = null!;

    /// <summary>Index of this family in <see cref="StencilLibrary.Families"/>.</summary>
    public int Index { get; internal set; }

    /// <summary>The number of narrow variant slots: L^(inputs + outputs) without float-class values.</summary>
    public int NarrowSlots { get; internal set; }

    /// <summary>The register locations this family's integer-class values may be in (its location code for a stack slot):
    /// the library's registers, and for a built-in move its move registers too (<see cref="VariantIndex.FamilyRegisters"/>).</summary>
    public int Registers { get; internal set; }

    /// <summary>As <see cref="Registers"/> for the float class.</summary>
    public int FloatRegisters { get; internal set; }

    /// <summary>The number of variant slots including wide ones.</summary>
    public int VariantSlots => HasWide ? 2 * NarrowSlots : NarrowSlots;

    /// <inheritdoc />
    public override string ToString() => Signature.Length > 0 ? Signature : Name;
}
