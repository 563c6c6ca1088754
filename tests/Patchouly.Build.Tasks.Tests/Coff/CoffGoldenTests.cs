using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Coff;
using Patchouly.Build.Tasks.Tests.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.Coff;

/// <summary>
/// Compares every section header, symbol record (with its section-definition or weak-external record) and relocation
/// the COFF reader returns with <c>llvm-readobj --sections --symbols --relocations --expand-relocs</c> on objects clang
/// produces during the test run.
/// </summary>
public sealed class CoffGoldenTests
{
    public static TheoryData<string, string> Variants => new()
    {
        { "objects.c", "" },                                            // the stencil flags
        { "objects.c", "-funwind-tables -fasynchronous-unwind-tables" }, // .pdata/.xdata and their ADDR32NB relocations
        { "objects.c", "-fdata-sections -O0" },                         // frame code, a section per datum
        { "objects.c", "-mcmodel=large" },                              // ADDR64 everywhere
        { "stencils.c", "" },                                           // weak externals with .refptr stubs, named sections
    };

    [Theory, MemberData(nameof(Variants))]
    public void FreshlyCompiledObjectMatchesReadobj(string source, string extraFlags)
    {
        string c = source == "objects.c" ? ObjectTestSupport.ObjectsSource : Elf.ElfTestSupport.StencilSource;
        var flags = CoffTestSupport.StencilFlags.Concat(extraFlags.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        byte[] obj = ObjectTestSupport.Compile(c, CoffTestSupport.Triple, flags);
        Compare(ObjectTestSupport.Readobj(obj, "--file-headers", "--sections", "--symbols", "--relocations", "--expand-relocs"), CoffObject.Read(obj, "input.o"));
    }

    private static void Compare(ReadobjNode root, CoffObject obj)
    {
        Assert.Equal("COFF-x86-64", root.Text("Format"));
        var header = root["ImageFileHeader"];
        Assert.Equal(header.Number("Machine"), obj.Machine);
        Assert.Equal(header.Number("SectionCount"), obj.Sections.Count);
        Assert.Equal(header.Number("SymbolCount"), obj.SymbolRecordCount);
        Assert.Equal(header.Number("PointerToSymbolTable"), obj.SymbolTableOffset);

        ObjectTestSupport.AssertLines("sections",
            root["Sections"].All("Section").Select(s => SectionLine((int)s.Number("Number"), s.Text("Name").Split(" (")[0], s.Number("VirtualSize"),
                s.Number("VirtualAddress"), s.Number("RawDataSize"), s.Number("PointerToRawData"), s.Number("PointerToRelocations"),
                s.Number("PointerToLineNumbers"), s.Number("RelocationCount"), s.Number("LineNumberCount"),
                ReadobjNode.ParseNumber(s["Characteristics"].Value!))).ToList(),
            obj.Sections.Select(s => SectionLine(s.Number, s.Name, s.VirtualSize, s.VirtualAddress, s.SizeOfRawData, s.PointerToRawData,
                s.PointerToRelocations, s.PointerToLinenumbers, s.NumberOfRelocations, s.NumberOfLinenumbers, s.Characteristics)).ToList());

        var expectedSymbols = new List<string>();
        foreach (var s in root["Symbols"].All("Symbol"))
        {
            string aux = "";
            if (s.Has("AuxSectionDef"))
            {
                var a = s["AuxSectionDef"];
                long selection = ReadobjNode.ParseNumber(a.Text("Selection"));
                long number = a.Has("AssocSection") ? a.Number("AssocSection") : a.Number("Number");
                aux = $" section-def length={a.Number("Length")} relocs={a.Number("RelocationCount")} checksum={a.Number("Checksum")} number={number} selection={selection}";
            }
            else if (s.Has("AuxWeakExternal"))
                aux = $" weak default={s["AuxWeakExternal"].Number("Linked")}";
            expectedSymbols.Add(SymbolLine(s.Text("Name"), s.Number("Value"), s.Number("Section"), s.Number("BaseType"), s.Number("ComplexType"),
                s.Number("StorageClass"), s.Number("AuxSymbolCount")) + aux);
        }
        ObjectTestSupport.AssertLines("symbols", expectedSymbols, obj.Symbols.Select(s => SymbolLine(s.Name, s.Value, s.SectionNumber, s.BaseType,
            s.ComplexType, s.StorageClass, s.AuxiliaryCount) + Aux(s)).ToList());

        var expectedRelocations = new List<string>();
        foreach (var group in root["Relocations"].Children)
        {
            int section = (int)ReadobjNode.ParseNumber(group.Key.Split(' ')[1]);
            int i = 0;
            foreach (var r in group.All("Relocation"))
                expectedRelocations.Add(RelocationLine(section, i++, r.Number("Offset"), r.Text("Type").Split(' ')[0], r.Number("Type"), r.Number("SymbolIndex"), r.Text("Symbol")));
        }
        ObjectTestSupport.AssertLines("relocations", expectedRelocations, obj.Sections.SelectMany(s => obj.RelocationsFor(s).Select(r =>
            RelocationLine(s.Number, r.Index, r.VirtualAddress, obj.RelocationTypeName(r.Type), r.Type, r.SymbolTableIndex, r.Symbol.Name))).ToList());
    }

    private static string Aux(CoffSymbol s) =>
        s.SectionDefinition is { } d ? $" section-def length={d.Length} relocs={d.NumberOfRelocations} checksum={d.CheckSum} number={d.Number} selection={d.Selection}"
        : s.WeakDefaultIndex is uint w ? $" weak default={w}" : "";

    private static string SectionLine(int number, string name, long vsize, long vaddr, long size, long pointer, long relocPointer, long linePointer,
        long relocCount, long lineCount, long characteristics) =>
        $"section {number}: name={name} vsize={vsize} vaddr={vaddr} size={size} data@{pointer} relocs@{relocPointer}x{relocCount} lines@{linePointer}x{lineCount} characteristics=0x{characteristics:x}";

    private static string SymbolLine(string name, long value, long section, long baseType, long complexType, long storage, long aux) =>
        $"symbol {name}: value={value} section={section} type={baseType}/{complexType} class={storage} aux={aux}";

    private static string RelocationLine(int section, int index, long offset, string typeName, long type, long symbol, string symbolName) =>
        $"section {section} relocation {index}: offset={offset} type={typeName} ({type}) symbol={symbol} ({symbolName})";
}
