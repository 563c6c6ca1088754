using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Coff;
using Patchouly.Build.Tasks.Tests.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.Coff;

/// <summary>COFF objects made by clang for the tests, and the offsets of their fields.</summary>
internal static class CoffTestSupport
{
    public const string Triple = "x86_64-pc-windows-msvc";

    /// <summary>The flags the win-x64 target compiles stencils with (less the optimisation level).</summary>
    public static readonly string[] StencilFlags =
        ["-ffunction-sections", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-fno-stack-protector", "-mno-stack-arg-probe"];

    private static readonly System.Lazy<byte[]> s_objects = new(() => ObjectTestSupport.Compile(ObjectTestSupport.ObjectsSource, Triple, StencilFlags));

    /// <summary>TestData/objects.c compiled for Windows x64 with the stencil flags (once per run).</summary>
    public static byte[] Objects => s_objects.Value;

    /// <summary>Every header, section header, symbol record and relocation field of a valid object.</summary>
    public static List<FuzzField> Fields(byte[] d, CoffObject obj)
    {
        var fields = new List<FuzzField>
        {
            new(0, 2, "Machine"), new(2, 2, "NumberOfSections"), new(8, 4, "PointerToSymbolTable"), new(12, 4, "NumberOfSymbols"),
            new(16, 2, "SizeOfOptionalHeader"),
        };
        foreach (var s in obj.Sections)
        {
            int at = 20 + 40 * (s.Number - 1);
            fields.AddRange([new(at, 8, $"section {s.Number} Name"), new(at + 16, 4, $"section {s.Number} SizeOfRawData"),
                new(at + 20, 4, $"section {s.Number} PointerToRawData"), new(at + 24, 4, $"section {s.Number} PointerToRelocations"),
                new(at + 28, 4, $"section {s.Number} PointerToLinenumbers"), new(at + 32, 2, $"section {s.Number} NumberOfRelocations"),
                new(at + 36, 4, $"section {s.Number} Characteristics")]);
            foreach (var r in obj.RelocationsFor(s))
            {
                int ra = (int)s.PointerToRelocations + 10 * r.Index;
                fields.AddRange([new(ra, 4, $"section {s.Number} relocation {r.Index} VirtualAddress"),
                    new(ra + 4, 4, $"section {s.Number} relocation {r.Index} SymbolTableIndex"), new(ra + 8, 2, $"section {s.Number} relocation {r.Index} Type"),
                    new((int)(s.PointerToRawData + r.VirtualAddress), 4, $"section {s.Number} field of relocation {r.Index}")]);
            }
        }
        foreach (var sym in obj.Symbols)
        {
            int at = (int)obj.SymbolTableOffset + 18 * sym.Index;
            fields.AddRange([new(at, 4, $"symbol {sym.Index} Name[0..4]"), new(at + 4, 4, $"symbol {sym.Index} Name[4..8]"),
                new(at + 8, 4, $"symbol {sym.Index} Value"), new(at + 12, 2, $"symbol {sym.Index} SectionNumber"),
                new(at + 14, 2, $"symbol {sym.Index} Type"), new(at + 16, 1, $"symbol {sym.Index} StorageClass"),
                new(at + 17, 1, $"symbol {sym.Index} NumberOfAuxSymbols")]);
            if (sym.AuxiliaryCount > 0)
                fields.AddRange([new(at + 18, 4, $"symbol {sym.Index} aux[0..4]"), new(at + 30, 2, $"symbol {sym.Index} aux Number"),
                    new(at + 32, 1, $"symbol {sym.Index} aux Selection")]);
        }
        int strings = (int)obj.SymbolTableOffset + 18 * obj.SymbolRecordCount;
        fields.Add(new(strings, 4, "string table size"));
        return fields.Where(f => f.Offset + f.Width <= d.Length).ToList();
    }
}
