using Iced.Intel;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tables.StencilFamilyKind;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Tables the runtime cannot patch correctly are reported, not silently mis-patched.</summary>
public class CorruptTablesTests
{
    private static TestLibraryBuilder Basics()
    {
        var b = new TestLibraryBuilder(2);
        b.Add(new("__entry", Entry, 0, 0, [], 1, false, "", TestLibraryBuilder.EntryShim));
        b.Add(new("__move", Move, 1, 1, [], 0, false, "", c => c.Asm.JumpNext()));
        b.Add(new("__jump", Jump, 0, 0, [], 1, false, "", c => c.Asm.JumpTarget(0)));
        return b;
    }

    [Fact]
    public void SlotRelocationBeyondTheStackValues()
    {
        var b = Basics();
        b.Add(new("BadSlot", Normal, 1, 0, [], 0, false, "void BadSlot(long a)", c =>
        {
            c.Asm.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RAX, new MemoryOperand(Register.R12, VariantAssembler.Placeholder32, 8)));
            c.Asm.OnDisplacement(RelocationKind.Abs32S, PatchKind.Slot, 3);
            c.Asm.JumpNext();
        }));
        var builder = new FunctionBuilder(b.Build("Corrupt"));
        var e = Assert.Throws<StencilTablesException>(() => builder.Emit(builder.Library.GetFamily("BadSlot"), [R0], default));
        Assert.Contains("BadSlot", e.Message);
        Assert.Contains("stack value 3", e.Message);
        Assert.Equal(0, builder.CodeSize);
    }

    [Fact]
    public void VariantsClaimedByTwoFamiliesAreRefused()
    {
        var b = Basics();
        b.Add(new("Neg", Normal, 1, 1, [], 0, false, "long Neg(long a)", c =>
        {
            c.Load(0, Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Neg_rm64, Register.RAX));
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.AddAlias("AlsoNeg", "Neg");
        var library = b.Build("Overlapping");
        var builder = new FunctionBuilder(library);
        var e = Assert.Throws<StencilTablesException>(() => builder.Emit(library.GetFamily("AlsoNeg"), [R0], [R1]));
        Assert.Contains("AlsoNeg", e.Message);
        Assert.Contains("shared with another family", e.Message);
        Assert.Equal(0, builder.CodeSize);
        // The built-ins are unaffected.
        builder.Move(R0, R1);
    }

    [Fact]
    public void EntryShimThatDoesNotCallTheBody()
    {
        var b = new TestLibraryBuilder(2);
        b.Add(new("__entry", Entry, 0, 0, [], 1, false, "", c => c.Asm.Add(Instruction.Create(Code.Retnq))));
        b.Add(new("__move", Move, 1, 1, [], 0, false, "", c => c.Asm.JumpNext()));
        b.Add(new("__jump", Jump, 0, 0, [], 1, false, "", c => c.Asm.JumpTarget(0)));
        var library = b.Build("NoBody");
        Assert.Contains("does not call the function body", Assert.Throws<StencilTablesException>(() => new FunctionBuilder(library)).Message);
    }
}
