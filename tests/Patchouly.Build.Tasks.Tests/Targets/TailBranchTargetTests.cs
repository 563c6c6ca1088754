using System;
using Patchouly.Build.Tasks.Targets.LinuxArm64;
using Patchouly.Build.Tasks.Targets.LinuxX64;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Targets;

/// <summary>
/// Whether a branch inside a stencil goes to its trailing jump (then the runtime must not merge the branch before the
/// jump with it: <see cref="VariantFlags.TailIsBranchTarget"/>), on hand-made x86-64 and AArch64 code. Relocated
/// branches do not count: their fields hold addends, not destinations.
/// </summary>
public sealed class TailBranchTargetTests
{
    private static Relocation Target(int offset, RelocationKind kind = RelocationKind.Rel32, int addend = -4) => new((ushort)offset, kind, PatchKind.Target, 0, addend);
    private static Relocation Next(int offset, RelocationKind kind = RelocationKind.Rel32, int addend = -4) => new((ushort)offset, kind, PatchKind.Next, 0, addend);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    /// <summary>clang 19's <c>a != b ? taken : Target.Next</c> on doubles: <c>ucomisd; jne L; jnp next; L: jmp taken</c>.</summary>
    [Fact]
    public void X64_float_inequality_branches_to_its_trailing_jump()
    {
        var code = Hex(
            "66 0f 2e c1" +      // 00 ucomisd xmm0, xmm1
            "75 06" +            // 04 jne 0c
            "0f 8b 00000000" +   // 06 jnp next          (Rel32 -4 @08)
            "e9 00000000");      // 0c jmp taken         (Rel32 -4 @0d)
        Relocation[] relocations = [Next(0x08), Target(0x0d)];
        Assert.True(X64Stencils.EndsWithTailJump(code, relocations[^1]));
        Assert.True(X64Stencils.TailIsBranchTarget(code, relocations));
    }

    [Fact]
    public void X64_an_ordinary_pair_and_relocated_branches_do_not_count()
    {
        // cmp; jl taken; jmp next: the jl's unrelocated field (0) would "reach" the jmp; it is a relocation, not a branch inside.
        var pair = Hex("4d 39 f5" + "0f 8c 00000000" + "e9 00000000");
        Assert.False(X64Stencils.TailIsBranchTarget(pair, [Target(0x05), Next(0x0a)]));
        // A short branch to the instruction before the tail (the nop at 05), not to the tail (06).
        var before = Hex("4d 39 f5" + "74 00" + "90" + "e9 00000000");
        Assert.False(X64Stencils.TailIsBranchTarget(before, [Next(0x07)]));
        // The same branch one byte further: to the tail.
        var to = Hex("4d 39 f5" + "74 01" + "90" + "e9 00000000");
        Assert.True(X64Stencils.TailIsBranchTarget(to, [Next(0x07)]));
    }

    private static byte[] Words(params uint[] words)
    {
        var code = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++) BitConverter.TryWriteBytes(code.AsSpan(i * 4), words[i]);
        return code;
    }

    [Fact]
    public void Arm64_each_branch_form_to_the_trailing_b_counts()
    {
        const uint Fcmp = 0x1E612000, B = 0x14000000, Nop = 0xD503201F;
        var tail = Next(12, RelocationKind.Arm64Branch26, 0);
        var target = Target(8, RelocationKind.Arm64Branch26, 0);
        // b.ne +8 (from 4 to 12, the tail); b taken; b next: an invertible pair, whose own branch to the tail the runtime
        // rewrites with it (it does not count)
        Assert.False(Arm64Stencils.TailIsBranchTarget(Words(Fcmp, 0x54000041, B, B), [target, tail]));
        // b.ne +12 (from 0 to 12, the tail) over the pair's place: counts
        Assert.True(Arm64Stencils.TailIsBranchTarget(Words(0x54000061, Nop, B, B), [target, tail]));
        // b.ne +4: to the b taken, not the tail
        Assert.False(Arm64Stencils.TailIsBranchTarget(Words(Fcmp, 0x54000021, B, B), [target, tail]));
        // cbz x0, +8; tbnz w0, #3, +4; b +4 (unrelocated) to the tail
        Assert.True(Arm64Stencils.TailIsBranchTarget(Words(Nop, 0xB4000040, Nop, B), [tail]));
        Assert.True(Arm64Stencils.TailIsBranchTarget(Words(Nop, Nop, 0x37180020, B), [tail]));
        Assert.True(Arm64Stencils.TailIsBranchTarget(Words(Nop, Nop, 0x14000001, B), [tail]));
        // The same b, relocated (its field is an addend): not a branch inside.
        Assert.False(Arm64Stencils.TailIsBranchTarget(Words(Nop, Nop, 0x14000001, B), [Target(8, RelocationKind.Arm64Branch26, 0), tail]));
        // A backward b.cond to the start.
        Assert.False(Arm64Stencils.TailIsBranchTarget(Words(Nop, Nop, 0x54FFFFC0, B), [tail]));
    }
}
