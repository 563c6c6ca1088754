using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Blocks, forward and backward branches, and fall-through elision.</summary>
public class ControlFlowTests
{
    private const int Jmp = 5;

    [Fact]
    public void ForwardBranch()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var zero = b.NewBlock();
        e.JumpIfZero(R0, zero);
        e.ReturnConst(1);
        b.StartBlock(zero);
        e.ReturnConst(2);
        using var f = b.Compile();
        Assert.Equal(2, f.Invoke(0));
        Assert.Equal(1, f.Invoke(9));
    }

    [Theory]
    [InlineData(10, 55)]
    [InlineData(1, 1)]
    [InlineData(1000, 500500)]
    public void BackwardBranchLoop(long n, long sum)
    {
        // r1 = 0; loop: r1 += r0; r0 -= 1; if (r0 != 0) goto loop; return r1
        var b = Builder(1);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        e.Const(0, R1);
        b.StartBlock(loop);
        e.Add(R1, R0, R1);
        e.AddImm(R0, -1, R0);
        e.JumpIfNotZero(R0, loop);
        e.Return(R1);
        using var f = b.Compile();
        Assert.Equal(sum, f.Invoke(n));
    }

    [Fact]
    public void LoopWithCounterAndSumOnTheStack()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        b.Move(R0, S(4));
        e.Const(0, S(1));
        b.StartBlock(loop); // also the first code of the function: the backward jump goes to the body's start
        e.Add(S(1), S(4), S(1));
        e.AddImm8(S(4), -1, S(4));
        e.JumpIfNotZero(S(4), loop);
        e.Return(S(1));
        using var f = b.Compile();
        Assert.Equal(5050, f.Invoke(100));
    }

    [Fact]
    public void LoopBlockAtTheVeryStart()
    {
        // The loop block is started before any code, so the entry shim calls straight into it.
        var b = Builder(2);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        b.StartBlock(loop);
        e.AddImm(R1, 3, R1);
        e.AddImm(R0, -1, R0);
        e.JumpIfNotZero(R0, loop);
        e.Return(R1);
        using var f = b.Compile();
        Assert.Equal(30 + 4, f.Invoke(10, 4));
    }

    [Fact]
    public void BranchesOutOfTheMiddleOfABlock()
    {
        // Two exits out of a straight-line block, which continues when they are not taken.
        var b = Builder(2);
        var e = new TestEmitter(b);
        var firstZero = b.NewBlock();
        var secondZero = b.NewBlock();
        e.Const(100, R2);
        e.JumpIfZero(R0, firstZero);
        e.AddImm(R2, 10, R2);
        e.JumpIfZero(R1, secondZero);
        e.AddImm(R2, 1, R2);
        e.Return(R2);
        b.StartBlock(secondZero);
        e.ReturnConst(-2);
        b.StartBlock(firstZero);
        e.ReturnConst(-1);
        using var f = b.Compile();
        Assert.Equal(111, f.Invoke(1, 1));
        Assert.Equal(-2, f.Invoke(1, 0));
        Assert.Equal(-1, f.Invoke(0, 1));
    }

    [Fact]
    public void ManyForwardReferencesToOneBlock()
    {
        var b = Builder(3);
        var e = new TestEmitter(b);
        var exit = b.NewBlock();
        e.JumpIfZero(R0, exit);
        e.JumpIfZero(R1, exit);
        e.JumpIfZero(R2, exit);
        e.ReturnConst(1);
        b.StartBlock(exit);
        e.ReturnConst(0);
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(1, 2, 3));
        Assert.Equal(0, f.Invoke(0, 2, 3));
        Assert.Equal(0, f.Invoke(1, 0, 3));
        Assert.Equal(0, f.Invoke(1, 2, 0));
    }

    [Fact]
    public void TrailingJumpToTheNextStencilIsDropped()
    {
        var b = Builder();
        var e = new TestEmitter(b);
        int constLength = VariantLength(TestStencils.Const, R0);
        int returnLength = VariantLength(TestStencils.Return, R0);
        e.Const(5, R0);
        Assert.Equal(constLength, b.CodeSize); // still pending: the jump might be needed
        e.Return(R0);
        Assert.Equal(constLength - Jmp + returnLength, b.CodeSize);
        using var f = b.Compile();
        Assert.Equal(constLength - Jmp + returnLength, f.Code.Length - f.BodyOffset);
        Assert.Equal(5, f.Invoke());
    }

    [Fact]
    public void JumpToABlockStartedRightAfterIsDropped()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var next = b.NewBlock();
        e.Const(1, R1);
        int before = b.CodeSize - Jmp; // Const's own trailing jump goes once the jump follows
        b.Jump(next);
        b.StartBlock(next);
        e.Return(R1);
        Assert.Equal(before + VariantLength(TestStencils.Return, R1), b.CodeSize); // the jump stencil left nothing
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(0));
        Assert.Contains("; __jump [] narrow (trailing jump dropped)", f.Disassemble());
    }

    [Fact]
    public void JumpOverEmptyBlocksToABlockStartedRightAfterIsDropped()
    {
        foreach (bool toSecond in new[] { true, false })
        {
            var b = Builder(1);
            var e = new TestEmitter(b);
            var first = b.NewBlock();
            var second = b.NewBlock();
            e.Const(1, R1);
            b.Jump(toSecond ? second : first);
            int pending = b.CodeSize;
            b.StartBlock(first);
            b.StartBlock(second);
            e.Return(R1);
            Assert.Equal(pending - Jmp + VariantLength(TestStencils.Return, R1), b.CodeSize);
            using var f = b.Compile();
            Assert.Equal(1, f.Invoke(3));
        }
    }

    [Fact]
    public void JumpToALaterBlockIsKept()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var skip = b.NewBlock();
        e.Const(1, R1);
        b.Jump(skip);
        int afterJump = b.CodeSize;
        e.Const(2, R1); // jumped over
        Assert.Equal(afterJump + VariantLength(TestStencils.Const, R1), b.CodeSize); // the jump stayed
        b.StartBlock(skip);
        e.Return(R1);
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(0));
    }

    [Fact]
    public void TrailingJumpToASecondTargetStartedNextIsDropped()
    {
        // BranchLess ends with "jmp notLess": dropped when notLess is started right after it.
        var b = Builder(2);
        var e = new TestEmitter(b);
        var less = b.NewBlock();
        var notLess = b.NewBlock();
        e.BranchLess(R0, R1, less, notLess);
        int pending = b.CodeSize;
        b.StartBlock(notLess);
        e.ReturnConst(0);
        Assert.Equal(pending - Jmp + VariantLength(TestStencils.ReturnConst), b.CodeSize);
        b.StartBlock(less);
        e.ReturnConst(1);
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(3, 4));
        Assert.Equal(0, f.Invoke(4, 4));
        Assert.Equal(0, f.Invoke(5, -4));
    }

    [Fact]
    public void PairWhoseFirstTargetFollowsBecomesOneInvertedBranch()
    {
        var b = Builder(2);
        var e = new TestEmitter(b);
        var less = b.NewBlock();
        var notLess = b.NewBlock();
        e.BranchLess(R0, R1, less, notLess);
        int pending = b.CodeSize;
        b.StartBlock(less); // the first target, not the one the trailing jump goes to: "jl less; jmp notLess" becomes "jge notLess"
        e.ReturnConst(1);
        Assert.Equal(pending - Jmp + VariantLength(TestStencils.ReturnConst), b.CodeSize);
        b.StartBlock(notLess);
        e.ReturnConst(0);
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke(-3, 4));
        Assert.Equal(0, f.Invoke(4, 4));
    }

    [Fact]
    public void BackwardJumpIsKept()
    {
        // do { r1 += 2; r0 -= 1; if (r0 == 0) goto done; } while (true) via an explicit Jump back.
        var b = Builder(1);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        e.Const(0, R1);
        b.StartBlock(loop);
        e.AddImm8(R1, 2, R1);
        e.AddImm8(R0, -1, R0);
        e.JumpIfZero(R0, done);
        b.Jump(loop);
        b.StartBlock(done);
        e.Return(R1);
        using var f = b.Compile();
        Assert.Equal(14, f.Invoke(7));
    }

    [Fact]
    public void JumpToNextFromTheMiddleOfAStencilStaysCorrectAfterTruncation()
    {
        foreach (var (from, to) in new[] { (R0, R1), (R0, R0), (R0, S(2)), (S(0), S(0)) })
        {
            var b = Builder(1);
            var e = new TestEmitter(b);
            b.Move(R0, from);
            e.Abs(from, to);
            int pending = b.CodeSize;
            e.Return(to);
            Assert.Equal(pending - Jmp + VariantLength(TestStencils.Return, to), b.CodeSize);
            using var f = b.Compile();
            Assert.Equal(5, f.Invoke(-5));
            Assert.Equal(7, f.Invoke(7));
            Assert.Contains($"; Abs [{from} -> {to}] narrow (trailing jump dropped)", f.Disassemble());
        }
    }

    [Fact]
    public void JumpToNextFromTheMiddleWhenABlockFollows()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var block = b.NewBlock();
        e.Abs(R0, R1);
        b.StartBlock(block);
        e.Return(R1);
        using var f = b.Compile();
        Assert.Equal(5, f.Invoke(-5));
        Assert.Equal(6, f.Invoke(6));
    }

    [Fact]
    public void CodeAfterAReturnIsReachedOnlyThroughABlock()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var other = b.NewBlock();
        var unused = b.NewBlock();
        e.JumpIfZero(R0, other);
        e.Return(R0);
        e.ReturnConst(111); // unreachable, but fine to emit
        b.StartBlock(other);
        e.ReturnConst(222);
        b.StartBlock(unused); // started at the end, never targeted: harmless
        using var f = b.Compile();
        Assert.Equal(9, f.Invoke(9));
        Assert.Equal(222, f.Invoke(0));
    }
}
