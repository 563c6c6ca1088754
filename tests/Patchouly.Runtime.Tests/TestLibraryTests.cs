using System;
using System.Linq;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.Runtime.Tests;

/// <summary>Checks that the hand-built tables have the shape of generated ones.</summary>
public class TestLibraryTests
{
    private static StencilLibrary Library => TestStencils.Library;

    [Fact]
    public void FamiliesTileTheVariantTable()
    {
        int next = 0;
        foreach (var f in Library.Families)
        {
            Assert.Equal(next, f.FirstVariant);
            next += f.VariantSlots;
        }
        Assert.Equal(Library.Variants.Length, next);
        Assert.Equal(StencilFamilyKind.Entry, Library.EntryFamily.Kind);
        Assert.Equal(1, Library.EntryFamily.NarrowSlots);
        Assert.Equal(16, Library.MoveFamily.NarrowSlots);
        Assert.Equal(64, TestStencils.Add.NarrowSlots);
        Assert.Equal(2, TestStencils.Const.VariantSlots / TestStencils.Const.NarrowSlots);
    }

    [Fact]
    public void TwoOutputsInOneRegisterHaveNoVariant()
    {
        var pair = TestStencils.Pair;
        var variants = Library.Variants.AsSpan(pair.FirstVariant, pair.NarrowSlots).ToArray();
        Assert.Equal(4 * 3, variants.Count(v => !v.Exists)); // any input, both outputs in the same one of 3 registers
    }

    [Fact]
    public void NormalVariantsEndWithADroppableJumpAndReturnsDoNot()
    {
        foreach (var f in new[] { TestStencils.Add, TestStencils.Const, TestStencils.Abs, Library.MoveFamily, Library.JumpFamily, TestStencils.BranchLess })
            for (int i = 0; i < f.VariantSlots; i++)
            {
                var v = Library.Variants[f.FirstVariant + i];
                if (v.Exists) Assert.True(v.Flags.HasFlag(VariantFlags.EndsWithJump), $"{f.Name} variant {i}");
            }
        Assert.False(Library.Variants[TestStencils.Return.FirstVariant].Flags.HasFlag(VariantFlags.EndsWithJump));
    }

    [Fact]
    public void NarrowStackConstantHasSlotAndHoleInOneInstruction()
    {
        // Const with its output on the stack (code 3): mov qword [r12+slot], imm32.
        var v = Library.Variants[TestStencils.Const.FirstVariant + 3];
        var relocations = Library.RelocationsOf(v).ToArray();
        Assert.Equal(3, relocations.Length);
        Assert.Equal(PatchKind.Slot, relocations[0].Patch);
        Assert.Equal(PatchKind.Hole, relocations[1].Patch);
        Assert.Equal(RelocationKind.Abs32S, relocations[1].Kind);
        Assert.Equal(PatchKind.Next, relocations[2].Patch);
    }
}
