using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Elf;
using Xunit.Abstractions;
using static Patchouly.Build.Tasks.Tests.Elf.ElfTestSupport;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.Elf;

/// <summary>Each strictness rule, exercised by corrupting the checked-in clang object in one place.</summary>
public sealed class ElfMalformedTests(ITestOutputHelper output)
{
    private delegate void Mutation(byte[] d, ElfObject o);

    // Helpers that find things in the valid object; "hdr" is a section header's file offset.
    private static ElfSection Sec(ElfObject o, string name) => o.FindSection(name)!;
    private static int Hdr(byte[] d, ElfObject o, string name) => SectionHeader(d, Sec(o, name).Index);
    private static int Sym(ElfObject o, string name) => SymbolEntry(o, o.FindSymbol(name)!.Index);
    private static ElfRelocationSection Rela(ElfObject o, string target) => o.RelocationSections.Single(r => r.Target.Name == target);
    private static int Reloc(ElfObject o, string target, int i) => RelocationEntry(Rela(o, target), i);
    private static int Count(ElfObject o) => o.Symbols.Count;

    private static readonly Dictionary<string, (Mutation Mutate, string[] Fragments)> s_cases = new()
    {
        ["bad magic"] = ((d, o) => d[1] = (byte)'X', ["bad magic", "offset 0", "7F584C46"]),
        ["ELFCLASS32"] = ((d, o) => d[4] = 1, ["EI_CLASS (offset 4) is 1", "ELFCLASS64"]),
        ["big-endian"] = ((d, o) => d[5] = 2, ["EI_DATA", "big-endian", "ELFDATA2LSB"]),
        ["EI_VERSION 0"] = ((d, o) => d[6] = 0, ["EI_VERSION (offset 6) is 0"]),
        ["ET_EXEC"] = ((d, o) => Put16(d, 16, 2), ["e_type", "ET_EXEC", "ET_REL"]),
        ["ET_DYN"] = ((d, o) => Put16(d, 16, 3), ["ET_DYN"]),
        ["e_version 2"] = ((d, o) => Put32(d, 20, 2), ["e_version (offset 20) is 2"]),
        ["e_ehsize 52"] = ((d, o) => Put16(d, 52, 52), ["e_ehsize", "52"]),
        ["e_shentsize 40"] = ((d, o) => Put16(d, 58, 40), ["e_shentsize", "40"]),
        ["e_shoff past end"] = ((d, o) => Put64(d, 40, (ulong)d.Length), ["section header table", "e_shoff", "within the file"]),
        ["e_shoff huge"] = ((d, o) => Put64(d, 40, ulong.MaxValue - 63), ["section header table", $"e_shoff {ulong.MaxValue - 63}"]),
        ["e_shoff in header"] = ((d, o) => Put64(d, 40, 0), ["section header table", "after the ELF header"]),
        ["e_shnum huge"] = ((d, o) => Put16(d, 60, 0xffff), ["section header table", "e_shnum 65535"]),
        ["e_shnum 0"] = ((d, o) => Put16(d, 60, 0), ["e_shnum (offset 60) is 0"]),
        ["e_shstrndx out of range"] = ((d, o) => Put16(d, 62, (ushort)o.Sections.Count), ["e_shstrndx (offset 62) is 22", "one of sections 1..21"]),
        ["e_shstrndx 0"] = ((d, o) => Put16(d, 62, 0), ["e_shstrndx (offset 62) is 0"]),
        ["e_shstrndx SHN_XINDEX"] = ((d, o) => Put16(d, 62, 0xffff), ["SHN_XINDEX", "not supported"]),
        ["e_shstrndx not a STRTAB"] = ((d, o) => Put16(d, 62, (ushort)Sec(o, ".text.add_wide").Index), ["SHT_PROGBITS, not SHT_STRTAB"]),
        ["section 0 not null"] = ((d, o) => Put32(d, SectionHeader(d, 0) + 4, 1), ["section 0", "all-zero"]),
        ["section data past end"] = ((d, o) => Put64(d, Hdr(d, o, ".text.add_wide") + 32, (ulong)d.Length),
            [".text.add_wide", "extends past the end of the file"]),
        ["section offset huge"] = ((d, o) => Put64(d, Hdr(d, o, ".text.add_wide") + 24, ulong.MaxValue),
            [".text.add_wide", $"sh_offset {ulong.MaxValue}", "past the end"]),
        ["section overlaps header"] = ((d, o) => Put64(d, Hdr(d, o, ".comment") + 24, 8), [".comment", "overlaps the ELF header"]),
        ["shstrtab past end"] = ((d, o) => Put64(d, SectionHeader(d, 1) + 32, 1UL << 40), ["section-name string table", "past the end"]),
        ["name offset past string table"] = ((d, o) => Put32(d, Hdr(d, o, ".text.add_wide"), 100_000),
            ["section 5", "name offset 100000", "past the end of the section-name string table"]),
        ["unterminated string table"] = ((d, o) => d[(int)(o.Sections[1].Offset + o.Sections[1].Size - 1)] = (byte)'x',
            ["string table", "not NUL-terminated", "0x78"]),
        ["string table without leading NUL"] = ((d, o) => d[(int)o.Sections[1].Offset] = (byte)'x', ["does not start with a NUL"]),
        ["empty string table"] = ((d, o) => Put64(d, SectionHeader(d, 1) + 32, 0), ["string table", "is empty"]),
        ["sh_addralign 3"] = ((d, o) => Put64(d, Hdr(d, o, ".text.add_wide") + 48, 3), ["sh_addralign 3 is not a power of two"]),
        ["sh_link out of range"] = ((d, o) => Put32(d, Hdr(d, o, ".llvm_addrsig") + 40, 1000), [".llvm_addrsig", "sh_link 1000 is out of range"]),
        ["symtab entsize 16"] = ((d, o) => Put64(d, Hdr(d, o, ".symtab") + 56, 16), [".symtab", "sh_entsize is 16", "24 bytes"]),
        ["symtab size not a multiple"] = ((d, o) => Put64(d, Hdr(d, o, ".symtab") + 32, o.SymbolTable!.Size - 1), ["multiple of the 24-byte"]),
        ["symtab link not a STRTAB"] = ((d, o) => Put32(d, Hdr(d, o, ".symtab") + 40, (uint)Sec(o, ".text.add_wide").Index),
            [".symtab", "sh_link", "not SHT_STRTAB"]),
        ["symtab info past symbols"] = ((d, o) => Put32(d, Hdr(d, o, ".symtab") + 44, 1000), ["sh_info 1000", "last local symbol"]),
        ["second symtab"] = ((d, o) =>
        {
            int h = Hdr(d, o, ".rela.text.add_wide");
            Put32(d, h + 4, ElfSectionType.SymTab);
            Put32(d, h + 40, 1);
        }, ["second SHT_SYMTAB", ".rela.text.add_wide"]),
        ["symbol 0 not null"] = ((d, o) => d[SymbolEntry(o, 0) + 4] = 0x12, ["symbol 0", "null symbol"]),
        ["symbol name past string table"] = ((d, o) => Put32(d, Sym(o, "add_wide"), 1_000_000), ["symbol", "name offset 1000000"]),
        ["symbol shndx out of range"] = ((d, o) => Put16(d, Sym(o, "add_wide") + 6, 500), ["symbol 8 (add_wide, at offset 624)", "st_shndx 500 is out of range"]),
        ["symbol shndx SHN_XINDEX"] = ((d, o) => Put16(d, Sym(o, "add_wide") + 6, 0xffff), ["add_wide", "SHN_XINDEX", "not supported"]),
        ["symbol shndx reserved"] = ((d, o) => Put16(d, Sym(o, "add_wide") + 6, 0xff10), ["st_shndx 0xff10", "reserved"]),
        ["symbol in SHT_NULL section"] = ((d, o) => Put32(d, Hdr(d, o, ".text.add_wide") + 4, ElfSectionType.Null),
            ["add_wide", "is defined in section 5 (.text.add_wide), which is SHT_NULL"]),
        ["defined function made undefined"] = ((d, o) => Put16(d, Sym(o, "add_wide") + 6, 0), []), // still well-formed
        ["function size past section"] = ((d, o) => Put64(d, Sym(o, "add_wide") + 16, Sec(o, ".text.add_wide").Size + 1),
            ["add_wide", "do not lie within section", ".text.add_wide"]),
        ["function value overflows"] = ((d, o) =>
        {
            Put64(d, Sym(o, "add_wide") + 8, ulong.MaxValue);
            Put64(d, Sym(o, "add_wide") + 16, 2);
        }, ["add_wide", $"st_value {ulong.MaxValue}", "do not lie within"]),
        ["object past .ldata"] = ((d, o) => Put64(d, Sym(o, "patchouly_counter") + 8, 4), ["patchouly_counter", "do not lie within", ".ldata"]),
        ["local after globals"] = ((d, o) => d[SymbolEntry(o, Count(o) - 1) + 4] &= 0x0f, ["is local but follows the first non-local symbol"]),
        ["global among locals"] = ((d, o) => d[SymbolEntry(o, 1) + 4] |= 0x10, ["symbol 1", "is not local", "sh_info"]),
        ["section symbol without section"] = ((d, o) =>
        {
            var s = o.Symbols.First(x => x.Type == ElfSymbolType.Section);
            Put16(d, SymbolEntry(o, s.Index) + 6, ElfSectionIndex.Absolute);
        }, ["STT_SECTION", "0xfff1"]),
        ["rela entsize 16"] = ((d, o) => Put64(d, Hdr(d, o, ".rela.text.add_wide") + 56, 16), ["sh_entsize is 16", "SHT_RELA entries are 24 bytes"]),
        ["rela size not a multiple"] = ((d, o) => Put64(d, Hdr(d, o, ".rela.text.add_wide") + 32, 40), ["sh_size 40 is not a multiple"]),
        ["rela link not the symtab"] = ((d, o) => Put32(d, Hdr(d, o, ".rela.text.add_wide") + 40, 1), ["sh_link 1 must name the symbol table"]),
        ["rela info out of range"] = ((d, o) => Put32(d, Hdr(d, o, ".rela.text.add_wide") + 44, 1000), ["sh_info 1000", "out of range"]),
        ["rela info 0"] = ((d, o) => Put32(d, Hdr(d, o, ".rela.text.add_wide") + 44, 0), ["sh_info 0", "apply to"]),
        ["rela applies to NOBITS"] = ((d, o) => Put32(d, Hdr(d, o, ".rela.text.add_wide") + 44, (uint)Sec(o, ".lbss").Index),
            ["applies to", ".lbss", "SHT_NOBITS"]),
        ["relocation symbol out of range"] = ((d, o) => Put32(d, Reloc(o, ".text.add_narrow", 1) + 12, 912),
            [".rela.text.add_narrow", "entry 1", "names symbol 912, but the symbol table has"]),
        ["relocation symbol huge"] = ((d, o) => Put32(d, Reloc(o, ".text.add_narrow", 0) + 12, uint.MaxValue), [$"names symbol {uint.MaxValue}"]),
        ["relocation offset past section"] = ((d, o) => Put64(d, Reloc(o, ".text.add_wide", 0), Sec(o, ".text.add_wide").Size),
            ["r_offset 18 is outside section", ".text.add_wide", "18 bytes"]),
        ["relocation offset huge"] = ((d, o) => Put64(d, Reloc(o, ".text.add_wide", 0), ulong.MaxValue), [$"r_offset {ulong.MaxValue}"]),
        ["relocation field past section"] = ((d, o) => Put64(d, Reloc(o, ".text.add_wide", 1), Sec(o, ".text.add_wide").Size - 2),
            ["4-byte R_X86_64_PLT32 field at r_offset 16 runs past the end"]),
        ["64-bit relocation field past section"] = ((d, o) => Put64(d, Reloc(o, ".text.add_wide", 0), Sec(o, ".text.add_wide").Size - 4),
            ["8-byte R_X86_64_64 field"]),
        ["unknown relocation type"] = ((d, o) => Put32(d, Reloc(o, ".text.add_wide", 0) + 8, 200), ["relocation type 200 is not a known x86-64"]),
    };

