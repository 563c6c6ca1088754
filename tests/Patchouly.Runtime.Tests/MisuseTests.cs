using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Every kind of bad use gives a typed exception naming the stencil, the argument and the value.</summary>
public class MisuseTests
{
    private static FunctionBuilder B => Builder();

    [Fact]
    public void WrongNumberOfValuesHolesOrTargets()
    {
        var b = B;
        var add = TestStencils.Add;
        var e = Assert.Throws<StencilEmitException>(() => b.Emit(add, [R0], [R1]));
        Assert.Equal("Add", e.Stencil);
        Assert.Equal("inputs", e.Argument);
        Assert.Contains("takes 2 inputs, but 1 were given", e.Message);
        Assert.Contains("long Add(long a, long b)", e.Message);

        e = Assert.Throws<StencilEmitException>(() => b.Emit(add, [R0, R1], [R1, R2]));
        Assert.Equal("outputs", e.Argument);
        e = Assert.Throws<StencilEmitException>(() => b.Emit(TestStencils.Const, default, [R1]));
        Assert.Equal("holes", e.Argument);
        Assert.Contains("takes 1 holes, but 0 were given", e.Message);
        e = Assert.Throws<StencilEmitException>(() => b.Emit(TestStencils.JumpIfZero, [R1], default));
        Assert.Equal("targets", e.Argument);
        Assert.Equal(0, b.CodeSize); // nothing was emitted
    }

    [Fact]
    public void RegisterOutsideTheLibrary()
    {
        var b = B;
        var e = Assert.Throws<StencilEmitException>(() => b.Emit(TestStencils.Add, [R0, Location.Register(3)], [R1]));
        Assert.Equal("inputs[1]", e.Argument);
        Assert.Contains("r3", e.Message);
        Assert.Contains("Add", e.Message);
        Assert.Contains("r0..r2", e.Message);
        e = Assert.Throws<StencilEmitException>(() => b.Move(R0, Location.Register(Location.MaxRegisters - 1)));
        Assert.Equal("outputs[0]", e.Argument);
        e = Assert.Throws<StencilEmitException>(() => b.Move(Location.Register(5), Location.Register(5)));
        Assert.Equal("from", e.Argument);
    }

    [Fact]
    public void StackSlotBeyondTheLimit()
    {
        var b = B;
        // Location.Stack rejects the slot before it can reach the builder (LocationAndBlockTests); the builder still
        // accepts the last one.
        Assert.Throws<ArgumentOutOfRangeException>(() => new TestEmitter(b).Const(1, S(FunctionBuilder.MaxStackSlots)));
        Assert.Throws<ArgumentOutOfRangeException>(() => S(-1));
        Assert.Equal(0, b.FrameSlots);
        new TestEmitter(b).Const(1, S(FunctionBuilder.MaxStackSlots - 1));
        Assert.Equal(FunctionBuilder.MaxStackSlots, b.FrameSlots);
    }

    [Fact]
    public void FamilyOfAnotherLibrary()
    {
        var other = TestStencils.Create("OtherStencils");
        var b = B;
        var e = Assert.Throws<StencilEmitException>(() => b.Emit(other.GetFamily("Return"), [R0], default));
        Assert.Contains("OtherStencils", e.Message);
        Assert.Contains("TestStencils", e.Message);
        Assert.Equal("family", e.Argument);
        Assert.Throws<ArgumentNullException>(() => b.Emit(null!, default, default));
    }

    [Fact]
    public void EntryShimCannotBeEmitted()
    {
        var e = Assert.Throws<StencilEmitException>(() => B.Emit(TestStencils.Library.EntryFamily, default, default, default, default));
        Assert.Contains("__entry", e.Message);
    }

    [Fact]
    public void HoleValueThatFitsNoVariant()
    {
        var b = B;
        var e = Assert.Throws<HoleValueException>(() => new TestEmitter(b).ConstU32(-1, R0));
        Assert.Equal("ConstU32", e.Stencil);
        Assert.Equal(0, e.Hole);
        Assert.Equal(ulong.MaxValue, e.Value);
        Assert.Equal("holes[0]", e.Argument);
        Assert.Contains("0xffffffffffffffff", e.Message);
        Assert.Contains("Abs32", e.Message);
        Assert.Contains("no wide variant", e.Message);

        e = Assert.Throws<HoleValueException>(() => b.Emit(TestStencils.LeaOnly, default, [R0], [5UL]));
        Assert.Contains("not a call or jmp", e.Message);
        Assert.Equal(0, b.CodeSize);
    }

    [Fact]
    public void HoleValueWiderThanItsType()
    {
        var e = Assert.Throws<HoleValueException>(() => B.Emit(TestStencils.AddImm8, [R0], [R0], [0x100UL]));
        Assert.Contains("8 bits", e.Message);
        Assert.Contains("0x100", e.Message);
        Assert.Equal(0x100UL, e.Value);
    }

    [Fact]
    public void MissingVariant()
    {
        var b = B;
        var e = Assert.Throws<MissingVariantException>(() => new TestEmitter(b).Pair(R0, R1, R1));
        Assert.Equal("Pair", e.Stencil);
        Assert.Equal("[r0 -> r1, r1]", e.Locations);
        Assert.Contains("Pair", e.Message);
        Assert.Contains("[r0 -> r1, r1]", e.Message);
        new TestEmitter(b).Pair(R0, S(1), S(1)); // two stack outputs may share a slot (a variant exists)
    }

