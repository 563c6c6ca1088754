using System;
using System.Linq;
using Patchouly.Build.Tasks.Targets.LinuxX64;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Targets;

/// <summary>
/// The x86-64 rewrite of conditional exits on hand-made code: <c>jcc over; jmp exit; over:</c> folded into one inverted
/// <c>jcc exit</c>, <c>jcc stub; …; stub: jmp exit</c> threaded to <c>jcc exit</c>; the bytes, every relocation and
/// internal branch that moves; and what is left alone.
/// </summary>
public sealed class X64ExitJumpsTests
{
    private static Relocation Hole(int offset, RelocationKind kind = RelocationKind.Abs32, int addend = 0) => new((ushort)offset, kind, PatchKind.Hole, 0, addend);
    private static Relocation Exit(int offset, int index = 0) => new((ushort)offset, RelocationKind.Rel32, PatchKind.Target, (byte)index, -4);
    private static Relocation Next(int offset) => new((ushort)offset, RelocationKind.Rel32, PatchKind.Next, 0, -4);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static string Show(byte[] code) => Convert.ToHexString(code).ToLowerInvariant();

    /// <summary>A bounds-checked load as clang 19 compiles it with a cold exit (the Wasm sample's Load32, r0 → r1).</summary>
    private const string ColdLoad =
        "b8 00000000" +          // 00 mov eax, hole m                 (Abs32 @1)
        "44 89 e9" +             // 05 mov ecx, r13d
        "48 8d 91 00000000" +    // 08 lea rdx, [rcx + hole offset]    (Abs32S +4 @b)
        "48 3b 50 08" +          // 0f cmp rdx, [rax + 8]
        "76 05" +                // 13 jbe 1a
        "e9 00000000" +          // 15 jmp target0                     (Rel32 -4 @16)
        "48 8b 00" +             // 1a mov rax, [rax]
        "4c 63 b4 01 00000000" + // 1d movsxd r14, [rcx + rax + hole]  (Abs32S @21)
        "e9 00000000";           // 25 jmp next                        (Rel32 -4 @26)

    private static readonly Relocation[] ColdLoadRelocations =
        [Hole(1), Hole(0xb, RelocationKind.Abs32S, 4), Exit(0x16), Hole(0x21, RelocationKind.Abs32S), Next(0x26)];

    [Fact]
    public void A_cold_exit_pair_becomes_one_inverted_jcc_and_the_rest_moves_back_one_byte()
    {
        Assert.True(X64ExitJumps.TryFold(Hex(ColdLoad), ColdLoadRelocations, out var code, out var moved, out var counts));
        Assert.Equal(new X64ExitJumps.Counts(1, 0, 0), counts);
        Assert.Equal(Show(Hex(
            "b8 00000000 44 89 e9 48 8d 91 00000000 48 3b 50 08" +
            "0f 87 00000000" +   // 13 ja target0 (jbe inverted)
            "48 8b 00 4c 63 b4 01 00000000 e9 00000000")), Show(code));
        Assert.Equal([Hole(1), Hole(0xb, RelocationKind.Abs32S, 4), Exit(0x15), Hole(0x20, RelocationKind.Abs32S), Next(0x25)], moved);
    }

    [Fact]
    public void A_rel32_jcc_over_the_jump_saves_five_bytes()
    {
        var input = Hex("4d 85 ed" + "0f 84 05000000" + "e9 00000000" + "4d 31 ed" + "e9 00000000");
        Assert.True(X64ExitJumps.TryFold(input, [Exit(0xa, 1), Next(0x12)], out var code, out var moved, out _));
        Assert.Equal(Show(Hex("4d 85 ed" + "0f 85 00000000" + "4d 31 ed" + "e9 00000000")), Show(code)); // je over → jne exit
        Assert.Equal([Exit(5, 1), Next(0xd)], moved);
    }

    [Fact]
    public void Every_condition_is_inverted_to_its_complement()
    {
        for (int cc = 0; cc < 16; cc++)
        {
            var input = Hex($"{0x70 + cc:x2} 05" + "e9 00000000" + "90" + "e9 00000000");
            Assert.True(X64ExitJumps.TryFold(input, [Exit(3), Next(9)], out var code, out _, out _));
            Assert.Equal(0x0F, code[0]);
            Assert.Equal(0x80 + (cc ^ 1), code[1]);
        }
    }

