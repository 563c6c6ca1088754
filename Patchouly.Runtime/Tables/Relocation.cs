namespace Patchouly.Runtime.Tables;

/// <summary>How a relocation's value is written into the code (x86-64 ELF relocation semantics).</summary>
public enum RelocationKind : byte
{
    /// <summary>Not a relocation (an all-zero record).</summary>
    None = 0,
    /// <summary>64-bit absolute (<c>R_X86_64_64</c>).</summary>
    Abs64 = 1,
    /// <summary>32-bit absolute, zero-extended by the instruction (<c>R_X86_64_32</c>): value in [0, 2^32).</summary>
    Abs32 = 2,
    /// <summary>32-bit absolute, sign-extended by the instruction (<c>R_X86_64_32S</c>): value in [-2^31, 2^31).</summary>
    Abs32S = 3,
    /// <summary>32-bit PC-relative (<c>R_X86_64_PC32</c>, <c>R_X86_64_PLT32</c>): value minus the field's address.</summary>
    Rel32 = 4,
    /// <summary>16-bit absolute (<c>R_X86_64_16</c>): signed or unsigned 16-bit value.</summary>
    Abs16 = 5,
    /// <summary>8-bit absolute (<c>R_X86_64_8</c>): signed or unsigned 8-bit value.</summary>
    Abs8 = 6,
    /// <summary>64-bit PC-relative (<c>R_X86_64_PC64</c>).</summary>
    Rel64 = 7,
}

/// <summary>What a relocation refers to, which decides the value patched in.</summary>
public enum PatchKind : byte
{
    /// <summary>Not a relocation.</summary>
    None = 0,
    /// <summary>Hole number <see cref="Relocation.Index"/>: a constant given at emit time.</summary>
    Hole = 1,
    /// <summary>The byte offset of the frame slot of stack-located value number <see cref="Relocation.Index"/>
    /// (counting the stencil's stack-located inputs, then its stack-located outputs).</summary>
    Slot = 2,
    /// <summary>The code right after this stencil (the implicit continuation).</summary>
    Next = 3,
    /// <summary>Target parameter number <see cref="Relocation.Index"/>: the start of the block given at emit time.</summary>
    Target = 4,
    /// <summary>The size in bytes of the function's spill frame (used by the entry shim).</summary>
    FrameSize = 5,
}

/// <summary>
/// One patch site in a stencil variant, packed into 64 bits:
/// offset (bits 0-15), <see cref="RelocationKind"/> (16-19), <see cref="PatchKind"/> (20-23), index (24-31), addend (32-63).
/// </summary>
public readonly record struct Relocation(ushort Offset, RelocationKind Kind, PatchKind Patch, byte Index, int Addend)
{
    /// <summary>Decodes a packed relocation.</summary>
    public static Relocation FromBits(ulong bits) => new(
        (ushort)bits,
        (RelocationKind)((bits >> 16) & 0xF),
        (PatchKind)((bits >> 20) & 0xF),
        (byte)(bits >> 24),
        (int)(bits >> 32));

    /// <summary>The packed form.</summary>
    public ulong Bits =>
        Offset | ((ulong)Kind << 16) | ((ulong)Patch << 20) | ((ulong)Index << 24) | ((ulong)(uint)Addend << 32);

    /// <summary>The number of bytes the relocation writes.</summary>
    public int Size => Kind switch
    {
        RelocationKind.Abs64 or RelocationKind.Rel64 => 8,
        RelocationKind.Abs32 or RelocationKind.Abs32S or RelocationKind.Rel32 => 4,
        RelocationKind.Abs16 => 2,
        RelocationKind.Abs8 => 1,
        _ => 0,
    };

    /// <summary>True for PC-relative kinds, whose value depends on where the code is placed.</summary>
    public bool IsRelative => Kind is RelocationKind.Rel32 or RelocationKind.Rel64;

    /// <summary>
    /// Whether the absolute value <paramref name="value"/> (before the addend) can be written by this relocation.
    /// Always false for relative kinds.
    /// </summary>
    public bool Fits(ulong value)
    {
        long v = unchecked((long)value + Addend);
        ulong u = unchecked(value + (ulong)(long)Addend);
        return Kind switch
        {
            RelocationKind.Abs64 => true,
            RelocationKind.Abs32 => u <= uint.MaxValue,
            RelocationKind.Abs32S => v >= int.MinValue && v <= int.MaxValue,
            RelocationKind.Abs16 => u <= ushort.MaxValue || (v >= short.MinValue && v <= short.MaxValue),
            RelocationKind.Abs8 => u <= byte.MaxValue || (v >= sbyte.MinValue && v <= sbyte.MaxValue),
            _ => false,
        };
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind} {Patch}{(Patch is PatchKind.Hole or PatchKind.Slot or PatchKind.Target ? Index.ToString() : "")} at 0x{Offset:x}{(Addend != 0 ? $" {Addend:+#;-#}" : "")}";
}
