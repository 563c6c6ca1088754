using System;
using System.Buffers.Binary;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// Branch inversion on AArch64. A two-target stencil compiled by clang ends with
/// <c>b.cond/cbz/cbnz/tbz/tbnz +8; b A; b B</c>: the condition true skips to the trailing <c>b B</c>, false falls into
/// <c>b A</c>. When A is the code placed next, the three words become one conditional branch to B; when B is next (the
/// trailing <c>b</c> dropped), the remaining two become the inverted conditional branch to A. The conditional's reach
/// is limited (imm19: ±1 MiB; tbz/tbnz imm14: ±32 KiB), so it is only written to a destination already placed.
/// </summary>
internal static class Arm64BranchRules
{
    /// <summary>The pair's length: the conditional branch, <c>b A</c>, and the trailing <c>b B</c>.</summary>
    public const int PairLength = 12;

    /// <summary>The length of the single conditional branch a pair becomes.</summary>
    public const int ConditionalLength = 4;

    /// <summary>Where the pair's <c>b A</c> is, from the pair's start.</summary>
    private const int MiddleJump = 4;

    /// <summary>
    /// Where the pair starts in <paramref name="code"/>, or -1: the code ends with a conditional branch by +8, a
    /// <c>b</c> whose Branch26 field is <paramref name="middle"/> (the relocation before the tail's), and the tail.
    /// </summary>
    public static int FindPair(ReadOnlySpan<byte> code, in Relocation middle)
    {
        int start = code.Length - PairLength;
        if (start < 0 || start % 4 != 0) return -1;
        uint conditional = Arm64Code.WordAt(code, start);
        if (!IsInvertible(conditional) || !Arm64Code.TryBranchDistance(conditional, out long distance) || distance != 8) return -1;
        return middle.Kind == RelocationKind.Arm64Branch26 && middle.Offset == start + MiddleJump
            && Arm64Code.IsB(Arm64Code.WordAt(code, start + MiddleJump)) ? start : -1;
    }

    /// <summary>
    /// True when the pair at the start of <paramref name="pair"/> can become a conditional branch to a destination
    /// <paramref name="delta"/> bytes from the pair's start.
    /// </summary>
    public static bool Reaches(ReadOnlySpan<byte> pair, long delta)
    {
        uint word = Arm64Code.WordAt(pair, 0);
        long limit = Arm64Code.IsTestBitBranch(word) ? 1L << 15 : 1L << 20;
        return delta % 4 == 0 && delta >= -limit && delta < limit;
    }

    /// <summary>
    /// Writes the single conditional branch at the pair's start: taken when the pair would go to the trailing jump's
    /// destination (<paramref name="toTail"/>: the condition kept) or else to the <c>b A</c>'s (inverted), by
    /// <paramref name="delta"/> bytes (checked with <see cref="Reaches"/>).
    /// </summary>
    public static void WriteConditional(Span<byte> pair, bool toTail, long delta)
    {
        uint word = Arm64Code.WordAt(pair, 0);
        if (!toTail) word = Invert(word);
        int bits = Arm64Code.IsTestBitBranch(word) ? 14 : 19;
        uint mask = ((1u << bits) - 1) << 5;
        word = (word & ~mask) | ((uint)(delta >> 2) << 5 & mask);
        BinaryPrimitives.WriteUInt32LittleEndian(pair, word);
    }

    /// <summary>
    /// After the trailing <c>b</c> was dropped: the byte distance from the pair's start to the <c>b A</c>'s destination
    /// (the <c>b</c> is patched), which <see cref="WriteConditional"/> with <c>toTail: false</c> then targets.
    /// </summary>
    public static long MiddleDestination(ReadOnlySpan<byte> pair)
    {
        return MiddleJump + Arm64Fields.BranchDistance(Arm64Code.WordAt(pair, MiddleJump));
    }

    /// <summary><c>b.cond</c> (conditions other than al/nv), <c>cbz</c>/<c>cbnz</c>, <c>tbz</c>/<c>tbnz</c>.</summary>
    private static bool IsInvertible(uint word) =>
        (Arm64Code.IsConditionalBranch(word) && (word & 0xE) != 0xE) || Arm64Code.IsCompareBranch(word) || Arm64Code.IsTestBitBranch(word);

    /// <summary>The inverse branch: b.cond flips the condition's low bit (EQ/NE, HS/LO, …); cbz/cbnz and tbz/tbnz bit 24.</summary>
    private static uint Invert(uint word) => Arm64Code.IsConditionalBranch(word) ? word ^ 1 : word ^ (1u << 24);
}