    [Fact]
    public void UseAfterCompile()
    {
        var b = B;
        var block = b.NewBlock();
        new TestEmitter(b).ReturnConst(1);
        using var f = b.Compile();
        Assert.True(b.IsCompiled);
        Assert.Contains("already compiled", Assert.Throws<StencilEmitException>(() => new TestEmitter(b).ReturnConst(1)).Message);
        Assert.Throws<StencilEmitException>(() => b.Compile());
        Assert.Throws<StencilEmitException>(() => b.NewBlock());
        Assert.Throws<StencilEmitException>(() => b.StartBlock(block));
        Assert.Throws<StencilEmitException>(() => b.Jump(block));
        Assert.Throws<StencilEmitException>(() => b.Move(R0, R0));
    }

    [Fact]
    public void BlockOfAnotherBuilderOrDefault()
    {
        var b = B;
        var foreign = B.NewBlock();
        var e = Assert.Throws<StencilEmitException>(() => new TestEmitter(b).JumpIfZero(R0, foreign));
        Assert.Equal("targets[0]", e.Argument);
        Assert.Contains("another builder", e.Message);
        Assert.Contains("JumpIfZero", e.Message);
        e = Assert.Throws<StencilEmitException>(() => b.StartBlock(foreign));
        Assert.Equal("block", e.Argument);
        e = Assert.Throws<StencilEmitException>(() => b.Jump(default));
        Assert.Contains("default(Block)", e.Message);
    }

    [Fact]
    public void BlockStartedTwice()
    {
        var b = B;
        var block = b.NewBlock();
        b.StartBlock(block);
        Assert.Contains("B0 was already started", Assert.Throws<StencilEmitException>(() => b.StartBlock(block)).Message);
    }

    [Fact]
    public void TargetNeverStartedIsReportedAndCanBeFixed()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        b.NewBlock();
        var missing = b.NewBlock();
        e.JumpIfZero(R0, missing);
        e.Return(R0);
        var error = Assert.Throws<FunctionCompileException>(() => b.Compile());
        Assert.Equal(missing, error.Block);
        Assert.Equal("JumpIfZero", error.Stencil);
        Assert.Contains("B1", error.Message);
        Assert.Contains("JumpIfZero", error.Message);
        Assert.Contains("never started", error.Message);

        // The builder is unchanged by the failed Compile: start the block and compile again.
        b.StartBlock(missing);
        e.ReturnConst(-1);
        using var f = b.Compile();
        Assert.Equal(-1, f.Invoke(0));
        Assert.Equal(3, f.Invoke(3));
    }

    [Fact]
    public void TrailingJumpToANeverStartedBlock()
    {
        var b = B;
        var missing = b.NewBlock();
        b.Jump(missing);
        var error = Assert.Throws<FunctionCompileException>(() => b.Compile());
        Assert.Equal(missing, error.Block);
        Assert.Contains("__jump", error.Message);
    }

    [Fact]
    public void CodeThatRunsOffTheEnd()
    {
        var b = B;
        new TestEmitter(b).Const(1, R0);
        var error = Assert.Throws<FunctionCompileException>(() => b.Compile());
        Assert.Contains("runs off the end", error.Message);
        Assert.Equal("Const", error.Stencil);
        new TestEmitter(b).Return(R0); // fixable
        using var f = b.Compile();
        Assert.Equal(1, f.Invoke());
    }

    [Fact]
    public void JumpToAnEmptyBlockAtTheEnd()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var end = b.NewBlock();
        e.JumpIfZero(R0, end);
        e.Return(R0);
        b.StartBlock(end);
        var error = Assert.Throws<FunctionCompileException>(() => b.Compile());
        Assert.Equal(end, error.Block);
        Assert.Contains("very end", error.Message);

        var b2 = B;
        var end2 = b2.NewBlock();
        b2.Jump(end2);
        b2.StartBlock(end2);
        Assert.Throws<FunctionCompileException>(() => b2.Compile());
    }

    [Fact]
    public void EmptyFunction()
    {
        Assert.Contains("no code", Assert.Throws<FunctionCompileException>(() => B.Compile()).Message);
        var b = B;
        b.StartBlock(b.NewBlock());
        Assert.Throws<FunctionCompileException>(() => b.Compile());
    }

    [Fact]
    public void ParameterCountLimits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FunctionBuilder(TestStencils.Library, -1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FunctionBuilder(TestStencils.Library, 4)); // only 3 registers
        Assert.Contains("0 to 3", e.Message);
        Assert.Throws<ArgumentNullException>(() => new FunctionBuilder(null!));
    }

    [Fact]
    public void CodeSizeLimit()
    {
        var b = B;
        b.CodeSizeLimit = 64;
        var e = new TestEmitter(b);
        var error = Assert.Throws<StencilEmitException>(() =>
        {
            for (int i = 0; i < 100; i++) e.Const(1L << 40, R0);
        });
        Assert.Contains("limit of 64 bytes", error.Message);
        Assert.True(b.CodeSize <= 64);
        Assert.Equal(1 << 30, FunctionBuilder.MaxCodeSize);
    }
}
