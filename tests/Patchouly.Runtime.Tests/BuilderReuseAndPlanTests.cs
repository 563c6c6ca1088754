using System;
using System.Linq;
using Iced.Intel;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tables.StencilFamilyKind;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary><see cref="FunctionBuilder.Reset"/>, and what the per-library plan checks once.</summary>
public class BuilderReuseAndPlanTests
{
    [Fact]
    public void ResetStartsAnEmptyFunction()
    {
        var b = Builder(1);
        b.Name = "reused";
        b.ScratchRegisters = [R2];
        var old = b.NewBlock();
        new TestEmitter(b).Const(1, S(4));
        b.Reset();
        Assert.Equal(0, b.CodeSize);
        Assert.Equal(0, b.FrameSlots);
        Assert.Equal("reused", b.Name);
        Assert.Equal([R2], b.ScratchRegisters);
        var e = Assert.Throws<StencilEmitException>(() => b.StartBlock(old));
        Assert.Contains("before Reset", e.Message);
        new TestEmitter(b).AddImm8(R0, 2, R0);
        new TestEmitter(b).Return(R0);
        using var f = b.Compile();
        Assert.Equal(0, f.FrameSlots);
        Assert.Equal(5, f.Invoke(3));
        Assert.Equal("reused", f.Name);
    }

    [Fact]
    public void ABuilderCanBeResetAfterCompileAndReused()
    {
        var b = Builder(1);
        new TestEmitter(b).AddImm8(R0, 1, R0);
        new TestEmitter(b).Return(R0);
        using var first = b.Compile();
        Assert.True(b.IsCompiled);
        b.Reset();
        Assert.False(b.IsCompiled);
        new TestEmitter(b).AddImm8(R0, 2, R0);
        new TestEmitter(b).Return(R0);
        using var second = b.Compile();
        Assert.Equal(11, first.Invoke(10));
        Assert.Equal(12, second.Invoke(10));
    }

    /// <summary>A library whose "Peek" stencil reads its stack input through a disp8 field (Abs8): slots 0..15 only.</summary>
    private static StencilLibrary ByteSlotLibrary()
    {
        var b = new TestLibraryBuilder(2);
        b.Add(new("__entry", Entry, 0, 0, [], 1, false, "", TestLibraryBuilder.EntryShim));
        b.Add(new("__move", Move, 1, 1, [], 0, false, "", c => c.Asm.JumpNext()));
        b.Add(new("__jump", Jump, 0, 0, [], 1, false, "", c => c.Asm.JumpTarget(0)));
        b.Add(new("Peek", StencilFamilyKind.Return, 1, 0, [], 0, false, "long Peek(long a)", c =>
        {
            if (c.IsStack(0))
            {
                c.Asm.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RAX, new MemoryOperand(Register.R12, 0x11, 1)));
                c.Asm.OnDisplacement(RelocationKind.Abs8, PatchKind.Slot, 0);
            }
            else c.Asm.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RAX, c.Reg(0)));
            c.Asm.Add(Instruction.Create(Code.Retnq));
        }));
        return b.Build("ByteSlots");
    }

    [Fact]
    public void AStackSlotBeyondTheReachOfAVariantsFieldIsRefused()
    {
        var library = ByteSlotLibrary();
        var peek = library.GetFamily("Peek");
        var b = new FunctionBuilder(library);
        b.Emit(peek, [S(15)], default); // byte offset 120 fits a signed disp8
        var e = Assert.Throws<StencilEmitException>(() => b.Emit(peek, [S(16)], default));
        Assert.Equal("Peek", e.Stencil);
        Assert.Equal("inputs[0]", e.Argument);
        Assert.Contains("s16", e.Message);
        Assert.Contains("reach only s0..s15", e.Message);
        Assert.Equal(16, b.FrameSlots); // unchanged by the refused emit
    }

    [Fact]
    public void TheLibraryPlanIsBuiltOnceAndShared()
    {
        var library = TestStencils.Create("Planned");
        Assert.Same(library.Plan, library.Plan);
        var plan = library.Plan;
        Assert.Equal(library.Variants.Length, plan.VariantCount);
        // Every existing variant of Add ends with a droppable jump, which is kept out of the step count.
        var add = library.GetFamily("Add");
        for (int i = 0; i < add.VariantSlots; i++)
        {
            var v = plan.Variant(add.FirstVariant + i);
            Assert.True(v.IsReady);
            Assert.True((v.Flags & Internal.PlanFlags.HasTail) != 0);
            Assert.Equal(library.Variants[add.FirstVariant + i].RelocationCount - 1, v.StepCount);
        }
        Assert.True((plan.Variant(library.GetFamily("LeaOnly").FirstVariant).Flags & Internal.PlanFlags.NeverFits) != 0);
        // The record holds the variant's code, after its steps and checks.
        int first = add.FirstVariant;
        Assert.Equal(library.CodeOf(library.Variants[first]).ToArray(),
            plan.Blob.AsSpan(plan.Offsets[first] + plan.Variant(first).CodeStart, plan.Variant(first).Length).ToArray());
        Assert.Equal(library.Variants[first].RelocationCount, plan.StepsOf(first).Length);
    }
}
