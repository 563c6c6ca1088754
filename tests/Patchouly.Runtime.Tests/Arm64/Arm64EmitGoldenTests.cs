using System.Linq;
using Patchouly.Runtime.Tables;
using static Patchouly.Runtime.Tests.Arm64.Arm64Jit;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// Emits arm64 functions from the hand-made arm64 library and compares the patched words (runs on any host: nothing is
/// executed).
/// </summary>
[Collection(nameof(TargetTestsCollection))]
public class Arm64EmitGoldenTests
{
    [Fact]
    public void WideHoleFillsTheFourMovwGroups()
    {
        var b = Builder();
        b.Const(0x1122334455667788, R0);
        b.Return(R0);
        var (image, map) = Link(b);
        int at = map.BodyOffset;
        Assert.Equal(A64.MovZ(8, 0x7788, 0), Word(image, at));
        Assert.Equal(A64.MovK(8, 0x5566, 16), Word(image, at + 4));
        Assert.Equal(A64.MovK(8, 0x3344, 32), Word(image, at + 8));
        Assert.Equal(A64.MovK(8, 0x1122, 48), Word(image, at + 12));
        Assert.Equal(A64.Mov(21, 8), Word(image, at + 16));
        Assert.Equal(A64.Mov(0, 21), Word(image, at + 20)); // Return r0: the Const's trailing b was dropped
        Assert.Equal(A64.Ret, Word(image, at + 24));
        Assert.Equal(28, map.BodyLength);
    }

    [Theory]
    [InlineData(0xDEADBEEFL, false)]
    [InlineData(0xFFFF_FFFFL, false)]
    [InlineData(0x1_0000_0000L, true)]   // G1 is checked: value < 2^32, so the wide variant
    [InlineData(-1L, true)]
    public void NarrowHoleIsMovzG1MovkG0WhenTheValueFits(long value, bool wide)
    {
        var b = Builder();
        b.Const(value, R1);
        b.Return(R1);
        var (image, map) = Link(b);
        int at = map.BodyOffset;
        ulong v = unchecked((ulong)value);
        if (wide)
            for (int g = 0; g < 4; g++)
                Assert.Equal(g == 0 ? A64.MovZ(8, (int)(v & 0xFFFF), 0) : A64.MovK(8, (int)((v >> (16 * g)) & 0xFFFF), 16 * g), Word(image, at + 4 * g));
        else
        {
            Assert.Equal(A64.MovZ(8, (int)(v >> 16), 16), Word(image, at));
            Assert.Equal(A64.MovK(8, (int)(v & 0xFFFF), 0), Word(image, at + 4));
        }
        Assert.Contains($"; Const [-> r1] {(wide ? "wide" : "narrow")}", b.Disassemble());
    }

    [Fact]
    public void StackSlotOffsetsGoIntoMovwFields()
    {
        var b = Builder();
        b.Add(S(1), S(700), S(9000));
        b.Return(S(9000));
        var (image, map) = Link(b);
        int at = map.BodyOffset;
        // load s1: movz x9, #0, lsl 16; movk x9, #8; ldr x8, [x20, x9]
        Assert.Equal(A64.MovZ(9, 0, 16), Word(image, at));
        Assert.Equal(A64.MovK(9, 8, 0), Word(image, at + 4));
        Assert.Equal(A64.LdrReg(8, 20, 9), Word(image, at + 8));
        Assert.Equal(A64.MovZ(9, 0, 16), Word(image, at + 12));
        Assert.Equal(A64.MovK(9, 5600, 0), Word(image, at + 16));
        Assert.Equal(A64.LdrReg(10, 20, 9), Word(image, at + 20));
        Assert.Equal(A64.Add(8, 8, 10), Word(image, at + 24));
        Assert.Equal(A64.MovZ(9, 72000 >> 16, 16), Word(image, at + 28)); // 72000 = 0x11940
        Assert.Equal(A64.MovK(9, 72000 & 0xFFFF, 0), Word(image, at + 32));
        Assert.Equal(A64.StrReg(8, 20, 9), Word(image, at + 36));
        Assert.Equal(9001, b.FrameSlots);
    }

