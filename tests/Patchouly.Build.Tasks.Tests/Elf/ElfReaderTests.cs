using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Targets.LinuxX64;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.Elf;

/// <summary>Concrete facts about clang's output for TestData/stencils.c, both the checked-in object and a fresh compile.</summary>
public sealed class ElfReaderTests
{
    public static TheoryData<string> Objects => new() { "fixed", "compiled" };

    private static ElfObject Read(string which) => ElfObject.Read(ElfTestSupport.Stencils(which), "stencils.o");

    private static ElfSymbol Symbol(ElfObject obj, string name) =>
        obj.FindSymbol(name) ?? throw new Xunit.Sdk.XunitException($"no symbol {name}");

    private static ElfSection Section(ElfObject obj, string name) =>
        obj.FindSection(name) ?? throw new Xunit.Sdk.XunitException($"no section {name}");

    [Theory, MemberData(nameof(Objects))]
    public void HeaderAndTables(string which)
    {
        var obj = Read(which);
        Assert.Equal(ElfMachine.X86_64, obj.Machine);
        Assert.Equal(ElfFileType.Relocatable, obj.Type);
        Assert.Equal("stencils.o", obj.FileName);
        Assert.Equal(ElfSectionType.Null, obj.Sections[0].Type);
        Assert.Equal(ElfSectionType.SymTab, obj.SymbolTable!.Type);
        Assert.Equal(ElfSectionType.StrTab, obj.Sections[(int)obj.SymbolTable.Link].Type);
        Assert.Equal(ElfSectionType.LlvmAddrsig, Section(obj, ".llvm_addrsig").Type);
        Assert.Null(obj.FindSection(".no.such.section"));
        Assert.Null(obj.FindSymbol("no_such_symbol"));
        for (int i = 0; i < obj.Sections.Count; i++) Assert.Equal(i, obj.Sections[i].Index);
        for (int i = 0; i < obj.Symbols.Count; i++) Assert.Equal(i, obj.Symbols[i].Index);

        var nul = obj.Symbols[0];
        Assert.Equal("", nul.Name);
        Assert.True(nul.IsUndefined);
        var file = obj.Symbols.Single(s => s.Type == ElfSymbolType.File);
        Assert.Equal("stencils.c", file.Name);
        Assert.True(file.IsAbsolute);
    }

    [Theory, MemberData(nameof(Objects))]
    public void EachFunctionHasItsOwnSectionAndEndsWithATailCallToNext(string which)
    {
        var obj = Read(which);
        foreach (var fn in ElfTestSupport.StencilFunctions)
        {
            var text = Section(obj, ".text." + fn);
            Assert.Equal(ElfSectionType.ProgBits, text.Type);
            Assert.Equal(ElfSectionFlags.Alloc | ElfSectionFlags.ExecInstr, text.Flags);
            Assert.Equal((ulong)text.Size, (ulong)obj.GetSectionData(text).Length);

            var sym = Symbol(obj, fn);
            Assert.Equal(ElfSymbolType.Function, sym.Type);
            Assert.Equal(ElfSymbolBinding.Global, sym.Binding);
            Assert.Same(text, sym.Section);
            Assert.Equal(0UL, sym.Value);
            Assert.Equal(text.Size, sym.Size);

            var last = obj.RelocationsFor(text).MaxBy(r => r.Offset)!;
            Assert.Equal(X86_64RelocationType.Plt32, last.X86_64Type);
            Assert.Equal("R_X86_64_PLT32", obj.RelocationTypeName(last));
            Assert.Equal("patchouly_next", last.Symbol.Name);
            Assert.Equal(-4, last.Addend);
            Assert.Equal(text.Size - 4, last.Offset);
            Assert.Equal(0xE9, obj.GetSectionData(text)[(int)text.Size - 5]); // jmp rel32
        }
    }

