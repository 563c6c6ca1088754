using System;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>
/// The x86-64 instructions the runtime itself writes or recognises: multi-byte <c>nop</c>s for padding, <c>int3</c>
/// between functions, the trailing <c>jmp rel32</c> (E9) fall-through elision drops, and the direct <c>call</c>/<c>jmp
/// rel32</c> (E8/E9) whose hole can be sent to a trampoline.
/// </summary>
internal static class X64Code
{
    /// <summary>The length of the trailing <c>jmp rel32</c> dropped by fall-through elision.</summary>
    public const int TailJumpLength = 5;

    /// <summary><c>int3</c>: fills the gaps between functions and trampolines.</summary>
    public const byte Trap = 0xCC;

    private const byte JmpRel32 = 0xE9;
    private const byte CallRel32 = 0xE8;

    /// <summary>The recommended x86-64 <c>nop</c> of <paramref name="length"/> bytes (1 to 9).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not in 1..9.</exception>
    public static ReadOnlySpan<byte> Nop(int length) => length switch
    {
        1 => [0x90],
        2 => [0x66, 0x90],
        3 => [0x0F, 0x1F, 0x00],
        4 => [0x0F, 0x1F, 0x40, 0x00],
        5 => [0x0F, 0x1F, 0x44, 0x00, 0x00],
        6 => [0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
        7 => [0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
        8 => [0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        9 => [0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        _ => throw new ArgumentOutOfRangeException(nameof(length)),
    };

    /// <summary>Fills <paramref name="padding"/> with multi-byte <c>nop</c>s (at most 9 bytes each).</summary>
    public static void FillNops(Span<byte> padding)
    {
        while (padding.Length > 0)
        {
            int n = Math.Min(padding.Length, 9);
            Nop(n).CopyTo(padding);
            padding = padding[n..];
        }
    }

    /// <summary>Fills <paramref name="gap"/> with <c>int3</c>.</summary>
    public static void FillTrap(Span<byte> gap) => gap.Fill(Trap);

    /// <summary>
    /// True when <paramref name="last"/>, a variant's last relocation, is the rel32 field of a <c>jmp rel32</c> that ends
    /// the variant's <paramref name="code"/>.
    /// </summary>
    public static bool EndsWithJump(ReadOnlySpan<byte> code, in Relocation last) =>
        last.Kind == RelocationKind.Rel32 && code.Length >= TailJumpLength && last.Offset == code.Length - 4
        && code[code.Length - TailJumpLength] == JmpRel32;

    /// <summary>True when the 4-byte field at <paramref name="field"/> is the operand of <c>call rel32</c> (E8) or <c>jmp rel32</c> (E9).</summary>
    public static bool IsDirectCallOrJump(ReadOnlySpan<byte> code, int field) =>
        field >= 1 && field + 4 <= code.Length && code[field - 1] is CallRel32 or JmpRel32;
}
