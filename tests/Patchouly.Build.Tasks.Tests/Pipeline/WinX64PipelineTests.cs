using System.Collections.Generic;
using System.Linq;
using Iced.Intel;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>The same stencils built for win-x64: COFF objects, holes as ADDR32/ADDR64 immediates, the Win64 entry.</summary>
public class WinX64PipelineTests
{
    private static BuiltStencils Built => TestStencils.Build(PipelineTests.Arithmetic, BuildTargets.WinX64);

    private static Patchouly.Build.Tasks.Extract.ExtractedVariant Variant(string family, string locations)
    {
        string prefix = Built.Model.Families.Single(f => f.Name == family).CName;
        return Built.Extracted.Variants.Single(v => v.Symbol == prefix + "__" + locations);
    }

    private static List<Instruction> Decode(byte[] code)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code));
        var list = new List<Instruction>();
        while (decoder.IP < (ulong)code.Length) list.Add(decoder.Decode());
        return list;
    }

    [Fact]
    public void Every_variant_is_compiled_with_only_absolute_immediates_and_rel32_jumps()
    {
        Assert.Equal(Built.Source.Variants.Count, Built.Extracted.Variants.Count);
        foreach (var v in Built.Extracted.Variants)
            Assert.All(v.Relocations, r => Assert.True(r.Kind is RelocationKind.Abs32 or RelocationKind.Abs64 or RelocationKind.Rel32, $"{v.Symbol}: {r}"));
        Assert.Equal(TargetArchitecture.X64, Built.Library.Architecture);
        Assert.Equal("x86_64-pc-windows-msvc", Built.Library.Target);
    }

    [Fact]
    public void Narrow_holes_are_movl_imm32_and_wide_ones_movabs_imm64_never_rip_relative()
    {
        var narrow = Variant("AddConst", "r0__r1");
        var hole = Assert.Single(narrow.Relocations, r => r.Patch == PatchKind.Hole);
        Assert.Equal((RelocationKind.Abs32, 0), (hole.Kind, hole.Addend));
        var wide = Assert.Single(Variant("AddConst", "r0__r1__w").Relocations, r => r.Patch == PatchKind.Hole);
        Assert.Equal((RelocationKind.Abs64, 0), (wide.Kind, wide.Addend));
        foreach (var v in Built.Extracted.Variants)
            Assert.DoesNotContain(v.Relocations, r => r.Patch is PatchKind.Hole or PatchKind.Slot && r.Kind == RelocationKind.Rel32);
        // A host call goes through a register in both variants: no rel32 call to a hole the runtime would need a trampoline for.
        foreach (var call in new[] { Variant("CallHost", "r0__r0"), Variant("CallHost", "r0__r0__w") })
            Assert.Contains(Decode(call.Code), i => i.Mnemonic == Mnemonic.Call && i.Op0Kind == OpKind.Register);
    }

    [Fact]
    public void Register_variants_end_with_a_droppable_jmp_and_use_the_preserve_none_registers()
    {
        var add = Variant("Add", "r0_r1__r2");
        Assert.True(add.Flags.HasFlag(VariantFlags.EndsWithJump));
        var last = add.Relocations[^1];
        Assert.Equal((PatchKind.Next, RelocationKind.Rel32, -4, add.Code.Length - 4), (last.Patch, last.Kind, last.Addend, (int)last.Offset));
        var first = Decode(add.Code)[0];
        Assert.Equal(Register.R15, first.Op0Register); // r2 (R12 holds the frame; r0 = R13, r1 = R14)
        Assert.Equal(["R12", "R13", "R14", "R15"], BuildTargets.WinX64.RegisterNames.Take(4));
    }

    [Fact]
    public void The_entry_is_a_win64_function_that_saves_the_callee_saved_registers_and_probes_its_frame()
    {
        var entry = Built.Extracted.Variants.Single(v => v.Family == 0);
        var code = Decode(entry.Code);
        var pushed = code.Where(i => i.Mnemonic == Mnemonic.Push).Select(i => i.Op0Register).ToHashSet();
        Assert.Superset(new HashSet<Register> { Register.RSI, Register.RDI, Register.R12, Register.R13, Register.R14, Register.R15 }, pushed);
        var savedXmm = code.Where(i => i.Mnemonic is Mnemonic.Movaps or Mnemonic.Movups && i.Op0Kind == OpKind.Memory).Select(i => i.Op1Register).ToHashSet();
        Assert.Equal(Enumerable.Range(6, 10).Select(n => Register.XMM0 + n).ToHashSet(), savedXmm);
        // The arguments arrive in rcx, rdx, r8, r9 (then the stack): r0 <- rcx.
        Assert.Contains(code, i => i.Mnemonic == Mnemonic.Mov && i.Op0Register == Register.R13 && i.Op1Register == Register.RCX);
        // The frame: its size is a narrow immediate; each page is touched before rsp moves below it, and no __chkstk.
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.FrameSize && r.Kind == RelocationKind.Abs32);
        int probe = code.FindIndex(i => i.Mnemonic == Mnemonic.Or && i.Op0Kind == OpKind.Memory && i.MemoryBase == Register.RSP);
        int allocate = code.FindIndex(i => i.Mnemonic == Mnemonic.Sub && i.Op0Register == Register.RSP && i.Op1Kind == OpKind.Register);
        Assert.True(probe >= 0 && allocate > probe, string.Join("\n", code));
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.Target && r.Kind == RelocationKind.Rel32);
    }
}