    public static TheoryData<string> Cases => new(s_cases.Keys);

    [Theory, MemberData(nameof(Cases))]
    public void CorruptionIsReportedClearly(string name)
    {
        var (mutate, fragments) = s_cases[name];
        byte[] d = FixedStencils;
        mutate(d, ElfObject.Read(FixedStencils));
        if (fragments.Length == 0)
        {
            ElfObject.Read(d, "bad.o");
            return;
        }
        var e = Assert.Throws<ObjectFileException>(() => ElfObject.Read(d, "bad.o"));
        output.WriteLine(e.Message);
        Assert.StartsWith("bad.o: ", e.Message);
        Assert.Equal("bad.o", e.FileName);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(63)]
    public void TruncatedHeader(int length)
    {
        var e = Assert.Throws<ObjectFileException>(() => ElfObject.Read(FixedStencils[..length], "cut.o"));
        Assert.Contains($"the file is {length} bytes long, shorter than the 64-byte ELF header", e.Message);
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] full = FixedStencils;
        for (int length = 0; length < full.Length; length++)
        {
            var e = Assert.Throws<ObjectFileException>(() => ElfObject.Read(full[..length], "cut.o"));
            Assert.StartsWith("cut.o: ", e.Message);
        }
    }

    [Fact]
    public void MessageWithoutFileName()
    {
        byte[] d = FixedStencils;
        d[0] = 0;
        var e = Assert.Throws<ObjectFileException>(() => ElfObject.Read(d));
        Assert.StartsWith("bad magic", e.Message);
        Assert.Null(e.FileName);
    }
}