    [Theory, MemberData(nameof(Objects))]
    public void HolesAreUndefinedWeakHiddenAndGetAbsoluteRelocations(string which)
    {
        var obj = Read(which);
        foreach (var name in new[] { "H0", "W0", "W1", "patchouly_next", "patchouly_other" })
        {
            var sym = Symbol(obj, name);
            Assert.True(sym.IsUndefined, name);
            Assert.Null(sym.Section);
            Assert.Equal(ElfSymbolType.NoType, sym.Type);
        }
        foreach (var name in new[] { "H0", "W0", "W1" })
        {
            Assert.Equal(ElfSymbolBinding.Weak, Symbol(obj, name).Binding);
            Assert.Equal(ElfSymbolVisibility.Hidden, Symbol(obj, name).Visibility);
        }

        // The .data hole is reachable with 32 bits (medium model, small data); the .ldata holes need 64 bits.
        var narrow = obj.RelocationsFor(Section(obj, ".text.add_narrow")).Single(r => r.Symbol.Name == "H0");
        Assert.Contains(narrow.X86_64Type, new[] { X86_64RelocationType.Abs32, X86_64RelocationType.Abs32S });
        Assert.Equal(0, narrow.Addend);
        var wide = obj.RelocationsFor(Section(obj, ".text.add_wide")).Single(r => r.Symbol.Name == "W0");
        Assert.Equal(X86_64RelocationType.Abs64, wide.X86_64Type);
        Assert.Equal("R_X86_64_64", X86_64Relocations.Name(wide.X86_64Type));
        Assert.Equal(2UL, wide.Offset); // movabs $imm64: REX.W B8+r, then the immediate
        Assert.Equal(0, wide.Addend);
    }

    [Theory, MemberData(nameof(Objects))]
    public void IndirectCallHasNoRelocationOfItsOwn(string which)
    {
        var obj = Read(which);
        var relocs = obj.RelocationsFor(Section(obj, ".text.call_indirect")).OrderBy(r => r.Offset).ToList();
        Assert.Equal(2, relocs.Count);
        Assert.Equal(("W1", X86_64RelocationType.Abs64), (relocs[0].Symbol.Name, relocs[0].X86_64Type));
        Assert.Equal(("patchouly_next", X86_64RelocationType.Plt32), (relocs[1].Symbol.Name, relocs[1].X86_64Type));
    }

    [Theory, MemberData(nameof(Objects))]
    public void SwitchMakesARodataJumpTable(string which)
    {
        var obj = Read(which);
        var text = Section(obj, ".text.switch_table");
        var table = Section(obj, ".rodata.switch_table");
        Assert.Equal(ElfSectionType.ProgBits, table.Type);
        Assert.Equal(ElfSectionFlags.Alloc, table.Flags);

        var textRelocs = obj.RelocationsFor(text).ToList();
        var toTable = textRelocs.Single(r => r.Symbol.Type == ElfSymbolType.Section);
        Assert.Equal(X86_64RelocationType.Abs32S, toTable.X86_64Type);
        Assert.Same(table, toTable.Symbol.Section);
        Assert.Equal(".rodata.switch_table", toTable.Symbol.Name);
        var other = textRelocs.Single(r => r.Symbol.Name == "patchouly_other");
        Assert.Equal(X86_64RelocationType.Plt32, other.X86_64Type);
        Assert.Equal(-4, other.Addend);

        var entries = obj.RelocationsFor(table).ToList();
        Assert.Equal(6, entries.Count);
        Assert.Equal(table.Size, 8UL * (ulong)entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            Assert.Equal(8UL * (ulong)i, entries[i].Offset);
            Assert.Equal(X86_64RelocationType.Abs64, entries[i].X86_64Type);
            Assert.Same(text, entries[i].Symbol.Section);
            Assert.Equal(ElfSymbolType.Section, entries[i].Symbol.Type);
            Assert.InRange(entries[i].Addend, 0, (long)text.Size - 1);
        }
        var rs = obj.RelocationSections.Single(r => r.Target == table);
        Assert.Equal(".rela.rodata.switch_table", rs.Section.Name);
        Assert.True(rs.HasExplicitAddends);
        Assert.Same(obj.SymbolTable, rs.SymbolTable);
        Assert.Equal(ElfSectionFlags.InfoLink, rs.Section.Flags & ElfSectionFlags.InfoLink);
    }