    [Fact]
    public void Internal_branches_across_the_pair_are_re_aimed_and_those_on_one_side_kept()
    {
        var input = Hex(
            "eb 0b" +            // 00 jmp 0d         (forward across the pair: 11 → 10)
            "74 02" +            // 02 je 06          (before the pair, untouched)
            "90 90" +            // 04
            "72 05" +            // 06 jb 0d (over)
            "e9 00000000" +      // 08 jmp target0
            "90" +               // 0d
            "75 f0" +            // 0e jne 00         (backward across the pair: -16 → -15)
            "e9 00000000" +      // 10 jmp 02 (rel32, backward across the pair; set below)
            "e9 00000000");      // 15 jmp next
        BitConverter.GetBytes(0x02 - 0x15).CopyTo(input, 0x11);
        Assert.True(X64ExitJumps.TryFold(input, [Exit(9), Next(0x16)], out var code, out var moved, out _));
        var expected = Hex(
            "eb 0a" +            // 00 jmp 0c (the instruction after the pair moved from 0d to 0c)
            "74 02 90 90" +
            "0f 83 00000000" +   // 06 jae target0
            "90" +               // 0c
            "75 f1" +            // 0d jne 00: 0 - 0x0f
            "e9 00000000" +      // 0f jmp 02: 2 - 0x14 = -18
            "e9 00000000");      // 14 jmp next
        BitConverter.GetBytes(0x02 - 0x14).CopyTo(expected, 0x10);
        Assert.Equal(Show(expected), Show(code));
        Assert.Equal([Exit(8), Next(0x15)], moved);
    }

    [Fact]
    public void Two_pairs_are_both_folded()
    {
        var input = Hex("76 05 e9 00000000" + "90" + "7c 05 e9 00000000" + "e9 00000000");
        Assert.True(X64ExitJumps.TryFold(input, [Exit(3, 0), Exit(0xb, 1), Next(0x10)], out var code, out var moved, out var counts));
        Assert.Equal(new X64ExitJumps.Counts(2, 0, 0), counts);
        Assert.Equal(Show(Hex("0f 87 00000000" + "90" + "0f 8d 00000000" + "e9 00000000")), Show(code));
        Assert.Equal([Exit(2, 0), Exit(9, 1), Next(0xe)], moved);
    }

    [Fact]
    public void A_pair_to_next_is_folded_too()
    {
        var input = Hex("75 05 e9 00000000" + "e9 00000000");
        Assert.True(X64ExitJumps.TryFold(input, [Next(3), Exit(8)], out var code, out var moved, out _));
        Assert.Equal(Show(Hex("0f 84 00000000 e9 00000000")), Show(code));
        Assert.Equal([Next(2), Exit(7)], moved);
    }

    [Fact]
    public void A_jcc_to_a_stub_at_the_end_goes_to_the_exit_and_the_stub_goes()
    {
        // BrIfI64Ne as clang 19 lays it out: the taken branch goes through a stub after the jump to next.
        var input = Hex(
            "4d 39 f5" +         // 00 cmp r13, r14
            "75 08" +            // 03 jne 0d
            "4d 89 ee" +         // 05 mov r14, r13
            "e9 00000000" +      // 08 jmp next     (Rel32 -4 @9)
            "e9 00000000");      // 0d jmp target0  (Rel32 -4 @e)
        Assert.True(X64ExitJumps.TryFold(input, [Next(9), Exit(0xe)], out var code, out var moved, out var counts));
        Assert.Equal(new X64ExitJumps.Counts(0, 1, 1), counts);
        Assert.Equal(Show(Hex("4d 39 f5" + "0f 85 00000000" + "4d 89 ee" + "e9 00000000")), Show(code)); // ends with its jump to next again
        Assert.Equal([Exit(5), Next(0xd)], moved);
    }

    [Fact]
    public void Every_branch_to_a_stub_is_threaded()
    {
        var input = Hex(
            "74 0b" +            // 00 je 0d
            "72 09" +            // 02 jb 0d
            "90" +               // 04
            "eb 06" +            // 05 jmp 0d
            "90" +               // 07
            "e9 00000000" +      // 08 jmp next     (Rel32 -4 @9)
            "e9 00000000");      // 0d jmp target1  (Rel32 -4 @e)
        Assert.True(X64ExitJumps.TryFold(input, [Next(9), Exit(0xe, 1)], out var code, out var moved, out var counts));
        Assert.Equal(new X64ExitJumps.Counts(0, 1, 3), counts);
        Assert.Equal(Show(Hex("0f 84 00000000" + "0f 82 00000000" + "90" + "e9 00000000" + "90" + "e9 00000000")), Show(code));
        Assert.Equal([Exit(2, 1), Exit(8, 1), Exit(0xe, 1), Next(0x14)], moved);
    }

