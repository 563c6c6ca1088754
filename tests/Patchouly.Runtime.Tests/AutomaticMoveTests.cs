using System;
using System.Linq;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Emitting through scratch registers when the tables have no variant for the requested locations.</summary>
public class AutomaticMoveTests
{
    /// <summary>Tables without stack variants for any stencil except the built-in move (which needs them).</summary>
    private static readonly StencilLibrary s_noStack = TestStencils.Create("NoStackStencils",
        (family, codes, _) => !family.StartsWith("__", StringComparison.Ordinal) && codes.Contains(TestStencils.Registers));

    private static StencilFamily F(string name) => s_noStack.GetFamily(name);

    private static FunctionBuilder NoStackBuilder(int parameters, params Location[] scratch) =>
        new(s_noStack, parameters) { ScratchRegisters = scratch };

    [Fact]
    public void TheTablesReallyLackStackVariants()
    {
        var add = F("Add");
        int stackCode = TestStencils.Registers, l = stackCode + 1;
        Assert.False(s_noStack.Variants[add.FirstVariant + (stackCode * l + 0) * l + 1].Exists); // [s, r0 -> r1]
        Assert.True(s_noStack.Variants[add.FirstVariant + (2 * l + 0) * l + 1].Exists);          // [r2, r0 -> r1]
        Assert.True(s_noStack.Variants[s_noStack.MoveFamily.FirstVariant + stackCode * l + 0].Exists);
    }

    [Fact]
    public void WithoutScratchRegistersTheErrorSaysHowToReserveOne()
    {
        var b = new FunctionBuilder(s_noStack, 1);
        var e = Assert.Throws<MissingVariantException>(() => b.Emit(F("Add"), [S(0), R0], [R1]));
        Assert.Equal("Add", e.Stencil);
        Assert.Equal("[s0, r0 -> r1]", e.Locations);
        Assert.Contains("Stencil Add has no variant for locations [s0, r0 -> r1]", e.Message);
        Assert.Contains("ScratchRegisters", e.Message);
        Assert.Contains("Location.Register", e.Message);
        Assert.Equal(0, b.CodeSize);
    }

