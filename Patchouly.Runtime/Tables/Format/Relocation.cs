namespace Patchouly.Runtime.Tables;

/// <summary>
/// One patch site in a stencil variant, packed into 64 bits:
/// offset (bits 0-15), <see cref="RelocationKind"/> (16-21), <see cref="PatchKind"/> (22-25), index (26-33) and a
/// signed addend (34-63, within ±2^29: <see cref="MinAddend"/>..<see cref="MaxAddend"/>).
/// </summary>
public readonly record struct Relocation(ushort Offset, RelocationKind Kind, PatchKind Patch, byte Index, int Addend)
{
    /// <summary>The smallest addend the packed form holds.</summary>
    public const int MinAddend = -(1 << 29);

    /// <summary>The largest addend the packed form holds.</summary>
    public const int MaxAddend = (1 << 29) - 1;

    /// <summary>Decodes a packed relocation.</summary>
    public static Relocation FromBits(ulong bits) => new(
        (ushort)bits,
        (RelocationKind)((bits >> 16) & 0x3F),
        (PatchKind)((bits >> 22) & 0xF),
        (byte)(bits >> 26),
        (int)((long)bits >> 34));

    /// <summary>The packed form (the addend must lie within <see cref="MinAddend"/>..<see cref="MaxAddend"/>).</summary>
    public ulong Bits =>
        Offset | ((ulong)Kind << 16) | ((ulong)Patch << 22) | ((ulong)Index << 26) | ((ulong)(long)Addend << 34);

    /// <summary>The number of bytes of code the relocation's field occupies (<see cref="RelocationFields.Size"/>).</summary>
    public int Size => RelocationFields.Size(Kind);

    /// <summary>True for PC-relative kinds, whose value depends on where the code is placed.</summary>
    public bool IsRelative => RelocationFields.IsRelative(Kind);

    /// <summary>
    /// Whether the absolute value <paramref name="value"/> (before the addend) can be written by this relocation.
    /// Always false for relative kinds.
    /// </summary>
    public bool Fits(ulong value) => !IsRelative && RelocationFields.Fits(Kind, unchecked(value + (ulong)(long)Addend));

    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind} {Patch}{(Patch is PatchKind.Hole or PatchKind.Slot or PatchKind.Target ? Index.ToString() : "")} at 0x{Offset:x}{(Addend != 0 ? $" {Addend:+#;-#}" : "")}";
}
