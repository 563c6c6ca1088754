using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.MachO;
using Patchouly.Build.Tasks.Tests.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.MachO;

/// <summary>
/// Compares the Mach-O reader's header, sections, symbols and relocations with <c>llvm-readobj --file-headers
/// --sections --symbols --relocations --expand-relocs</c> on objects clang produces during the test run.
/// </summary>
public sealed class MachOGoldenTests
{
    public static TheoryData<string, string> Variants => new()
    {
        { "objects", "" },                                   // the stencil flags: GOT loads, BRANCH26
        { "objects", "-funwind-tables -fasynchronous-unwind-tables" }, // __compact_unwind, UNSIGNED relocations
        { "objects", "-O0" },                                 // frame code, local data, more relocations
        { "objects", "-mcmodel=large" },                     // calls through GOT loads too
        { "addends", "" },                                   // ADDEND pairs, UNSIGNED data with addends
    };

    [Theory, MemberData(nameof(Variants))]
    public void FreshlyCompiledObjectMatchesReadobj(string source, string extraFlags)
    {
        string c = source == "objects" ? ObjectTestSupport.ObjectsSource : MachOTestSupport.AddendSource;
        var flags = MachOTestSupport.StencilFlags.Concat(extraFlags.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        byte[] obj = ObjectTestSupport.Compile(c, MachOTestSupport.Triple, flags);
        Compare(ObjectTestSupport.Readobj(obj, "--file-headers", "--sections", "--symbols", "--relocations", "--expand-relocs"), MachOObject.Read(obj, "input.o"));
    }

    private static void Compare(ReadobjNode root, MachOObject obj)
    {
        Assert.Equal("Mach-O arm64", root.Text("Format"));
        var header = root["MachHeader"];
        Assert.Equal(header.Number("CpuType"), obj.CpuType);
        Assert.Equal(header.Number("NumOfLoadCommands"), obj.LoadCommands.Count);
        Assert.Equal(header.Number("SizeOfLoadCommands"), obj.LoadCommands.Sum(c => c.Size));
        Assert.Equal(ReadobjNode.ParseNumber(header["Flags"].Value!), obj.Flags);

        ObjectTestSupport.AssertLines("sections",
            root["Sections"].All("Section").Select(s => SectionLine((int)s.Number("Index") + 1, s.Text("Name").Split(' ')[0], s.Text("Segment").Split(' ')[0],
                s.Number("Address"), s.Number("Size"), s.Number("Offset"), s.Number("Alignment"), s.Number("RelocationOffset"), s.Number("RelocationCount"),
                s.Number("Type") | (ReadobjNode.ParseNumber(s["Attributes"].Value!) << 8), s.Number("Reserved1"), s.Number("Reserved2"), s.Number("Reserved3"))).ToList(),
            obj.Sections.Select(s => SectionLine(s.Ordinal, s.Name, s.SegmentName, (long)s.Address, (long)s.Size, s.Offset, s.Align, s.RelocationOffset,
                s.RelocationCount, s.Flags, s.Reserved1, s.Reserved2, s.Reserved3)).ToList());

        var expectedSymbols = new List<string>();
        foreach (var s in root["Symbols"].All("Symbol"))
        {
            string name = s.Text("Name");
            int paren = name.LastIndexOf(" (", StringComparison.Ordinal);
            long type = s.Number("Type") + (s.Has("Extern") ? 1 : 0) + (s.Has("PrivateExtern") ? 0x10 : 0);
            long desc = ReadobjNode.ParseNumber(s["Flags"].Value!) | s.Number("RefType");
            expectedSymbols.Add(SymbolLine(name[..paren], ReadobjNode.ParseNumber(name[paren..]), type, s.Number("Section"), desc, s.Number("Value")));
        }
        ObjectTestSupport.AssertLines("symbols", expectedSymbols,
            obj.Symbols.Select(s => SymbolLine(s.Name, s.NameOffset, s.Type, s.SectionOrdinal, s.Description, (long)s.Value)).ToList());

        var expectedRelocations = new List<string>();
        foreach (var group in root["Relocations"].Children)
        {
            string section = group.Key["Section ".Length..];
            foreach (var r in group.All("Relocation"))
            {
                bool external = r.Has("Symbol");
                long target = external ? r.Number("Symbol") : r.Number("Section");
                expectedRelocations.Add(RelocationLine(section, r.Number("Offset"), r.Number("PCRel"), r.Number("Length"), r.Text("Type").Split(' ')[0], r.Number("Type"), external, target));
            }
        }
        ObjectTestSupport.AssertLines("relocations", expectedRelocations, obj.Sections.SelectMany(s => obj.RelocationsFor(s).Select(r =>
            RelocationLine(s.Name, r.Address, r.IsPcRelative ? 1 : 0, r.Length, obj.RelocationTypeName(r.Type), r.Type, r.IsExternal, r.SymbolNumber))).ToList());
    }

    private static string SectionLine(int ordinal, string name, string segment, long address, long size, long offset, long align, long reloff, long nreloc,
        long flags, long r1, long r2, long r3) =>
        $"section {ordinal}: {segment},{name} addr=0x{address:x} size={size} offset={offset} align={align} relocs@{reloff}x{nreloc} flags=0x{flags:x} reserved={r1},{r2},{r3}";

    private static string SymbolLine(string name, long strx, long type, long sect, long desc, long value) =>
        $"symbol {name} ({strx}): type=0x{type:x} sect={sect} desc=0x{desc:x} value=0x{value:x}";

    private static string RelocationLine(string section, long offset, long pcrel, long length, string typeName, long type, bool external, long target) =>
        $"{section} relocation at 0x{offset:x}: pcrel={pcrel} length={length} type={typeName} ({type}) {(external ? "symbol" : "section/value")} {target}";
}
