using System;
using System.Linq;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>
/// Cold blocks on x86-64: code emitted after a cold block is started goes after all hot code; branches between hot and
/// cold code are patched when the two are joined, and falling into or out of cold code gets a jump.
/// </summary>
public class ColdBlockTests
{
    private static (byte[] Body, Linking.FunctionMap Map) Link(FunctionBuilder b)
    {
        var (image, map) = b.LinkDetached(0x1000_0000);
        return (image.AsSpan(map.BodyOffset, map.BodyLength).ToArray(), map);
    }

    private static int BlockAt(Linking.FunctionMap map, Block block) => map.Blocks.Single(x => x.Block == block.Id).Offset;

    [Fact]
    public void FailurePathEmittedInlineGoesAfterTheHotCodeAndTheCheckIsOneConditionalBranch()
    {
        // if (r0 < r1) { return -1; /* cold */ } return r0 + 1;
        var b = Builder(2);
        var e = new TestEmitter(b);
        var fail = b.NewBlock(cold: true);
        var ok = b.NewBlock();
        e.BranchLess(R0, R1, fail, ok); // jl fail; jmp ok
        int end = b.CodeSize;
        b.StartBlock(fail);
        e.ReturnConst(-1);
        b.StartBlock(ok);
        e.AddImm8(R0, 1, R0);
        e.Return(R0);
        int coldLength = VariantLength(TestStencils.ReturnConst);
        var (body, map) = Link(b);
        Assert.Equal(end - 5, BlockAt(map, ok)); // the jmp ok is dropped: ok follows the check in the hot code
        Assert.Equal(new byte[] { 0x0F, 0x8C }, body[(end - 11)..(end - 9)]);
        int failAt = BlockAt(map, fail);
        Assert.Equal(body.Length - coldLength, failAt);  // the cold code ends the body
        Assert.Equal(0, failAt % 16);
        Assert.Equal(failAt - (end - 5), BitConverter.ToInt32(body, end - 9));
        Assert.Equal(map.Stencils.Select(s => s.Offset).Order(), map.Stencils.Select(s => s.Offset)); // in body order
        Assert.Equal("ReturnConst", map.FamilyOf(map.Stencils[^1]).Name);
        string text = b.Disassemble();
        Assert.True(text.IndexOf("; Return ", StringComparison.Ordinal) < text.IndexOf("; ReturnConst", StringComparison.Ordinal), text);
        using var f = b.Compile();
        Assert.Equal(-1, f.Invoke(1, 5));
        Assert.Equal(6, f.Invoke(5, 1));
    }

    [Fact]
    public void FallingIntoAndOutOfColdCodeGetsJumps()
    {
        var b = Builder(0);
        var e = new TestEmitter(b);
        var cold = b.NewBlock(cold: true);
        var after = b.NewBlock();
        e.Const(1, R1);             // continues into the cold block
        b.StartBlock(cold);
        e.AddImm8(R1, 2, R1);       // continues into the hot block after it
        b.StartBlock(after);
        e.AddImm8(R1, 4, R1);
        e.Return(R1);
        var (body, map) = Link(b);
        int jump = VariantLength(TestStencils.Const, R1) - 5;
        Assert.Equal(0xE9, body[jump]);
        Assert.Equal(BlockAt(map, cold) - (jump + 5), BitConverter.ToInt32(body, jump + 1));
        Assert.True(BlockAt(map, cold) > BlockAt(map, after));
        using var f = b.Compile();
        Assert.Equal(7, f.Invoke());
    }

    [Fact]
    public void ColdCodeFirstIsReachedFromTheEntry()
    {
        var b = Builder(0);
        var e = new TestEmitter(b);
        var cold = b.NewBlock(cold: true);
        b.StartBlock(cold);
        e.ReturnConst(7);
        var (body, map) = Link(b);
        Assert.Equal(0xE9, body[0]); // the hot code is one jump to it
        Assert.True(BlockAt(map, cold) >= 16);
        using var f = b.Compile();
        Assert.Equal(7, f.Invoke());
    }

    [Theory]
    [InlineData(10, 100, 55)]
    [InlineData(10, 20, -1)]
    [InlineData(0, 0, 0)]
    public void LoopWithAColdExitInItsBodyTakesBothDirections(long n, long limit, long expected)
    {
        // sum = 0; while (n != 0) { if (limit < sum) return -1; sum += n; n -= 1; } return sum
        var b = Builder(2);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        var tooBig = b.NewBlock(cold: true);
        var next = b.NewBlock();
        e.Const(0, R2);
        b.StartBlock(loop, 16);
        e.JumpIfZero(R0, done);
        e.BranchLess(R1, R2, tooBig, next);
        b.StartBlock(tooBig);
        e.ReturnConst(-1);
        b.StartBlock(next);
        e.Add(R2, R0, R2);
        e.AddImm8(R0, -1, R0);
        b.Jump(loop);
        b.StartBlock(done);
        e.Return(R2);
        var (_, map) = Link(b);
        Assert.True(BlockAt(map, tooBig) > BlockAt(map, done));
        Assert.Equal(0, BlockAt(map, loop) % 16);
        using var f = b.Compile();
        Assert.Equal(expected, f.Invoke(n, limit));
    }

    [Fact]
    public void ResetForgetsTheColdSegment()
    {
        var b = Builder(0);
        var e = new TestEmitter(b);
        var cold = b.NewBlock(cold: true);
        e.Const(3, R0);
        b.StartBlock(cold);
        e.Return(R0);
        b.Reset();
        e.ReturnConst(5);
        var (body, map) = Link(b);
        Assert.Equal(VariantLength(TestStencils.ReturnConst), map.BodyLength);
        using var f = b.Compile();
        Assert.Equal(5, f.Invoke());
    }
}
