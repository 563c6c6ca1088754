using System;
using System.Linq;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>
/// Branch inversion on x86-64: a stencil ending in <c>jcc A; jmp B</c> (BranchLess: <c>jl less; jmp notLess</c>)
/// becomes one <c>jcc</c> whichever of A and B is placed next; other placements keep both jumps.
/// </summary>
public class BranchInversionTests
{
    private const int Jcc = 6, Jmp = 5, Pair = Jcc + Jmp;
    private const byte Jl = 0x8C, Jge = 0x8D;

    private static (byte[] Body, Linking.FunctionMap Map) Link(FunctionBuilder b)
    {
        var (image, map) = b.LinkDetached(0x1000_0000);
        return (image.AsSpan(map.BodyOffset, map.BodyLength).ToArray(), map);
    }

    private static int BlockAt(Linking.FunctionMap map, Block block) => map.Blocks.Single(x => x.Block == block.Id).Offset;

    private static int Rel32(byte[] body, int field) => BitConverter.ToInt32(body, field);

    [Fact]
    public void FirstTargetNextInvertsTheConditionAndDropsTheJump()
    {
        var b = Builder(2);
        var e = new TestEmitter(b);
        var less = b.NewBlock();
        var notLess = b.NewBlock();
        e.BranchLess(R0, R1, less, notLess);
        int end = b.CodeSize;
        b.StartBlock(less);
        e.ReturnConst(1);
        b.StartBlock(notLess);
        e.ReturnConst(0);
        var (body, map) = Link(b);
        int jcc = end - Pair;
        Assert.Equal(new byte[] { 0x0F, Jge }, body[jcc..(jcc + 2)]);
        Assert.Equal(jcc + Jcc, BlockAt(map, less));
        Assert.Equal(BlockAt(map, notLess) - (jcc + Jcc), Rel32(body, jcc + 2));
        Assert.Contains("(trailing jump dropped)", b.Disassemble());
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(-3, 4));
        Assert.Equal(0, f.Invoke(4, 4));
        Assert.Equal(0, f.Invoke(9, 4));
    }

    [Fact]
    public void SecondTargetNextKeepsTheConditionAndDropsTheJump()
    {
        var b = Builder(2);
        var e = new TestEmitter(b);
        var less = b.NewBlock();
        var notLess = b.NewBlock();
        e.BranchLess(R0, R1, less, notLess);
        int end = b.CodeSize;
        b.StartBlock(notLess);
        e.ReturnConst(0);
        b.StartBlock(less);
        e.ReturnConst(1);
        var (body, map) = Link(b);
        int jcc = end - Pair;
        Assert.Equal(new byte[] { 0x0F, Jl }, body[jcc..(jcc + 2)]);
        Assert.Equal(jcc + Jcc, BlockAt(map, notLess));
        Assert.Equal(BlockAt(map, less) - (jcc + Jcc), Rel32(body, jcc + 2));
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(-3, 4));
        Assert.Equal(0, f.Invoke(4, 4));
    }

    [Fact]
    public void NeitherTargetNextKeepsBothJumps()
    {
        var b = Builder(2);
        var e = new TestEmitter(b);
        var less = b.NewBlock();
        var notLess = b.NewBlock();
        e.BranchLess(R0, R1, less, notLess);
        int end = b.CodeSize;
        e.ReturnConst(7); // unreachable code between
        b.StartBlock(notLess);
        e.ReturnConst(0);
        b.StartBlock(less);
        e.ReturnConst(1);
        var (body, map) = Link(b);
        int jcc = end - Pair;
        Assert.Equal(new byte[] { 0x0F, Jl }, body[jcc..(jcc + 2)]);
        Assert.Equal(0xE9, body[jcc + Jcc]);
        Assert.Equal(BlockAt(map, less) - (jcc + Jcc), Rel32(body, jcc + 2));
        Assert.Equal(BlockAt(map, notLess) - end, Rel32(body, end - 4));
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(-3, 4));
        Assert.Equal(0, f.Invoke(4, 4));
    }

    [Theory]
    [InlineData(10, 66)]
    [InlineData(0, 1)]
    [InlineData(-1, 0)]
    [InlineData(300, 45451)]
    public void LoopEndBranchesBackWithOneInvertedJumpAndTakesBothDirections(long n, long sum)
    {
        // r1 = 0; r2 = 0; goto test; loop: r2 += 1; r1 += r2; test: if (n < r2) goto exit; else goto loop; exit: return r1
        var b = Builder(1);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        var test = b.NewBlock();
        var exit = b.NewBlock();
        e.Const(0, R1);
        e.Const(0, R2);
        b.Jump(test);
        b.StartBlock(loop);
        e.AddImm8(R2, 1, R2);
        e.Add(R1, R2, R1);
        b.StartBlock(test);
        e.BranchLess(R0, R2, exit, loop); // "jl exit; jmp loop" with exit placed next: "jge loop", a backward branch
        int end = b.CodeSize;
        b.StartBlock(exit);
        e.Return(R1);
        var (body, map) = Link(b);
        int jcc = end - Pair;
        Assert.Equal(new byte[] { 0x0F, Jge }, body[jcc..(jcc + 2)]);
        Assert.Equal(BlockAt(map, loop) - (jcc + Jcc), Rel32(body, jcc + 2));
        Assert.Equal(jcc + Jcc, BlockAt(map, exit));
        using var f = b.Compile();
        Assert.Equal(sum, f.Invoke(n));
    }

    // A pair whose conditional branch goes to next ("jz next; jmp target", NonZeroOrNext): when the target is not placed
    // next, the pair becomes "jnz target", whether the target is a loop head behind or a block placed later.

    private const byte Jnz = 0x85, Jz = 0x84;

    [Theory]
    [InlineData(10, 55)]
    [InlineData(1, 1)]
    [InlineData(300, 45150)]
    public void BranchToNextPairAtALoopEndBecomesOneBackwardJcc(long n, long sum)
    {
        // r1 = 0; loop: r1 += r0; r0 -= 1; if (r0 != 0) goto loop; return r1
        var b = Builder(1);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        e.Const(0, R1);
        b.StartBlock(loop);
        e.Add(R1, R0, R1);
        e.AddImm8(R0, -1, R0);
        e.NonZeroOrNext(R0, loop);
        int end = b.CodeSize;
        e.Return(R1);
        var (body, map) = Link(b);
        // Settled when Return was emitted: "jz next; jmp loop" (11 bytes) became "jnz loop" (6).
        int jcc = end - Pair;
        Assert.Equal(new byte[] { 0x0F, Jnz }, body[jcc..(jcc + 2)]);
        Assert.Equal(BlockAt(map, loop) - (jcc + Jcc), Rel32(body, jcc + 2));
        Assert.NotEqual(0xE9, body[jcc + Jcc]); // the Return stencil follows at once
        using var f = b.Compile();
        Assert.Equal(sum, f.Invoke(n));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 1)]
    public void BranchToNextPairWithItsTargetPlacedLaterBecomesOneForwardJcc(long a, long result)
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var nonZero = b.NewBlock();
        e.NonZeroOrNext(R0, nonZero);
        int end = b.CodeSize;
        e.ReturnConst(0);
        b.StartBlock(nonZero);
        e.ReturnConst(1);
        var (body, map) = Link(b);
        int jcc = end - Pair;
        Assert.Equal(new byte[] { 0x0F, Jnz }, body[jcc..(jcc + 2)]);
        Assert.Equal(BlockAt(map, nonZero) - (jcc + Jcc), Rel32(body, jcc + 2));
        using var f = b.Compile();
        Assert.Equal(result, f.Invoke(a));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void BranchToNextPairWithItsTargetPlacedNextKeepsItsJccToNext(long a)
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var nonZero = b.NewBlock();
        e.NonZeroOrNext(R0, nonZero);
        int end = b.CodeSize;
        b.StartBlock(nonZero);
        e.ReturnConst(1);
        var (body, _) = Link(b);
        // The tail (to nonZero) is dropped; "jz next" stays, next being the same code.
        int jcc = end - Pair;
        Assert.Equal(new byte[] { 0x0F, Jz }, body[jcc..(jcc + 2)]);
        Assert.Equal(0, Rel32(body, jcc + 2));
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(a)); // both ways lead to the same code
    }
}
