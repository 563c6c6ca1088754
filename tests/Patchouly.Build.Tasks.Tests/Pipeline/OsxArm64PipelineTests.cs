using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>The same stencils built for osx-arm64: Mach-O objects, holes as GOT loads, branches as BRANCH26, no x18.</summary>
public class OsxArm64PipelineTests
{
    private static BuiltStencils Built => TestStencils.Build(PipelineTests.Arithmetic, BuildTargets.OsxArm64);

    private static Patchouly.Build.Tasks.Extract.ExtractedVariant Variant(string family, string locations)
    {
        string prefix = Built.Model.Families.Single(f => f.Name == family).CName;
        return Built.Extracted.Variants.Single(v => v.Symbol == prefix + "__" + locations);
    }

    private static uint Word(Patchouly.Build.Tasks.Extract.ExtractedVariant v, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(v.Code.AsSpan(offset));

    [Fact]
    public void Every_variant_is_compiled_with_got_loads_and_branch26_only()
    {
        Assert.Equal(Built.Source.Variants.Count, Built.Extracted.Variants.Count);
        foreach (var v in Built.Extracted.Variants)
        {
            Assert.True(v.Code.Length % 4 == 0, v.Symbol);
            Assert.All(v.Relocations, r => Assert.True(r.Kind is RelocationKind.Arm64Branch26 or RelocationKind.Arm64GotPage21 or RelocationKind.Arm64GotPageOff12, $"{v.Symbol}: {r}"));
            // A GOT load is an adrp and an ldr of the same value (hole, slot or frame size).
            var pages = v.Relocations.Where(r => r.Kind == RelocationKind.Arm64GotPage21).Select(r => (r.Patch, r.Index)).Order().ToList();
            var loads = v.Relocations.Where(r => r.Kind == RelocationKind.Arm64GotPageOff12).Select(r => (r.Patch, r.Index)).Order().ToList();
            Assert.Equal(pages, loads);
        }
        Assert.Equal(TargetArchitecture.Arm64, Built.Library.Architecture);
        Assert.Equal("arm64-apple-macos", Built.Library.Target);
    }

    [Fact]
    public void Narrow_and_wide_variants_are_the_same_got_load()
    {
        var narrow = Variant("AddConst", "r0__r1");
        var wide = Variant("AddConst", "r0__r1__w");
        Assert.Equal(narrow.Code, wide.Code);
        Assert.Equal(narrow.Relocations, wide.Relocations);
        Assert.Equal(0x90000000u, Word(narrow, narrow.Relocations.First(r => r.Kind == RelocationKind.Arm64GotPage21).Offset) & 0x9F000000u);   // adrp
        Assert.Equal(0xF9400000u, Word(narrow, narrow.Relocations.First(r => r.Kind == RelocationKind.Arm64GotPageOff12).Offset) & 0xFFC00000u); // ldr x, [x, #off]
        // A host call through a hole is blr (the value is loaded), never a bl to the hole, in both variants.
        foreach (var call in new[] { Variant("CallHost", "r0__r0"), Variant("CallHost", "r0__r0__w") })
        {
            Assert.DoesNotContain(call.Relocations, r => r.Patch == PatchKind.Hole && r.Kind == RelocationKind.Arm64Branch26);
            Assert.Contains(Enumerable.Range(0, call.Code.Length / 4), i => (Word(call, i * 4) & 0xFFFFFC1Fu) == 0xD63F0000u);
        }
    }

    [Fact]
    public void Register_variants_end_with_a_droppable_b_and_the_entry_calls_the_body_with_bl()
    {
        var add = Variant("Add", "r0_r1__r2");
        Assert.True(add.Flags.HasFlag(VariantFlags.EndsWithJump));
        Assert.Equal(8, add.Code.Length); // add x23, x21, x22; b next
        uint first = Word(add, 0);
        Assert.Equal(23u, first & 31);
        var entry = Built.Extracted.Variants.Single(v => v.Family == 0);
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.Target && r.Kind == RelocationKind.Arm64Branch26 && (Word(entry, r.Offset) & 0xFC000000u) == 0x94000000u);
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.FrameSize && r.Kind == RelocationKind.Arm64GotPage21);
    }

    [Fact]
    public void No_variant_uses_x18()
    {
        // llvm-objdump names every register operand; the platform register must not appear in any stencil.
        string objdump = Path.Combine(Path.GetDirectoryName(Elf.ElfTestSupport.LocateLlvmReadobj())!, Path.GetFileName(Elf.ElfTestSupport.LocateLlvmReadobj()).Replace("readobj", "objdump"));
        Assert.True(File.Exists(objdump), $"{objdump} is needed (llvm-{Patchouly.Build.Tasks.Compile.ClangLocator.Locate().Major})");
        var objects = Directory.GetFiles(Built.Directory, "*.o");
        Assert.NotEmpty(objects);
        foreach (var o in objects)
        {
            var psi = new ProcessStartInfo(objdump) { RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-d");
            psi.ArgumentList.Add("--no-show-raw-insn");
            psi.ArgumentList.Add(o);
            using var p = Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("_f", text);
            var uses = text.Split('\n').Where(l => l.Contains('\t') && Regex.IsMatch(l.Split('\t', 2)[1], @"\b[xw]18\b")).ToList();
            Assert.True(uses.Count == 0, string.Join("\n", uses));
        }
    }
}