    [Fact]
    public void When_a_grown_branch_puts_a_rel8_out_of_reach_only_the_pairs_are_folded()
    {
        var input = Hex(
            "74 7c" +            // 00 je 7e (the stub)
            "76 05" +            // 02 jbe 09 (a pair)
            "e9 00000000" +      // 04 jmp target0  (Rel32 -4 @5)
            string.Concat(Enumerable.Repeat("90", 115)) + // 09..7b
            "eb 82" +            // 7c jmp 00: -126, would be -129 with the je grown to rel32 and the pair folded
            "e9 00000000");      // 7e jmp target1  (Rel32 -4 @7f)
        Assert.True(X64ExitJumps.TryFold(input, [Exit(5), Exit(0x7f, 1)], out var code, out var moved, out var counts));
        Assert.Equal(new X64ExitJumps.Counts(1, 0, 0), counts);
        Assert.Equal(Show(Hex("74 7b" + "0f 87 00000000" + string.Concat(Enumerable.Repeat("90", 115)) + "eb 83" + "e9 00000000")), Show(code));
        Assert.Equal([Exit(4), Exit(0x7e, 1)], moved);
    }

    public static TheoryData<string, string, int[]> Unchanged => new()
    {
        // No pair at all.
        { "no pair", "4d 85 ed 0f 85 00000000 e9 00000000", [5, 0xa] },
        // Something branches to the pair's jmp: it must stay.
        { "the jmp is a branch destination", "74 02 76 05 e9 00000000 90 e9 00000000", [5, 0xb] },
        // An opcode that is invalid in 64-bit mode.
        { "undecodable byte", "06 76 05 e9 00000000 90 e9 00000000", [4, 0xa] },
        // A RIP-relative operand without a relocation would move off its datum.
        { "rip-relative without relocation", "48 8d 05 00000000 76 05 e9 00000000 90 e9 00000000", [0xa, 0x10] },
        // A branch into the middle of an instruction.
        { "branch into an instruction", "eb 04 76 05 e9 00000000 90 e9 00000000", [5, 0xb] },
        // loop has a rel8 this rewrite does not re-aim.
        { "loop across the pair", "e2 07 76 05 e9 00000000 90 e9 00000000", [5, 0xb] },
        // A jcc with a prefix (branch hint) is not the plain form.
        { "prefixed jcc", "3e 76 05 e9 00000000 90 e9 00000000", [4, 0xa] },
        // The jcc goes past the instruction after the jmp.
        { "jcc beyond the jmp", "76 06 e9 00000000 90 90 e9 00000000", [3, 0xa] },
        // A jmp with an internal displacement (no relocation) is not an exit.
        { "unrelocated jmp", "76 05 e9 01000000 90 90 e9 00000000", [0xa] },
        // A stub that the code falls into stays.
        { "stub reached by falling through", "72 01 90 e9 00000000 e9 00000000", [4, 9] },
        // A stub reached by a branch this rewrite does not thread (a prefixed jcc) stays.
        { "stub reached by a prefixed jcc", "3e 72 05 e9 00000000 e9 00000000", [4, 9] },
    };

    [Theory, MemberData(nameof(Unchanged))]
    public void Code_that_is_not_fully_understood_or_has_no_foldable_pair_is_left_alone(string why, string hex, int[] exits)
    {
        var relocations = exits.Select((o, i) => i == exits.Length - 1 ? Next(o) : Exit(o)).ToArray();
        Assert.False(X64ExitJumps.TryFold(Hex(hex), relocations, out _, out _, out var counts), why);
        Assert.Equal(default, counts);
    }

    [Fact]
    public void A_relocation_across_two_instructions_leaves_the_code_alone()
    {
        // A 4-byte field at 0x01 of a 2-byte instruction: not understood.
        var input = Hex("74 00 90 90 76 05 e9 00000000 90 e9 00000000");
        Assert.False(X64ExitJumps.TryFold(input, [Hole(1), Exit(7), Next(0xd)], out _, out _, out _));
    }

    [Fact]
    public void The_jmp_must_carry_a_rel32_exit_relocation_with_the_usual_addend()
    {
        var input = Hex("76 05 e9 00000000 90 e9 00000000");
        Assert.False(X64ExitJumps.TryFold(input, [Exit(3) with { Addend = 0 }, Next(9)], out _, out _, out _));
        Assert.True(X64ExitJumps.TryFold(input, [Exit(3), Next(9)], out _, out _, out _));
    }
}
