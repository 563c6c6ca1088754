using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// Writes AArch64 relocation fields, which are bit fields of a 32-bit instruction: the imm16 of <c>movz</c>/<c>movk</c>
/// (bits 5–20) takes one 16-bit group of the value, the imm26 of <c>b</c>/<c>bl</c> (bits 0–25) the word offset, the
/// immhi:immlo of <c>adrp</c> (bits 5–23, 29–30) a page delta, and the imm12 of <c>add</c> or of a load/store with an
/// unsigned offset (bits 10–21) the low 12 bits of an address, scaled by the access size the instruction encodes.
/// The other bits of the instruction are kept.
/// </summary>
internal static class Arm64Fields
{
    private const uint Imm16Mask = 0xFFFFu << 5;
    private const uint Imm26Mask = 0x03FFFFFF;
    private const uint AdrpImmMask = (0x7FFFFu << 5) | (3u << 29);
    private const uint Imm12Mask = 0xFFFu << 10;

    /// <summary>Writes <paramref name="value"/> into the field of <paramref name="kind"/> at <paramref name="offset"/>;
    /// false (nothing written) when the field lies outside <paramref name="code"/> or is not word-aligned, or the
    /// instruction there cannot take it. The caller checked that the value fits. For the page kinds the value is the
    /// page delta in bytes (page(target) − page(field address), a multiple of 4096); for the page-offset kinds it is the
    /// address whose low 12 bits go into the field (false when they are not a multiple of the access size).</summary>
    public static bool TryWrite(Span<byte> code, int offset, RelocationKind kind, ulong value)
    {
        if (offset < 0 || offset % Arm64Code.InstructionSize != 0 || offset > code.Length - 4) return false;
        var field = code.Slice(offset, 4);
        uint word = BinaryPrimitives.ReadUInt32LittleEndian(field);
        int group = RelocationFields.MovwGroup(kind);
        if (group >= 0) word = WithImm16(word, value, group);
        else if (kind == RelocationKind.Arm64Branch26) word = WithImm26(word, unchecked((long)value));
        else if (kind is RelocationKind.Arm64Page21 or RelocationKind.Arm64GotPage21)
        {
            if (!Arm64Code.IsAdrp(word) || (value & 0xFFF) != 0) return false;
            word = WithPage21(word, unchecked((long)value));
        }
        else if (kind is RelocationKind.Arm64PageOff12 or RelocationKind.Arm64GotPageOff12)
        {
            int scale = kind == RelocationKind.Arm64GotPageOff12
                ? (Arm64Code.IsLdr64UnsignedOffset(word) ? 3 : -1)
                : Arm64Code.PageOffsetScale(word);
            if (scale < 0 || (value & ((1u << scale) - 1)) != 0) return false;
            word = WithPageOffset(word, value, scale);
        }
        else return false;
        BinaryPrimitives.WriteUInt32LittleEndian(field, word);
        return true;
    }

    /// <summary>Writes the low 12 bits of <paramref name="value"/> into the imm12 of the <c>add</c> or load/store at
    /// <paramref name="field"/>, scaled by the access size the instruction encodes (emit path: the selection checked
    /// that the bits are a multiple of it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WritePageOffset(ref byte field, ulong value)
    {
        uint word = Unsafe.ReadUnaligned<uint>(ref field);
        Unsafe.WriteUnaligned(ref field, WithPageOffset(word, value, Math.Max(0, Arm64Code.PageOffsetScale(word))));
    }

    /// <summary>Writes bits <c>16·group</c> to <c>16·group+15</c> of <paramref name="value"/> into the imm16 of the
    /// <c>movz</c>/<c>movk</c> at <paramref name="field"/> (emit path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteImm16(ref byte field, ulong value, int group) =>
        Unsafe.WriteUnaligned(ref field, WithImm16(Unsafe.ReadUnaligned<uint>(ref field), value, group));

    /// <summary>Writes the byte distance <paramref name="value"/> (a multiple of 4) as the imm26 of the <c>b</c>/<c>bl</c>
    /// at <paramref name="field"/> (emit path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteBranch26(ref byte field, long value) =>
        Unsafe.WriteUnaligned(ref field, WithImm26(Unsafe.ReadUnaligned<uint>(ref field), value));

    /// <summary>The instruction <paramref name="word"/> with its imm16 replaced by group <paramref name="group"/> of <paramref name="value"/>.</summary>
    public static uint WithImm16(uint word, ulong value, int group) =>
        (word & ~Imm16Mask) | ((uint)(value >> (16 * group)) & 0xFFFF) << 5;

    /// <summary>The instruction <paramref name="word"/> with its imm26 replaced by <paramref name="value"/> / 4.</summary>
    public static uint WithImm26(uint word, long value) =>
        (word & ~Imm26Mask) | ((uint)(value >> 2) & Imm26Mask);

    /// <summary>The <c>adrp</c> <paramref name="word"/> with its immhi:immlo replaced by the page delta
    /// <paramref name="delta"/> (in bytes; bits 12–32 are taken).</summary>
    public static uint WithPage21(uint word, long delta)
    {
        uint pages = (uint)(delta >> 12) & 0x1FFFFF;
        return (word & ~AdrpImmMask) | (pages & 3) << 29 | (pages >> 2) << 5;
    }

    /// <summary>The byte delta of the <c>adrp</c> <paramref name="word"/> (a multiple of 4096).</summary>
    public static long PageDelta(uint word)
    {
        uint pages = ((word >> 29) & 3) | ((word >> 5) & 0x7FFFF) << 2;
        return (long)((int)(pages << 11) >> 11) << 12;
    }

    /// <summary>The instruction <paramref name="word"/> with its imm12 replaced by the low 12 bits of
    /// <paramref name="value"/> shifted right by <paramref name="scale"/>.</summary>
    public static uint WithPageOffset(uint word, ulong value, int scale) =>
        (word & ~Imm12Mask) | ((uint)(value & 0xFFF) >> scale) << 10;

    /// <summary>The byte distance a <c>b</c>/<c>bl</c> <paramref name="word"/> branches by.</summary>
    public static long BranchDistance(uint word) => (long)((int)(word << 6) >> 6) * 4;
}
