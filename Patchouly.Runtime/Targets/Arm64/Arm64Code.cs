using System;
using System.Buffers.Binary;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// The AArch64 instructions the runtime itself writes or recognises: <c>nop</c> for padding, <c>brk #0</c> between
/// functions, the trailing <c>b</c> fall-through elision drops, and the <c>b</c>/<c>bl</c> whose hole can be sent to a
/// veneer. Every instruction is one little-endian 32-bit word, so code is 4-byte aligned.
/// </summary>
internal static class Arm64Code
{
    /// <summary>The length of the trailing <c>b</c> dropped by fall-through elision.</summary>
    public const int TailJumpLength = 4;

    /// <summary>Instructions are 32-bit words: code lengths, relocation offsets and paddings are multiples of this.</summary>
    public const int InstructionSize = 4;

    /// <summary><c>nop</c>.</summary>
    public const uint Nop = 0xD503201F;

    /// <summary><c>brk #0</c>: fills the gaps between functions and veneers.</summary>
    public const uint Brk0 = 0xD4200000;

    /// <summary><c>b</c> with a zero offset (bits 26–31 are the opcode, 0–25 the word offset).</summary>
    public const uint B = 0x14000000;

    /// <summary><c>bl</c> with a zero offset.</summary>
    public const uint Bl = 0x94000000;

    /// <summary>The opcode bits of <c>b</c>/<c>bl</c>.</summary>
    public const uint BranchOpcodeMask = 0xFC000000;

    /// <summary>True when <paramref name="word"/> is a <c>b</c>.</summary>
    public static bool IsB(uint word) => (word & BranchOpcodeMask) == B;

    /// <summary>True when <paramref name="word"/> is a <c>bl</c>.</summary>
    public static bool IsBl(uint word) => (word & BranchOpcodeMask) == Bl;

    /// <summary>True when <paramref name="word"/> is a <c>b.cond</c> (imm19 at bits 5–23).</summary>
    public static bool IsConditionalBranch(uint word) => (word & 0xFF000010) == 0x54000000;

    /// <summary>True when <paramref name="word"/> is a <c>cbz</c>/<c>cbnz</c> (imm19 at bits 5–23).</summary>
    public static bool IsCompareBranch(uint word) => (word & 0x7E000000) == 0x34000000;

    /// <summary>True when <paramref name="word"/> is a <c>tbz</c>/<c>tbnz</c> (imm14 at bits 5–18).</summary>
    public static bool IsTestBitBranch(uint word) => (word & 0x7E000000) == 0x36000000;

    /// <summary>The byte distance a pc-relative branch (<c>b</c>, <c>bl</c>, <c>b.cond</c>, <c>cbz</c>/<c>cbnz</c>,
    /// <c>tbz</c>/<c>tbnz</c>) goes by, or false for any other word.</summary>
    public static bool TryBranchDistance(uint word, out long distance)
    {
        if (IsB(word) || IsBl(word)) distance = Arm64Fields.BranchDistance(word);
        else if (IsTestBitBranch(word)) distance = ((long)((word >> 5) & 0x3FFF) << 50 >> 50) * 4;
        else if (IsConditionalBranch(word) || IsCompareBranch(word)) distance = ((long)((word >> 5) & 0x7FFFF) << 45 >> 45) * 4;
        else
        {
            distance = 0;
            return false;
        }
        return true;
    }

    /// <summary>The word at <paramref name="offset"/> of <paramref name="code"/>.</summary>
    public static uint WordAt(ReadOnlySpan<byte> code, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(code.Slice(offset, 4));

    /// <summary>Fills <paramref name="padding"/> with <c>nop</c>s (any bytes after the last whole word with zeros).</summary>
    public static void FillNops(Span<byte> padding) => FillWords(padding, Nop);

    /// <summary>Fills <paramref name="gap"/> with <c>brk #0</c> (any bytes after the last whole word with zeros).</summary>
    public static void FillTrap(Span<byte> gap) => FillWords(gap, Brk0);

    /// <summary>
    /// True when <paramref name="last"/>, a variant's last relocation, is the Branch26 field of a <c>b</c> that ends the
    /// variant's <paramref name="code"/>.
    /// </summary>
    public static bool EndsWithJump(ReadOnlySpan<byte> code, in Relocation last) =>
        last.Kind == RelocationKind.Arm64Branch26 && code.Length >= TailJumpLength && last.Offset == code.Length - TailJumpLength
        && IsB(WordAt(code, last.Offset));

    /// <summary>True when the word at <paramref name="field"/> is a <c>b</c> or <c>bl</c> (its destination can be moved to a veneer).</summary>
    public static bool IsBranch(ReadOnlySpan<byte> code, int field) =>
        field >= 0 && field % InstructionSize == 0 && field + 4 <= code.Length && (IsB(WordAt(code, field)) || IsBl(WordAt(code, field)));

    /// <summary>True when <paramref name="word"/> is an <c>adrp</c> (the instruction of a Page21 field).</summary>
    public static bool IsAdrp(uint word) => (word & 0x9F000000) == 0x90000000;

    /// <summary>
    /// True when <paramref name="word"/> is a 64-bit <c>ldr xt, [xn, #imm]</c> with an unsigned scaled offset (the
    /// instruction of a GOT load's page-offset field).
    /// </summary>
    public static bool IsLdr64UnsignedOffset(uint word) => (word & 0xFFC00000) == 0xF9400000;

    /// <summary>
    /// For an instruction whose imm12 can take the low 12 bits of an address (a PageOff12 field), log2 of the scale of
    /// that field: 0 for <c>add</c> (immediate, unshifted) and byte loads/stores, 1–3 for 16- to 64-bit accesses, 4 for
    /// 128-bit SIMD accesses; -1 when the word is no such instruction.
    /// </summary>
    public static int PageOffsetScale(uint word)
    {
        if ((word & 0x7FC00000) == 0x11000000) return 0; // add wd|xd, wn|xn, #imm12 (sh = 0)
        if ((word & 0x3B000000) != 0x39000000) return -1; // load/store, unsigned immediate offset
        int size = (int)(word >> 30);
        bool simd = (word & (1u << 26)) != 0;
        return simd && size == 0 && (word & (1u << 23)) != 0 ? 4 : size;
    }

    private static void FillWords(Span<byte> span, uint word)
    {
        int whole = span.Length & ~3;
        for (int i = 0; i < whole; i += 4) BinaryPrimitives.WriteUInt32LittleEndian(span.Slice(i), word);
        span[whole..].Clear();
    }
}
