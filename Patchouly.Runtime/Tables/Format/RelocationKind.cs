namespace Patchouly.Runtime.Tables;

/// <summary>
/// How a relocation's value is written into the code: the table format's small, target-neutral vocabulary of fields,
/// onto which each target's object-file relocations are mapped (as CPython's JIT maps them onto <c>patch_64</c>,
/// <c>patch_32r</c>, <c>patch_aarch64_26r</c>, …). <see cref="RelocationFields"/> defines each kind's width, whether it
/// is PC-relative and which values it can hold.
/// </summary>
/// <remarks>The numbers are part of the table format (6 bits in a packed relocation).</remarks>
public enum RelocationKind : byte
{
    /// <summary>Not a relocation (an all-zero record).</summary>
    None = 0,
    /// <summary>64-bit little-endian absolute field (<c>R_X86_64_64</c>).</summary>
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
    /// <summary>The 26-bit word offset of an AArch64 <c>b</c>/<c>bl</c> (<c>R_AARCH64_JUMP26</c>, <c>CALL26</c>):
    /// (value − field address) / 4, within ±128 MiB.</summary>
    Arm64Branch26 = 8,
    /// <summary>imm16 of an AArch64 <c>movz</c>/<c>movk</c> ← value bits 0–15; the value must be below 2^16 (<c>MOVW_UABS_G0</c>).</summary>
    Arm64MovwG0 = 9,
    /// <summary>imm16 ← value bits 0–15, unchecked (<c>MOVW_UABS_G0_NC</c>).</summary>
    Arm64MovwG0Nc = 10,
    /// <summary>imm16 ← value bits 16–31; the value must be below 2^32 (<c>MOVW_UABS_G1</c>).</summary>
    Arm64MovwG1 = 11,
    /// <summary>imm16 ← value bits 16–31, unchecked (<c>MOVW_UABS_G1_NC</c>).</summary>
    Arm64MovwG1Nc = 12,
    /// <summary>imm16 ← value bits 32–47; the value must be below 2^48 (<c>MOVW_UABS_G2</c>).</summary>
    Arm64MovwG2 = 13,
    /// <summary>imm16 ← value bits 32–47, unchecked (<c>MOVW_UABS_G2_NC</c>).</summary>
    Arm64MovwG2Nc = 14,
    /// <summary>imm16 ← value bits 48–63 (<c>MOVW_UABS_G3</c>).</summary>
    Arm64MovwG3 = 15,
    /// <summary>The 21-bit page delta of an AArch64 <c>adrp</c>: page(value) − page(field address), within ±4 GiB
    /// (<c>ARM64_RELOC_PAGE21</c>, <c>R_AARCH64_ADR_PREL_PG_HI21</c>).</summary>
    Arm64Page21 = 16,
    /// <summary>The low 12 bits of the value in an AArch64 <c>add</c> immediate, or in a load/store's unsigned offset
    /// scaled by the access size the instruction encodes (the value must then be aligned to it)
    /// (<c>ARM64_RELOC_PAGEOFF12</c>, <c>R_AARCH64_ADD_ABS_LO12_NC</c>, <c>R_AARCH64_LDST*_ABS_LO12_NC</c>).</summary>
    Arm64PageOff12 = 17,
    /// <summary>The <c>adrp</c> of a GOT load: page(entry) − page(field address), where entry is an 8-byte slot the
    /// runtime fills with the value and places within ±4 GiB of the code (<c>ARM64_RELOC_GOT_LOAD_PAGE21</c>).</summary>
    Arm64GotPage21 = 18,
    /// <summary>The 64-bit <c>ldr</c> of a GOT load: the entry's address bits 3–11 as its scaled offset
    /// (<c>ARM64_RELOC_GOT_LOAD_PAGEOFF12</c>). Every value fits: the value itself is in the entry.</summary>
    Arm64GotPageOff12 = 19,
}

/// <summary>The facts of each <see cref="RelocationKind"/>: defined once, used by the extractor, the tables and the runtime.</summary>
public static class RelocationFields
{
    /// <summary>The number of bytes of code the relocation's field occupies (the whole instruction word for AArch64 kinds; 0 for none).</summary>
    public static int Size(RelocationKind kind) => kind switch
    {
        RelocationKind.Abs64 or RelocationKind.Rel64 => 8,
        RelocationKind.Abs32 or RelocationKind.Abs32S or RelocationKind.Rel32 => 4,
        RelocationKind.Abs16 => 2,
        RelocationKind.Abs8 => 1,
        >= RelocationKind.Arm64Branch26 and <= RelocationKind.Arm64GotPageOff12 => 4,
        _ => 0,
    };

