using System;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

public class DisassemblyTests
{
    [Fact]
    public void ShowsTheEntryShimStencilsAndBlocks()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        e.Const(0, R1);
        e.Const(1L << 40, S(1));
        e.JumpIfZero(R0, done);
        b.StartBlock(loop);
        e.Add(R1, R0, R1);
        e.AddImm8(R0, -1, R0);
        e.JumpIfNotZero(R0, loop);
        b.StartBlock(done);
        e.Return(R1);
        using var f = b.Compile();
        string text = f.Disassemble();
        string[] lines = text.Split('\n');

        Assert.StartsWith("; entry shim __entry", lines[0]);
        Assert.Contains("call body", text);
        Assert.Contains("\nbody:\n", text);
        Assert.Contains("; Const [-> r1] narrow", text);
        Assert.Contains("; Const [-> s1] wide", text);
        Assert.Contains("; Add [r1, r0 -> r1] narrow", text);
        Assert.Contains("; Return [r1] narrow\n", text);
        Assert.Contains("\nB0:\n", text);
        Assert.Contains("\nB1:\n", text);
        Assert.Contains("je B1", text);
        Assert.Contains("jne B0", text);
        Assert.Contains("(trailing jump dropped)", text);
        Assert.Contains("ret", text);
        // Block labels come before the first stencil of the block.
        Assert.True(text.IndexOf("B0:", StringComparison.Ordinal) < text.IndexOf("; Add", StringComparison.Ordinal));
        Assert.True(text.IndexOf("B1:", StringComparison.Ordinal) < text.IndexOf("; Return", StringComparison.Ordinal));
        // Every instruction line shows its address.
        Assert.Contains($"  {f.EntryPoint:x16}  55", text);
    }

    [Fact]
    public void BlocksAtTheSameOffsetAreAllLabelled()
    {
        var b = Builder();
        var e = new TestEmitter(b);
        var x = b.NewBlock();
        var y = b.NewBlock();
        b.StartBlock(y);
        b.StartBlock(x);
        e.ReturnConst(1);
        using var f = b.Compile();
        string text = f.Disassemble();
        Assert.Contains("body:\nB1:\nB0:\n; ReturnConst [] narrow\n", text);
    }
}