    [Fact]
    public void StackValuesAreMovedThroughAScratchRegister()
    {
        // s0 = 5; s1 = s0 + r0; return s1 — every stack use goes through r2.
        var b = NoStackBuilder(1, R2);
        b.Emit(F("Const"), default, [S(0)], [5UL]);
        b.Emit(F("Add"), [S(0), R0], [S(1)]);
        b.Emit(F("Return"), [S(1)], default);
        Assert.Equal(2, b.FrameSlots);
        using var f = b.Compile();
        Assert.Equal(12, f.Invoke(7));
        Assert.Equal(-5, f.Invoke(-10));

        string text = f.Disassemble();
        string[] stencils = text.Split('\n').Where(l => l.StartsWith("; ", StringComparison.Ordinal) && !l.StartsWith("; entry", StringComparison.Ordinal))
            .Select(l => l.Replace(" (trailing jump dropped)", "", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
        [
            "; Const [-> r2] narrow", "; __move [r2 -> s0] narrow",             // output moved out
            "; __move [s0 -> r2] narrow", "; Add [r2, r0 -> r2] narrow",         // input moved in; output shares r2
            "; __move [r2 -> s1] narrow",
            "; __move [s1 -> r2] narrow", "; Return [r2] narrow",
        ], stencils);
    }

    [Fact]
    public void TwoStackInputsNeedTwoScratchRegistersOrShareOneWhenTheyAreTheSame()
    {
        var one = NoStackBuilder(1, R2);
        one.Move(R0, S(0));
        one.Move(R0, S(1));
        int before = one.CodeSize;
        var e = Assert.Throws<MissingVariantException>(() => one.Emit(F("Add"), [S(0), S(1)], [R0]));
        Assert.Contains("scratch registers [r2]", e.Message);
        Assert.Equal(before, one.CodeSize); // nothing was emitted
        one.Emit(F("Add"), [S(0), S(0)], [R0]); // one move serves both inputs
        one.Emit(F("Return"), [R0], default);
        using (var f = one.Compile()) Assert.Equal(18, f.Invoke(9));

        var two = NoStackBuilder(1, R1, R2);
        two.Move(R0, S(0));
        two.Emit(F("AddImm8"), [R0], [S(1)], [3UL]);
        two.Emit(F("Add"), [S(0), S(1)], [R0]);
        two.Emit(F("Return"), [R0], default);
        using (var f = two.Compile()) Assert.Equal(9 + 12, f.Invoke(9));
    }

    [Fact]
    public void WideHolesAndTargetsWorkThroughMoves()
    {
        var b = NoStackBuilder(1, R2);
        var zero = b.NewBlock();
        b.Move(R0, S(3));
        b.Emit(F("JumpIfZero"), [S(3)], default, default, [zero]);   // input moved in, then the branch
        b.Emit(F("AddImm"), [S(3)], [S(4)], [1UL << 40]);           // wide, in and out through r2
        b.Emit(F("Return"), [S(4)], default);
        b.StartBlock(zero);
        b.Emit(F("ReturnConst"), default, default, [99UL]);
        using var f = b.Compile();
        Assert.Equal((1L << 40) + 2, f.Invoke(2));
        Assert.Equal(99, f.Invoke(0));
        Assert.Contains("; AddImm [r2 -> r2] wide", f.Disassemble());
    }

    [Fact]
    public void TwoOutputsInOneRegisterGoThroughAScratchRegister()
    {
        var b = Builder(1);
        b.ScratchRegisters = [R2];
        new TestEmitter(b).Pair(R0, R1, R1); // the later output wins, as with two outputs in one stack slot
        new TestEmitter(b).Return(R1);
        using var f = b.Compile();
        Assert.Equal(8, f.Invoke(7));
        Assert.Contains("; Pair [r0 -> r1, r2] narrow", f.Disassemble());
    }

    [Fact]
    public void AScratchRegisterTheStencilUsesItselfIsNotUsed()
    {
        var b = NoStackBuilder(1, R2);
        var e = Assert.Throws<MissingVariantException>(() => b.Emit(F("Add"), [S(0), R2], [R1]));
        Assert.Contains("[s0, r2 -> r1]", e.Message);
        Assert.Equal(0, b.CodeSize);
    }

    [Fact]
    public void MovesCountTowardsTheCodeSizeLimitBeforeAnythingIsEmitted()
    {
        var b = NoStackBuilder(1, R2);
        b.Emit(F("Const"), default, [R1], [1UL]);
        int size = b.CodeSize;
        b.CodeSizeLimit = size + VariantLength(TestStencils.Add, R2, R0, R2); // room for Add, not for the moves around it
        var e = Assert.Throws<StencilEmitException>(() => b.Emit(F("Add"), [S(0), R0], [S(1)]));
        Assert.Contains("limit", e.Message);
        Assert.Equal(size, b.CodeSize);
    }

    [Fact]
    public void ScratchRegistersAreValidated()
    {
        var b = Builder(1);
        Assert.Empty(b.ScratchRegisters);
        var e = Assert.Throws<ArgumentException>(() => b.ScratchRegisters = [S(0)]);
        Assert.Contains("ScratchRegisters[0] is s0, a stack slot", e.Message);
        e = Assert.Throws<ArgumentException>(() => b.ScratchRegisters = [R2, Location.Register(3)]);
        Assert.Contains("ScratchRegisters[1] is r3", e.Message);
        Assert.Contains("r0..r2", e.Message);
        e = Assert.Throws<ArgumentException>(() => b.ScratchRegisters = [R0]);
        Assert.Contains("parameter 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => b.ScratchRegisters = [R2, R2]);
        Assert.Contains("already reserved", e.Message);
        Assert.Throws<ArgumentNullException>(() => b.ScratchRegisters = null!);
        Assert.Empty(b.ScratchRegisters); // unchanged by the failures

        b.ScratchRegisters = [R2, R1];
        Assert.Equal([R2, R1], b.ScratchRegisters);
        new TestEmitter(b).ReturnConst(0);
        using var f = b.Compile();
        Assert.Throws<StencilEmitException>(() => b.ScratchRegisters = []);
    }

    [Fact]
    public void AnAllocatorForTheBuilderSkipsItsScratchRegisters()
    {
        var b = NoStackBuilder(0, R1);
        var allocator = RegisterAllocator.For(b);
        Assert.True(allocator.IsReserved(R1));
        Assert.Equal(R0, allocator.Allocate());
        Assert.Equal(R2, allocator.Allocate());
        Assert.Equal(S(0), allocator.Allocate());
    }

    [Fact]
    public void EmittingWithMovesDoesNotAllocate()
    {
        var b = NoStackBuilder(1, R2);
        for (int round = 0; round < 3; round++)
        {
            b.Reset();
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                b.Emit(F("Const"), default, [S(i % 5)], [(ulong)i]);
                b.Emit(F("Add"), [S(i % 5), R0], [S(i % 3)]);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - start;
            if (round == 2) Assert.Equal(0, allocated);
        }
    }
}
