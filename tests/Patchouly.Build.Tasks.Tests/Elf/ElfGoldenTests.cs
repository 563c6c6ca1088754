using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Patchouly.Build.Tasks.Elf;

namespace Patchouly.Build.Tasks.Tests.Elf;

/// <summary>
/// Compares every section, symbol and relocation the reader returns with
/// <c>llvm-readobj --elf-output-style=JSON --sections --symbols --relocations</c>.
/// </summary>
public sealed class ElfGoldenTests
{
    [Fact]
    public void FixedObjectMatchesCheckedInReadobjOutput()
    {
        string dir = ElfTestSupport.TestDataDirectory;
        Compare(File.ReadAllText(Path.Combine(dir, "stencils.readobj.json")), ElfObject.Load(Path.Combine(dir, "stencils.o")));
    }

    public static TheoryData<string> Variants => new()
    {
        "",                                       // the stencil flags
        "-fasynchronous-unwind-tables",           // adds .eh_frame and its PC32 relocations
        "-fdata-sections -mlarge-data-threshold=1000000", // small .data/.bss/.rodata sections, 32-bit relocations
        "-O0",                                    // frame code, more relocations
        "-fno-jump-tables -fcommon",
    };

    [Theory, MemberData(nameof(Variants))]
    public void FreshlyCompiledObjectMatchesReadobj(string extraFlags)
    {
        byte[] obj = ElfTestSupport.Compile(ElfTestSupport.StencilSource, "stencils.c",
            extraFlags.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Compare(ElfTestSupport.ReadobjJson(obj), ElfObject.Read(obj, "input.o"));
    }

    private static void Compare(string json, ElfObject obj)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement[0];
        Assert.Equal("elf64-x86-64", root.GetProperty("FileSummary").GetProperty("Format").GetString());

        var expectedSections = new List<string>();
        foreach (var e in root.GetProperty("Sections").EnumerateArray())
        {
            var s = e.GetProperty("Section");
            expectedSections.Add(SectionLine(s.GetProperty("Index").GetInt32(), Name(s), NameOffset(s), Value(s, "Type"),
                Value(s, "Flags"), U64(s, "Address"), U64(s, "Offset"), U64(s, "Size"), U64(s, "Link"), U64(s, "Info"),
                U64(s, "AddressAlignment"), U64(s, "EntrySize")));
            // Our canonical type names agree with LLVM's wherever we know the type.
            string ours = ElfSectionType.Name((uint)Value(s, "Type"));
            if (!ours.StartsWith("SHT_0x", StringComparison.Ordinal))
                Assert.Equal(s.GetProperty("Type").GetProperty("Name").GetString(), ours);
        }
        AssertLines("sections", expectedSections, obj.Sections.Select(s => SectionLine(s.Index, s.Name, s.NameOffset, s.Type,
            s.Flags, s.Address, s.Offset, s.Size, s.Link, s.Info, s.AddressAlignment, s.EntrySize)));

        var expectedSymbols = new List<string>();
        foreach (var e in root.GetProperty("Symbols").EnumerateArray())
        {
            var s = e.GetProperty("Symbol");
            var section = s.GetProperty("Section");
            ushort shndx = (ushort)section.GetProperty("Value").GetUInt32();
            expectedSymbols.Add(SymbolLine(expectedSymbols.Count, Name(s), NameOffset(s), U64(s, "Value"), U64(s, "Size"),
                Value(s, "Binding"), Value(s, "Type"), Value(s, "Other"), shndx,
                shndx is 0 or >= ElfSectionIndex.LoReserve ? "-" : section.GetProperty("Name").GetString()!));
        }
        AssertLines("symbols", expectedSymbols, obj.Symbols.Select(s => SymbolLine(s.Index, s.Name, s.NameOffset, s.Value, s.Size,
            (ulong)s.Binding, (ulong)s.Type, s.Other, s.SectionIndex, s.Section?.Name ?? "-")));

        var expectedRelocations = new List<string>();
        foreach (var group in root.GetProperty("Relocations").EnumerateArray())
        {
            int section = group.GetProperty("SectionIndex").GetInt32();
            int i = 0;
            foreach (var e in group.GetProperty("Relocs").EnumerateArray())
            {
                var r = e.GetProperty("Relocation");
                var sym = r.GetProperty("Symbol");
                long addend = !r.TryGetProperty("Addend", out var a) ? 0 : a.TryGetInt64(out long signed) ? signed : unchecked((long)a.GetUInt64());
                uint symIndex = sym.GetProperty("Value").GetUInt32();
                expectedRelocations.Add(RelocationLine(section, i++, U64(r, "Offset"), r.GetProperty("Type").GetProperty("Name").GetString()!,
                    Value(r, "Type"), symIndex, symIndex == 0 ? "-" : sym.GetProperty("Name").GetString()!, addend));
            }
        }
        AssertLines("relocations", expectedRelocations, obj.RelocationSections.SelectMany(rs => rs.Relocations.Select(r =>
            RelocationLine(rs.Section.Index, r.Index, r.Offset, obj.RelocationTypeName(r), r.Type, r.SymbolIndex,
                r.SymbolIndex == 0 ? "-" : r.Symbol.Name, r.Addend))));
        Assert.Equal(root.GetProperty("Relocations").GetArrayLength(), obj.RelocationSections.Count);
    }

    private static string SectionLine(int index, string name, ulong nameOffset, ulong type, ulong flags, ulong address, ulong offset,
        ulong size, ulong link, ulong info, ulong align, ulong entsize) =>
        $"section {index}: name={name} ({nameOffset}) type=0x{type:x} flags=0x{flags:x} addr={address} offset={offset} size={size} link={link} info={info} align={align} entsize={entsize}";

    private static string SymbolLine(int index, string name, ulong nameOffset, ulong value, ulong size, ulong binding, ulong type,
        ulong other, ushort shndx, string sectionName) =>
        $"symbol {index}: name={name} ({nameOffset}) value={value} size={size} binding={binding} type={type} other={other} shndx={shndx} section={sectionName}";

    private static string RelocationLine(int section, int index, ulong offset, string typeName, ulong type, uint symbol, string symbolName, long addend) =>
        $"relocation section {section} #{index}: offset={offset} type={typeName} ({type}) symbol={symbol} ({symbolName}) addend={addend}";

    private static string Name(JsonElement e) => e.GetProperty("Name").GetProperty("Name").GetString()!;
    private static ulong NameOffset(JsonElement e) => e.GetProperty("Name").GetProperty("Value").GetUInt64();
    private static ulong Value(JsonElement e, string property) => e.GetProperty(property).GetProperty("Value").GetUInt64();
    private static ulong U64(JsonElement e, string property) => e.GetProperty(property).GetUInt64();

    private static void AssertLines(string what, List<string> expected, IEnumerable<string> actualLines)
    {
        var actual = actualLines.ToList();
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
            if (expected[i] != actual[i])
                Assert.Fail($"{what} differ at entry {i}:\n  llvm-readobj: {expected[i]}\n  ours:         {actual[i]}");
        Assert.True(expected.Count == actual.Count, $"llvm-readobj lists {expected.Count} {what}, we list {actual.Count}");
        Assert.NotEmpty(expected);
    }
}
