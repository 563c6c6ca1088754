using System;
using System.Buffers.Binary;
using System.Linq;
using Patchouly.Build.Tasks.Coff;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.Coff;

/// <summary>Targeted corruptions of a valid COFF object, each rejected with a message that says what and where.</summary>
public sealed class CoffMalformedTests
{
    private delegate void Mutation(byte[] d, CoffObject o);

    private static int Header(CoffSection s) => 20 + 40 * (s.Number - 1);
    private static CoffSection Text(CoffObject o, string function) => o.Symbols.Single(s => s.Name == function && s.IsFunction).Section!;
    private static int Symbol(CoffObject o, string name) => (int)o.SymbolTableOffset + 18 * o.Symbols.First(s => s.Name == name).Index;
    private static void Put16(byte[] d, int at, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(at), v);
    private static void Put32(byte[] d, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(at), v);

    public static TheoryData<string, string> Cases => new()
    {
        { "optional header", "SizeOfOptionalHeader" },
        { "bigobj", "bigobj" },
        { "section table past the end", "the section table" },
        { "symbol table past the end", "the symbol table" },
        { "string table size", "the string table" },
        { "section data past the end", "extends past the end of the file" },
        { "section data over the headers", "overlaps the file header" },
        { "alignment 15", "alignment code 15" },
        { "relocation overflow", "IMAGE_SCN_LNK_NRELOC_OVFL" },
        { "line numbers", "line numbers" },
        { "relocations past the end", "the relocation table" },
        { "relocation symbol out of range", "which is not a symbol" },
        { "relocation symbol is an aux record", "which is not a symbol" },
        { "relocation field past the section", "runs past the end of section" },
        { "unknown relocation type", "not a known IMAGE_FILE_MACHINE_AMD64 relocation type" },
        { "symbol section out of range", "SectionNumber" },
        { "symbol value outside its section", "lies outside section" },
        { "aux records past the table", "auxiliary records run past" },
        { "long name offset", "string-table offset" },
        { "section name not decimal", "decimal string-table offset" },
    };

    private static Mutation For(string name) => name switch
    {
        "optional header" => (d, o) => Put16(d, 16, 240),
        "bigobj" => (d, o) => { Put16(d, 0, 0); Put16(d, 2, 0xffff); },
        "section table past the end" => (d, o) => Put16(d, 2, 60000),
        "symbol table past the end" => (d, o) => Put32(d, 8, (uint)d.Length - 10),
        "string table size" => (d, o) => Put32(d, (int)o.SymbolTableOffset + 18 * o.SymbolRecordCount, 2),
        "section data past the end" => (d, o) => Put32(d, Header(Text(o, "add_narrow")) + 16, (uint)d.Length),
        "section data over the headers" => (d, o) => Put32(d, Header(Text(o, "add_narrow")) + 20, 20),
        "alignment 15" => (d, o) => Put32(d, Header(Text(o, "add_narrow")) + 36, Text(o, "add_narrow").Characteristics | CoffSectionFlags.AlignMask),
        "relocation overflow" => (d, o) => Put32(d, Header(Text(o, "add_narrow")) + 36, Text(o, "add_narrow").Characteristics | CoffSectionFlags.RelocationOverflow),
        "line numbers" => (d, o) => Put16(d, Header(Text(o, "add_narrow")) + 34, 1),
        "relocations past the end" => (d, o) => Put32(d, Header(Text(o, "add_narrow")) + 24, (uint)d.Length - 5),
        "relocation symbol out of range" => (d, o) => Put32(d, (int)Text(o, "add_narrow").PointerToRelocations + 4, 100000),
        "relocation symbol is an aux record" => (d, o) => Put32(d, (int)Text(o, "add_narrow").PointerToRelocations + 4, (uint)o.Symbols.First(s => s.AuxiliaryCount > 0).Index + 1),
        "relocation field past the section" => (d, o) => Put32(d, (int)Text(o, "add_narrow").PointerToRelocations, Text(o, "add_narrow").SizeOfRawData - 2),
        "unknown relocation type" => (d, o) => Put16(d, (int)Text(o, "add_narrow").PointerToRelocations + 8, 0x99),
        "symbol section out of range" => (d, o) => Put16(d, Symbol(o, "add_narrow") + 12, 300),
        "symbol value outside its section" => (d, o) => Put32(d, Symbol(o, "add_narrow") + 8, 100000),
        "aux records past the table" => (d, o) => d[(int)o.SymbolTableOffset + 18 * o.Symbols[^1].Index + 17] = 5,
        "long name offset" => (d, o) => { int at = Symbol(o, "add_narrow"); Put32(d, at, 0); Put32(d, at + 4, 1_000_000); },
        "section name not decimal" => (d, o) => { int at = Header(Text(o, "add_narrow")); d[at] = (byte)'/'; d[at + 1] = (byte)'x'; },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Corrupt_field_is_an_ObjectFileException_naming_the_problem(string name, string expected)
    {
        byte[] d = (byte[])CoffTestSupport.Objects.Clone();
        For(name)(d, CoffObject.Read(CoffTestSupport.Objects));
        var e = Assert.Throws<ObjectFileException>(() => CoffObjectFile.Read(d, "bad.obj"));
        Assert.StartsWith("bad.obj: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        byte[] full = CoffTestSupport.Objects;
        // The string table ends the file, so dropping any byte breaks it or what precedes it.
        for (int length = 0; length < full.Length; length += Math.Max(1, length / 50))
            Assert.Throws<ObjectFileException>(() => CoffObjectFile.Read(full[..length], "cut.obj"));
    }
}
