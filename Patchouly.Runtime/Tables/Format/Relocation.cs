namespace Patchouly.Runtime.Tables;

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