    /// <summary>True for PC-relative kinds, whose value depends on where the code is placed.</summary>
    public static bool IsRelative(RelocationKind kind) =>
        kind is RelocationKind.Rel32 or RelocationKind.Rel64 or RelocationKind.Arm64Branch26 or RelocationKind.Arm64Page21;

    /// <summary>True for the AArch64 kinds, whose field is a bit field inside a 32-bit instruction.</summary>
    public static bool IsInstructionField(RelocationKind kind) => kind is >= RelocationKind.Arm64Branch26 and <= RelocationKind.Arm64GotPageOff12;

    /// <summary>True for GOT kinds: the field addresses an 8-byte entry the runtime fills with the value (so every
    /// value fits), not the value itself.</summary>
    public static bool IsIndirect(RelocationKind kind) => kind is RelocationKind.Arm64GotPage21 or RelocationKind.Arm64GotPageOff12;

    /// <summary>For a <c>movz</c>/<c>movk</c> kind, which 16-bit group of the value it takes (0–3); -1 otherwise.</summary>
    public static int MovwGroup(RelocationKind kind) => kind switch
    {
        RelocationKind.Arm64MovwG0 or RelocationKind.Arm64MovwG0Nc => 0,
        RelocationKind.Arm64MovwG1 or RelocationKind.Arm64MovwG1Nc => 1,
        RelocationKind.Arm64MovwG2 or RelocationKind.Arm64MovwG2Nc => 2,
        RelocationKind.Arm64MovwG3 => 3,
        _ => -1,
    };

    /// <summary>
    /// The range of final values (value + addend, as a 64-bit number) an absolute field of <paramref name="kind"/> can
    /// hold without losing bits: signed for sign-extending fields, unsigned for zero-extending ones, either for 8/16-bit
    /// fields. <c>(long.MinValue, long.MaxValue)</c> means every value.
    /// </summary>
    public static (long Min, long Max) AbsoluteRange(RelocationKind kind) => kind switch
    {
        RelocationKind.Abs32 => (0, uint.MaxValue),
        RelocationKind.Abs32S => (int.MinValue, int.MaxValue),
        RelocationKind.Abs16 => (short.MinValue, ushort.MaxValue),
        RelocationKind.Abs8 => (sbyte.MinValue, byte.MaxValue),
        RelocationKind.Arm64MovwG0 => (0, ushort.MaxValue),
        RelocationKind.Arm64MovwG1 => (0, uint.MaxValue),
        RelocationKind.Arm64MovwG2 => (0, (1L << 48) - 1),
        _ => (long.MinValue, long.MaxValue),
    };

    /// <summary>
    /// Whether the final value <paramref name="value"/> (V + A for absolute kinds, V + A − P for relative ones, in
    /// wrapping 64-bit arithmetic) can be written into a field of <paramref name="kind"/>.
    /// </summary>
    public static bool Fits(RelocationKind kind, ulong value)
    {
        long signed = unchecked((long)value);
        switch (kind)
        {
            case RelocationKind.None: return false;
            case RelocationKind.Rel32: return signed is >= int.MinValue and <= int.MaxValue;
            case RelocationKind.Rel64: return true;
            case RelocationKind.Arm64Branch26: return (signed & 3) == 0 && signed >= -(1L << 27) && signed < (1L << 27);
            case RelocationKind.Arm64Page21: return signed >= -(1L << 32) && signed < (1L << 32);
            case RelocationKind.Arm64PageOff12 or RelocationKind.Arm64GotPage21 or RelocationKind.Arm64GotPageOff12: return true;
            case RelocationKind.Abs16: return value <= ushort.MaxValue || signed is >= short.MinValue and <= short.MaxValue;
            case RelocationKind.Abs8: return value <= byte.MaxValue || signed is >= sbyte.MinValue and <= sbyte.MaxValue;
            default:
                var (min, max) = AbsoluteRange(kind);
                return signed >= min && signed <= max;
        }
    }
}
