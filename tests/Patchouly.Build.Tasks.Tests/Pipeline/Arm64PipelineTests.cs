using System;
using System.Buffers.Binary;
using System.Linq;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>The same stencils built for linux-arm64: clang's AArch64 code and relocations mapped onto the table format.</summary>
public class Arm64PipelineTests
{
    private static BuiltStencils Built => TestStencils.Build(PipelineTests.Arithmetic, BuildTargets.LinuxArm64);

    private static Patchouly.Build.Tasks.Extract.ExtractedVariant Variant(string family, string locations)
    {
        string prefix = Built.Model.Families.Single(f => f.Name == family).CName;
        return Built.Extracted.Variants.Single(v => v.Symbol == prefix + "__" + locations);
    }

    private static uint Word(Patchouly.Build.Tasks.Extract.ExtractedVariant v, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(v.Code.AsSpan(offset));

    [Fact]
    public void Every_variant_is_compiled_and_uses_only_arm64_relocation_kinds()
    {
        Assert.Equal(Built.Source.Variants.Count, Built.Extracted.Variants.Count);
        foreach (var v in Built.Extracted.Variants)
        {
            Assert.True(v.Code.Length % 4 == 0, $"{v.Symbol} is {v.Code.Length} bytes, not whole instructions");
            Assert.All(v.Relocations, r => Assert.True(RelocationFields.IsInstructionField(r.Kind), $"{v.Symbol}: {r}"));
        }
        Assert.Equal(TargetArchitecture.Arm64, Built.Library.Architecture);
    }

    [Fact]
    public void Register_variants_end_with_a_droppable_b()
    {
        var add = Variant("Add", "r0_r1__r2");
        Assert.True(add.Flags.HasFlag(VariantFlags.EndsWithJump));
        Assert.Equal(8, add.Code.Length); // add x23, x21, x22; b next
        var last = add.Relocations[^1];
        Assert.Equal((PatchKind.Next, RelocationKind.Arm64Branch26, add.Code.Length - 4), (last.Patch, last.Kind, (int)last.Offset));
        Assert.Equal(0x14000000u, Word(add, last.Offset) & 0xFC000000u);
    }

    [Fact]
    public void Narrow_holes_are_a_checked_32_bit_movz_movk_pair_and_wide_ones_four_moves()
    {
        var narrow = Variant("AddConst", "r0__r1").Relocations.Where(r => r.Patch == PatchKind.Hole).Select(r => r.Kind).Order().ToArray();
        Assert.Equal([RelocationKind.Arm64MovwG0Nc, RelocationKind.Arm64MovwG1], narrow);
        var wide = Variant("AddConst", "r0__r1__w").Relocations.Where(r => r.Patch == PatchKind.Hole).Select(r => r.Kind).Order().ToArray();
        Assert.Equal([RelocationKind.Arm64MovwG0Nc, RelocationKind.Arm64MovwG1Nc, RelocationKind.Arm64MovwG2Nc, RelocationKind.Arm64MovwG3], wide);
        // A host call through a wide hole is a register call (blr), never a bl the runtime would need a veneer for.
        var call = Variant("CallHost", "r0__r0__w");
        Assert.DoesNotContain(call.Relocations, r => r.Patch == PatchKind.Hole && r.Kind == RelocationKind.Arm64Branch26);
        Assert.Contains(Enumerable.Range(0, call.Code.Length / 4), i => (Word(call, i * 4) & 0xFFFFFC1Fu) == 0xD63F0000u);
    }

    [Fact]
    public void Stack_values_are_addressed_through_narrow_slot_offsets()
    {
        var v = Variant("Add", "s_s__s");
        var slots = v.Relocations.Where(r => r.Patch == PatchKind.Slot).ToList();
        Assert.Equal([0, 1, 2], slots.Select(r => (int)r.Index).Distinct().Order());
        Assert.All(slots, r => Assert.True(r.Kind is RelocationKind.Arm64MovwG1 or RelocationKind.Arm64MovwG0Nc, r.ToString()));
    }

    [Fact]
    public void Branches_and_the_entry_shim_use_branch26()
    {
        var branch = Variant("Branch", "r0__");
        Assert.Contains(branch.Relocations, r => r.Patch == PatchKind.Target && r.Index == 0 && r.Kind == RelocationKind.Arm64Branch26);
        Assert.Contains(branch.Relocations, r => r.Patch == PatchKind.Target && r.Index == 1 && r.Kind == RelocationKind.Arm64Branch26);
        var entry = Built.Extracted.Variants.Single(v => v.Family == 0);
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.Target && r.Kind == RelocationKind.Arm64Branch26
            && (Word(entry, r.Offset) & 0xFC000000u) == 0x94000000u); // bl body
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.FrameSize && r.Kind == RelocationKind.Arm64MovwG1);
    }

    [Fact]
    public void The_arm64_registers_follow_preserve_none_order()
    {
        // Add r0, r1 -> r2 is "add x23, x21, x22": r0 = x21, r1 = x22, r2 = x23 (x20 holds the frame).
        uint add = Word(Variant("Add", "r0_r1__r2"), 0);
        Assert.Equal(0x8B000000u, add & 0xFF200000u);
        Assert.Equal(23u, add & 31);
        Assert.Equal([21u, 22u], new[] { (add >> 5) & 31, (add >> 16) & 31 }.Order()); // add is commutative: clang picks the order
        Assert.Equal("x21", BuildTargets.LinuxArm64.RegisterNames[1]);
    }
}