    [Fact]
    public void EntryShimGetsTheFrameSizeAndCallsTheBody()
    {
        foreach (var (slot, frame) in new[] { (5, 48), (16383, 131072) })
        {
            var b = Builder(1);
            b.Add(R0, R0, S(slot));
            b.Return(S(slot));
            var (image, map) = Link(b);
            var shim = VariantWords("__entry", false);
            int movz = System.Array.FindIndex(shim, w => (w & 0xFF80001F) == 0xD2800009) * 4; // movz x9
            Assert.Equal(A64.MovZ(9, frame >> 16, 16), Word(image, map.EntryOffset + movz));
            Assert.Equal(A64.MovK(9, frame & 0xFFFF, 0), Word(image, map.EntryOffset + movz + 4));
            int bl = System.Array.FindIndex(shim, w => (w & 0xFC000000) == 0x94000000) * 4;
            Assert.Equal(map.BodyOffset - (map.EntryOffset + bl), BranchDistance(image, map.EntryOffset + bl));
            // Between the shim and the 16-aligned body: brk #0.
            for (int gap = map.EntryOffset + map.EntryLength; gap < map.BodyOffset; gap += 4)
                Assert.Equal(A64.Brk0, Word(image, gap));
            Assert.Equal(0, map.BodyOffset % 16);
            Assert.Equal(0, map.EntryOffset);
        }
    }

    [Fact]
    public void BranchesForwardAndBackwardAndTailJumpElision()
    {
        var b = Builder(1);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        b.Const(0, R1);
        b.StartBlock(loop);
        int loopAt = b.CodeSize - 4; // the Const's trailing b is still counted until dropped
        b.JumpIfZero(R0, done);                 // forward
        b.Add(R1, R0, R1);
        b.AddImm(R0, -1, R0);
        b.JumpIfNotZero(R0, loop);              // backward
        b.StartBlock(done);
        b.Return(R1);
        var (image, map) = Link(b);
        int body = map.BodyOffset;
        Assert.Equal(loopAt, map.Blocks.Single(x => x.Block == 0).Offset);
        int doneAt = map.Blocks.Single(x => x.Block == 1).Offset;

        // JumpIfZero at the loop head: mov x8, x21; cbnz x8, +8; b done; (b next dropped)
        var jz = VariantWords("JumpIfZero", false, R0);
        Assert.Equal(4, jz.Length);
        int jzAt = loopAt;
        Assert.Equal(A64.Cbnz(8, 8), Word(image, body + jzAt + 4));
        Assert.Equal(doneAt - (jzAt + 8), BranchDistance(image, body + jzAt + 8));
        Assert.True(doneAt > jzAt + 8);

        // JumpIfNotZero at the end: its trailing b next is dropped (done follows), and "cbz x8, +8; b loop" becomes
        // one inverted branch back to the loop head, "cbnz x8, loop".
        int jnzAt = doneAt - 8;
        Assert.Equal(A64.Cbnz(8, loopAt - (jnzAt + 4)), Word(image, body + jnzAt + 4));
        Assert.True(loopAt < jnzAt);
        Assert.Equal(A64.Mov(0, 22), Word(image, body + doneAt)); // Return r1 right after
        string text = b.Disassemble();
        Assert.Contains("; JumpIfNotZero [r0] narrow (trailing jump dropped)", text);
        Assert.Contains("b B1", text);
    }

    [Fact]
    public void KeptTrailingJumpGoesToItsBlock()
    {
        var b = Builder();
        var later = b.NewBlock();
        b.Jump(later);
        b.ReturnConst(1);
        b.StartBlock(later);
        b.ReturnConst(2);
        var (image, map) = Link(b);
        int laterAt = map.Blocks.Single().Offset;
        Assert.Equal(laterAt, BranchDistance(image, map.BodyOffset)); // the jump is kept: ReturnConst follows it
        Assert.Equal(4 + VariantWords("ReturnConst", false).Length * 4, laterAt);
    }

    [Fact]
    public void AlignedBlockIsPaddedWithNops()
    {
        var b = Builder(1);
        var aligned = b.NewBlock();
        b.Add(R0, R0, R1);                // 4 words, its b dropped: 16 bytes
        b.AddImm(R1, 3, R1);              // narrow: 6 words + b
        b.StartBlock(aligned, 64);
        b.Return(R1);
        var (image, map) = Link(b);
        int blockAt = map.Blocks.Single().Offset;
        Assert.Equal(64, blockAt);
        Assert.Equal(0, (map.BodyOffset + blockAt) % 64);
        int codeEnd = 16 + 6 * 4;
        for (int at = codeEnd; at < blockAt; at += 4)
            Assert.Equal(A64.Nop, Word(image, map.BodyOffset + at));
        Assert.Equal(A64.Mov(0, 22), Word(image, map.BodyOffset + blockAt));
    }

