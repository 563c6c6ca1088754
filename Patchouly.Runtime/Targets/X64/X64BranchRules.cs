using System;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>
/// Branch inversion on x86-64. A two-target stencil compiled by clang ends with the pair <c>jcc rel32 A; jmp rel32 B</c>
/// (<c>0F 8x</c> + rel32, <c>E9</c> + rel32): condition true goes to A, false to B. When A is the code placed next,
/// the pair becomes <c>jncc B</c> (the condition code's low bit flipped) and the <c>jmp</c> goes; when B is next, the
/// <c>jmp</c> is dropped by ordinary fall-through elision and the pair is already one <c>jcc</c>.
/// </summary>
internal static class X64BranchRules
{
    /// <summary>The pair's length: <c>jcc rel32</c> (6) + <c>jmp rel32</c> (5).</summary>
    public const int PairLength = X64Branches.JccRel32Length + X64Branches.JmpRel32Length;

    /// <summary>The length of the single conditional branch a pair becomes (<c>jcc rel32</c>).</summary>
    public const int ConditionalLength = X64Branches.JccRel32Length;

    /// <summary>Where the conditional branch's rel32 field is, from the start of the instruction.</summary>
    public const int ConditionalField = X64Branches.JccRel32Field;

    /// <summary>The rel32 field's addend (the displacement counts from the end of the instruction).</summary>
    public const int ConditionalAddend = X64Branches.Rel32Addend;

    /// <summary>
    /// Where the pair starts in <paramref name="code"/>, or -1: the code ends with <c>jcc rel32; jmp rel32</c> (the
    /// trailing <c>jmp</c> is already known to be the droppable tail) and <paramref name="condition"/>, the relocation
    /// before the tail's, is the <c>jcc</c>'s rel32 field.
    /// </summary>
    public static int FindPair(ReadOnlySpan<byte> code, in Relocation condition)
    {
        int start = code.Length - PairLength;
        if (!X64Branches.IsJccRel32(code, start)) return -1;
        return condition.Kind == RelocationKind.Rel32 && condition.Offset == start + ConditionalField && condition.Addend == ConditionalAddend
            ? start : -1;
    }

    /// <summary>
    /// Rewrites the pair's <c>jcc</c> into the single conditional branch that is taken when the pair would go to its
    /// trailing jump's destination (<paramref name="toTail"/>: the condition inverted) or to the <c>jcc</c>'s own
    /// (unchanged). The displacement is left for the caller (a rel32 at <see cref="ConditionalField"/>).
    /// </summary>
    public static void WriteConditional(Span<byte> pair, bool toTail)
    {
        if (toTail) X64Branches.WriteJccRel32(pair, X64Branches.Inverted(X64Branches.Condition(pair, 0, X64Branches.JccRel32Length)));
    }
}
