using System;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>
/// The x86-64 branch encodings that stencil code is rewritten with, defined once: the runtime's branch inversion
/// (<see cref="X64BranchRules"/>) and the build's exit-jump rewrite (<c>X64ExitJumps</c> in Patchouly.Build.Tasks) both
/// use them. Plain forms only (no prefixes): <c>jcc rel8</c> (<c>7x</c>), <c>jcc rel32</c> (<c>0F 8x</c>),
/// <c>jmp rel8</c> (<c>EB</c>), <c>jmp rel32</c> (<c>E9</c>).
/// </summary>
internal static class X64Branches
{
    /// <summary>The length of a <c>jcc rel32</c>.</summary>
    public const int JccRel32Length = 6;

    /// <summary>The length of a <c>jmp rel32</c>.</summary>
    public const int JmpRel32Length = 5;

    /// <summary>The length of a <c>jcc rel8</c> or <c>jmp rel8</c>.</summary>
    public const int Rel8Length = 2;

    /// <summary>Where a <c>jcc rel32</c>'s displacement is, from the start of the instruction.</summary>
    public const int JccRel32Field = 2;

    /// <summary>Where a <c>jmp rel32</c>'s displacement is, from the start of the instruction.</summary>
    public const int JmpRel32Field = 1;

    /// <summary>The rel32 field's addend: the displacement counts from the end of the instruction, which the field ends.</summary>
    public const int Rel32Addend = -4;

    /// <summary>Whether a plain <c>jcc rel32</c> starts at <paramref name="at"/>.</summary>
    public static bool IsJccRel32(ReadOnlySpan<byte> code, int at) =>
        at >= 0 && at + JccRel32Length <= code.Length && code[at] == 0x0F && (code[at + 1] & 0xF0) == 0x80;

    /// <summary>Whether a plain <c>jcc</c> of <paramref name="length"/> bytes (2: rel8, 6: rel32) starts at <paramref name="at"/>.</summary>
    public static bool IsJcc(ReadOnlySpan<byte> code, int at, int length) =>
        (length == Rel8Length && (code[at] & 0xF0) == 0x70) || (length == JccRel32Length && IsJccRel32(code, at));

    /// <summary>Whether a plain <c>jmp</c> of <paramref name="length"/> bytes (2: rel8, 5: rel32) starts at <paramref name="at"/>.</summary>
    public static bool IsJmp(ReadOnlySpan<byte> code, int at, int length) =>
        (length == Rel8Length && code[at] == 0xEB) || (length == JmpRel32Length && code[at] == 0xE9);

    /// <summary>The condition code (0–15) of the plain <c>jcc</c> of <paramref name="length"/> bytes at <paramref name="at"/>.</summary>
    public static int Condition(ReadOnlySpan<byte> code, int at, int length) => (length == Rel8Length ? code[at] : code[at + 1]) & 0x0F;

    /// <summary>The condition taken exactly when <paramref name="condition"/> is not.</summary>
    // Condition codes come in complementary pairs that differ in bit 0 (JO/JNO, JB/JAE, JE/JNE, …, JLE/JG).
    public static int Inverted(int condition) => condition ^ 1;

    /// <summary>Writes the opcode of a <c>jcc rel32</c> on <paramref name="condition"/>; its displacement follows at <see cref="JccRel32Field"/>.</summary>
    public static void WriteJccRel32(Span<byte> to, int condition)
    {
        to[0] = 0x0F;
        to[1] = (byte)(0x80 | condition);
    }

    /// <summary>Writes the opcode of a <c>jmp rel32</c>; its displacement follows at <see cref="JmpRel32Field"/>.</summary>
    public static void WriteJmpRel32(Span<byte> to) => to[0] = 0xE9;
}
