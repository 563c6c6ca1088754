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

    private static void FillWords(Span<byte> span, uint word)
    {
        int whole = span.Length & ~3;
        for (int i = 0; i < whole; i += 4) BinaryPrimitives.WriteUInt32LittleEndian(span.Slice(i), word);
        span[whole..].Clear();
    }
}
