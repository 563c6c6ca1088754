using System;
using System.Buffers.Binary;
using System.Linq;
using Patchouly.Build.Tasks.MachO;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Build.Tasks.Targets.OsxArm64;
using Patchouly.Build.Tasks.Tests.ObjectFiles;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.MachO;

/// <summary>The Mach-O reader's view of clang's objects, the neutral view (C names, sizes, explicit addends) and the
/// osx-arm64 relocation mapping.</summary>
public sealed class MachOReaderTests
{
    [Fact]
    public void Functions_share_the_text_section_and_end_where_the_next_symbol_starts()
    {
        var macho = MachOObject.Read(MachOTestSupport.Objects, "objects.o");
        Assert.Equal(MachOCpuType.Arm64, macho.CpuType);
        var view = macho.ToObjectFile();
        Assert.Equal((ObjectFormat.MachO, TargetArchitecture.Arm64, "CPU_TYPE_ARM64"), (view.Format, view.Architecture, view.MachineName));
        var text = view.Sections.Single(s => s.Name == "__TEXT,__text");
        Assert.True(text.IsExecutable);
        var functions = view.DefinedFunctions.OrderBy(f => f.Value).ToList();
        // C names (no underscore); the assembler's ltmp labels are not functions.
        Assert.Equal(["add_narrow", "add_wide", "call_indirect", "helper", "string_and_data", "switch_table"], functions.Select(f => f.Name).Order());
        for (int i = 0; i < functions.Count; i++)
        {
            Assert.Same(text, functions[i].Section);
            ulong end = i + 1 < functions.Count ? functions[i + 1].Value : (ulong)text.Data.Length;
            Assert.Equal(end - functions[i].Value, functions[i].Size);
            Assert.Equal(0UL, functions[i].Size % 4);
        }
        Assert.Contains(view.Symbols, s => s.Name == "patchouly_next" && !s.IsDefined);
        Assert.Contains(view.Symbols, s => s.Name == "maybe" && !s.IsDefined);
    }

    [Fact]
    public void Holes_are_got_loads_and_tail_calls_branch26()
    {
        var view = MachOObjectFile.Read(MachOTestSupport.Objects, "objects.o");
        var add = view.DefinedFunctions.Single(f => f.Name == "add_narrow");
        var relocations = view.RelocationsFor(add.Section!).Where(r => r.Offset >= add.Value && r.Offset < add.Value + add.Size).OrderBy(r => r.Offset).ToList();
        Assert.Equal(["ARM64_RELOC_GOT_LOAD_PAGE21 H0", "ARM64_RELOC_GOT_LOAD_PAGEOFF12 H0", "ARM64_RELOC_BRANCH26 patchouly_next"],
            relocations.Select(r => r.TypeName + " " + r.Symbol.Name));
        Assert.Equal([RelocationKind.Arm64GotPage21, RelocationKind.Arm64GotPageOff12, RelocationKind.Arm64Branch26],
            relocations.Select(r => OsxArm64Target.Instance.MapRelocation(r)!.Value.Kind));
    }

    [Fact]
    public void Addend_pairs_implicit_branch_addends_and_unsigned_data_become_explicit_and_the_fields_are_cleared()
    {
        byte[] obj = ObjectTestSupport.Compile(MachOTestSupport.AddendSource, MachOTestSupport.Triple, MachOTestSupport.StencilFlags);
        var macho = MachOObject.Read(obj, "addends.o");
        Assert.Contains(macho.RelocationsFor(macho.Sections[0]), r => r.Type == Arm64MachORelocations.Addend);
        var view = macho.ToObjectFile();
        var text = view.Sections.Single(s => s.Name == "__TEXT,__text");
        var r = view.RelocationsFor(text).ToDictionary(x => x.TypeName + " " + x.Symbol.Name + " @" + x.Offset);
        Assert.DoesNotContain(r.Keys, k => k.StartsWith("ARM64_RELOC_ADDEND"));
        var page = r.Single(kv => kv.Key.StartsWith("ARM64_RELOC_PAGE21 big")).Value;
        var off = r.Single(kv => kv.Key.StartsWith("ARM64_RELOC_PAGEOFF12 big")).Value;
        var call = r.Single(kv => kv.Key.StartsWith("ARM64_RELOC_BRANCH26 callee") && kv.Value.Addend != 0).Value;
        var jump = r.Single(kv => kv.Key.StartsWith("ARM64_RELOC_BRANCH26 callee") && kv.Value.Addend == 0).Value;
        Assert.Equal((16L, 16L, 8L), (page.Addend, off.Addend, call.Addend));
        Assert.Equal(new MappedRelocation(RelocationKind.Arm64Page21, 16), OsxArm64Target.Instance.MapRelocation(page));
        Assert.Equal(new MappedRelocation(RelocationKind.Arm64PageOff12, 16), OsxArm64Target.Instance.MapRelocation(off));
        Assert.Equal(new MappedRelocation(RelocationKind.Arm64Branch26, 8), OsxArm64Target.Instance.MapRelocation(call));
        Assert.Equal(new MappedRelocation(RelocationKind.Arm64Branch26, 0), OsxArm64Target.Instance.MapRelocation(jump));
        foreach (var x in new[] { page, off, call, jump })
        {
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(text.Data.Span.Slice((int)x.Offset));
            uint field = x.TypeName.EndsWith("PAGE21") ? 0x60FFFFE0u : x.TypeName.EndsWith("PAGEOFF12") ? 0x003FFC00u : 0x03FFFFFFu;
            Assert.Equal(0u, word & field);
        }
        var got = view.RelocationsFor(text).Where(x => x.Symbol.Name == "got").Select(x => OsxArm64Target.Instance.MapRelocation(x)!.Value.Kind).Order();
        Assert.Equal([RelocationKind.Arm64GotPage21, RelocationKind.Arm64GotPageOff12], got);

        var data = view.Sections.Single(s => s.Name == "__DATA,__data");
        var pointers = view.RelocationsFor(data).OrderBy(x => x.Offset).ToList();
        Assert.Equal([24L, -8L], pointers.Select(x => x.Addend));
        Assert.All(pointers, x => Assert.Equal(new MappedRelocation(RelocationKind.Abs64, x.Addend), OsxArm64Target.Instance.MapRelocation(x)));
        Assert.True(data.Data.Span.IndexOfAnyExcept((byte)0) < 0, "the pointers' addends are moved out of the data");
    }

    [Theory]
    [InlineData(Arm64MachORelocations.Subtractor, 8)]
    [InlineData(Arm64MachORelocations.Unsigned, 4)]
    [InlineData(Arm64MachORelocations.TlvpLoadPage21, 4)]
    [InlineData(Arm64MachORelocations.PointerToGot, 4)]
    public void Differences_32_bit_pointers_and_thread_locals_are_not_mapped(uint type, int width)
    {
        var symbol = new ObjectSymbol("s", ObjectSymbolKind.Data, false, null, 0, 0);
        Assert.Null(OsxArm64Target.Instance.MapRelocation(new ObjectRelocation(0, type, Arm64MachORelocations.Name(type), symbol, 0, width)));
    }
}