    [Fact]
    public void FarHostCallGoesThroughAVeneerAndNearOneIsDirect()
    {
        const ulong at = 0x4000_0000;
        ulong near = at + (100 << 20), far = at + (1UL << 30);
        var b = Builder(1);
        b.CallHost(R0, near, R1);
        b.CallHost(R1, far, R2);
        b.CallHost(R2, far, R0);
        b.Return(R0);
        var (image, map) = Link(b, at);
        var call = VariantWords("CallHost", false, R0, R1);
        int bl = System.Array.FindIndex(call, w => (w & 0xFC000000) == 0x94000000) * 4;
        int first = map.BodyOffset + bl;
        Assert.Equal((long)(near - (at + (ulong)first)), BranchDistance(image, first));

        var veneer = Assert.Single(map.Trampolines);
        Assert.Equal(far, veneer.Destination);
        Assert.Equal(0, veneer.Offset % 16);
        Assert.Equal(0x58000050u, Word(image, veneer.Offset));        // ldr x16, #8
        Assert.Equal(0xD61F0200u, Word(image, veneer.Offset + 4));    // br x16
        Assert.Equal(far, System.BitConverter.ToUInt64(image, veneer.Offset + 8));
        int second = map.BodyOffset + map.Stencils[1].Offset + bl;
        int third = map.BodyOffset + map.Stencils[2].Offset + bl;
        Assert.Equal(veneer.Offset - second, BranchDistance(image, second)); // both far calls share it
        Assert.Equal(veneer.Offset - third, BranchDistance(image, third));
        string text = b.Disassemble();
        Assert.Contains("bl veneer0", text);
        Assert.Contains("veneer0:", text);
        Assert.Contains("ldr x16, #8", text);
    }

    [Fact]
    public void ModuleFunctionsShareVeneersAndEachShimCallsItsBody()
    {
        const ulong at = 0x4000_0000, far = at + (1UL << 31);
        var module = new JitModule(Arm64TestStencils.Library);
        var f0 = module.DefineFunction(1);
        var f1 = module.DefineFunction(1);
        f0.CallHost(R0, far, R1);
        f0.Return(R1);
        f1.Add(R0, R0, S(3));
        f1.CallHost(S(3), far, R1);
        f1.Return(R1);
        f0.PrepareLink();
        f1.PrepareLink();
        var (image, maps) = Linking.FunctionLinker.LinkDetached(Arm64TestStencils.Library, [f0, f1], at);
        var shim = VariantWords("__entry", false);
        int bl = System.Array.FindIndex(shim, w => (w & 0xFC000000) == 0x94000000) * 4;
        int movz = System.Array.FindIndex(shim, w => (w & 0xFF80001F) == 0xD2800009) * 4;
        foreach (var map in maps)
            Assert.Equal(map.BodyOffset - (map.EntryOffset + bl), BranchDistance(image, map.EntryOffset + bl));
        Assert.Equal(A64.MovK(9, 0, 0), Word(image, maps[0].EntryOffset + movz + 4));   // no stack slots
        Assert.Equal(A64.MovK(9, 32, 0), Word(image, maps[1].EntryOffset + movz + 4));  // s3: 4 slots
        var veneer = Assert.Single(maps[0].Trampolines);
        Assert.Equal(veneer, Assert.Single(maps[1].Trampolines));
        Assert.True(veneer.Offset > maps[1].BodyOffset + maps[1].BodyLength);
        Assert.Equal(far, System.BitConverter.ToUInt64(image, veneer.Offset + 8));
    }

    [Fact]
    public void NarrowCallTakesAnyAddressThroughAVeneer()
    {
        var b = Builder(1);
        b.Emit(F("CallHost"), [R0], [R1], [0x0000_7FFF_1234_5678UL]);
        b.Return(R1);
        Assert.Contains("; CallHost [r0 -> r1] narrow", b.Disassemble()); // a bl to any address is usable (veneer)
        var (_, map) = Link(b);
        Assert.Single(map.Trampolines);
    }

    [Fact]
    public void DisassemblyPrintsWordsWithDecodedBranchesAndMoves()
    {
        var b = Builder();
        b.Const(0x1122334455667788, R0);
        b.Return(R0);
        string text = b.Disassemble();
        Assert.Contains("; entry shim __entry", text);
        Assert.Contains("bl body", text);
        Assert.Contains("; Const [-> r0] wide (trailing jump dropped)", text);
        Assert.Contains(".inst 0xd28ef108 ; movz x8, #0x7788", text);
        Assert.Contains("movk x8, #0x1122, lsl #48", text);
        Assert.Contains(".inst 0xd65f03c0 ; ret", text);
        Assert.Contains("  0000000000000000  fd7bbfa9 ", text); // address, then the word's bytes in memory order
    }

    [Fact]
    public void BodySizeIsCappedSoEveryBranchReaches()
    {
        var b = Builder();
        Assert.Equal(1 << 27, b.CodeSizeLimit);
        Assert.Equal(FunctionBuilder.MaxCodeSize, Stencils.TestStencils.Library is var x64 ? new FunctionBuilder(x64).CodeSizeLimit : 0);
        Assert.Equal(1 << 27, Targets.TargetRules.MaxImageSize(TargetArchitecture.Arm64));
    }
}