    [Theory, MemberData(nameof(Objects))]
    public void StringLiteralDataAndBss(string which)
    {
        var obj = Read(which);
        var relocs = obj.RelocationsFor(Section(obj, ".text.string_and_data")).ToList();

        var str = relocs.Single(r => r.Symbol.Type == ElfSymbolType.Section);
        var strings = str.Symbol.Section!;
        Assert.StartsWith(".lrodata.str1", strings.Name);
        Assert.Equal(ElfSectionFlags.Alloc | ElfSectionFlags.Merge | ElfSectionFlags.Strings | ElfSectionFlags.X86_64Large, strings.Flags);
        Assert.Equal(X86_64RelocationType.Abs64, str.X86_64Type);
        var bytes = obj.GetSectionData(strings)[(int)str.Addend..];
        Assert.Equal("hello, patchouly", Encoding.ASCII.GetString(bytes[..bytes.IndexOf((byte)0)]));

        var counter = Symbol(obj, "patchouly_counter");
        Assert.Equal((ElfSymbolType.Object, ElfSymbolBinding.Global, 8UL), (counter.Type, counter.Binding, counter.Size));
        Assert.Equal(".ldata", counter.Section!.Name);
        Assert.True(counter.Section.IsWritable);
        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(obj.GetSectionData(counter.Section)[(int)counter.Value..]));
        Assert.Equal(X86_64RelocationType.Abs64, relocs.Single(r => r.Symbol == counter).X86_64Type);

        var zeroed = Symbol(obj, "patchouly_zeroed");
        Assert.Equal((ElfSymbolType.Object, 32UL), (zeroed.Type, zeroed.Size));
        Assert.Equal(ElfSectionType.NoBits, zeroed.Section!.Type);
        Assert.False(zeroed.Section.HasFileData);
        Assert.True(obj.GetSectionData(zeroed.Section).IsEmpty);
        Assert.True(zeroed.Section.Size >= 32);
    }

    [Fact]
    public void LoadUsesTheFileNameInMessages()
    {
        var obj = ElfObject.Load(Path.Combine(ElfTestSupport.TestDataDirectory, "stencils.o"));
        Assert.Equal("stencils.o", obj.FileName);
        string path = Path.Combine(Path.GetTempPath(), $"patchouly-not-elf-{Guid.NewGuid():N}.o");
        File.WriteAllBytes(path, new byte[100]);
        try
        {
            var e = Assert.Throws<ObjectFileException>(() => ElfObject.Load(path));
            Assert.StartsWith(Path.GetFileName(path) + ": ", e.Message);
            Assert.Equal(Path.GetFileName(path), e.FileName);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SectionsOfAnotherObjectAreRefused()
    {
        var a = ElfObject.Read(ElfTestSupport.FixedStencils);
        var b = ElfObject.Read(ElfTestSupport.FixedStencils);
        Assert.Throws<ArgumentException>(() => a.GetSectionMemory(b.Sections[1]));
        Assert.Throws<ArgumentException>(() => a.RelocationsFor(b.Sections[1]));
    }

    [Fact]
    public void RelSectionsAreReadWithoutAddends()
    {
        // Rewrite .rela.text.add_wide (two 24-byte entries) as an SHT_REL section with two 16-byte entries.
        byte[] d = ElfTestSupport.FixedStencils;
        var obj = ElfObject.Read(d);
        var rs = obj.RelocationSections.Single(r => r.Target.Name == ".text.add_wide");
        var old = rs.Relocations;
        int hdr = ElfTestSupport.SectionHeader(d, rs.Section.Index);
        ElfTestSupport.Put32(d, hdr + 4, ElfSectionType.Rel);
        ElfTestSupport.Put64(d, hdr + 32, 32);
        ElfTestSupport.Put64(d, hdr + 56, 16);
        for (int i = 0; i < 2; i++)
        {
            int at = (int)rs.Section.Offset + 16 * i;
            ElfTestSupport.Put64(d, at, old[i].Offset);
            ElfTestSupport.Put64(d, at + 8, ((ulong)old[i].SymbolIndex << 32) | old[i].Type);
        }

        var rel = ElfObject.Read(d).RelocationSections.Single(r => r.Target.Name == ".text.add_wide");
        Assert.False(rel.HasExplicitAddends);
        Assert.Equal(ElfSectionType.Rel, rel.Section.Type);
        Assert.Equal(2, rel.Relocations.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(old[i].Offset, rel.Relocations[i].Offset);
            Assert.Equal(old[i].Type, rel.Relocations[i].Type);
            Assert.Equal(old[i].Symbol.Name, rel.Relocations[i].Symbol.Name);
            Assert.Equal(0, rel.Relocations[i].Addend);
        }
    }
}
