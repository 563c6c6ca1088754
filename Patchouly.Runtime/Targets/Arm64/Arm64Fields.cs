using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// Writes AArch64 relocation fields, which are bit fields of a 32-bit instruction: the imm16 of <c>movz</c>/<c>movk</c>
/// (bits 5–20) takes one 16-bit group of the value, the imm26 of <c>b</c>/<c>bl</c> (bits 0–25) the word offset.
/// The other bits of the instruction are kept.
/// </summary>
internal static class Arm64Fields
{
    private const uint Imm16Mask = 0xFFFFu << 5;
    private const uint Imm26Mask = 0x03FFFFFF;

    /// <summary>Writes <paramref name="value"/> into the field of <paramref name="kind"/> at <paramref name="offset"/>;
    /// false (nothing written) when the field lies outside <paramref name="code"/> or is not word-aligned. The caller
    /// checked that the value fits.</summary>
    public static bool TryWrite(Span<byte> code, int offset, RelocationKind kind, ulong value)
    {
        if (offset < 0 || offset % Arm64Code.InstructionSize != 0 || offset > code.Length - 4) return false;
        var field = code.Slice(offset, 4);
        uint word = BinaryPrimitives.ReadUInt32LittleEndian(field);
        int group = RelocationFields.MovwGroup(kind);
        if (group >= 0) word = WithImm16(word, value, group);
        else if (kind == RelocationKind.Arm64Branch26) word = WithImm26(word, unchecked((long)value));
        else return false;
        BinaryPrimitives.WriteUInt32LittleEndian(field, word);
        return true;
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

    /// <summary>The byte distance a <c>b</c>/<c>bl</c> <paramref name="word"/> branches by.</summary>
    public static long BranchDistance(uint word) => (long)((int)(word << 6) >> 6) * 4;
}
