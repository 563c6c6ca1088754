using System;
using System.Buffers.Binary;
using System.Linq;
using Patchouly.Build.Tasks.MachO;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Tests.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.MachO;

/// <summary>Targeted corruptions of a valid Mach-O object, each rejected with a message that says what and where.</summary>
public sealed class MachOMalformedTests
{
    private delegate void Mutation(byte[] d, MachOObject o);

    private static void Put32(byte[] d, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(at), v);
    private static MachOLoadCommand Command(MachOObject o, uint cmd) => o.LoadCommands.First(c => c.Command == cmd);
    private static int Section(MachOObject o, int ordinal) => Command(o, 0x19).Offset + 72 + 80 * (ordinal - 1);
    private static int Symbol(MachOObject o, string name) => (int)BinaryPrimitives.ReadUInt32LittleEndian(Objects.AsSpan(Command(o, 0x2).Offset + 8)) + 16 * o.Symbols.First(s => s.Name == name).Index;
    private static int Relocation(MachOObject o, int i) => (int)o.Sections[0].RelocationOffset + 8 * i;
    private static byte[] Objects => MachOTestSupport.Objects;

    public static TheoryData<string, string> Cases => new()
    {
        { "32-bit", "32-bit Mach-O" },
        { "big-endian", "big-endian" },
        { "fat", "universal (fat)" },
        { "not Mach-O", "not a Mach-O file" },
        { "not an object", "MH_OBJECT" },
        { "commands past the end", "run past the end of the file" },
        { "odd command size", "not a multiple of 8" },
        { "too many commands", "ncmds" },
        { "segment size", "does not match its" },
        { "section data past the end", "extends past the end of the file" },
        { "section outside the segment", "do not lie within the segment" },
        { "relocations past the end", "do not lie within the file" },
        { "symbol table past the end", "the symbol table" },
        { "symbol name offset", "n_strx" },
        { "symbol section", "n_sect" },
        { "symbol address", "lies outside section" },
        { "indirect symbol", "N_INDR" },
        { "scattered relocation", "scattered" },
        { "relocation symbol", "names symbol" },
        { "relocation field", "runs past the end of section" },
        { "relocation length", "r_length" },
        { "dangling addend", "is not followed by the entry it pairs with" },
    };

    private static Mutation For(string name) => name switch
    {
        "32-bit" => (d, o) => Put32(d, 0, 0xfeedface),
        "big-endian" => (d, o) => Put32(d, 0, 0xcffaedfe),
        "fat" => (d, o) => Put32(d, 0, 0xbebafeca),
        "not Mach-O" => (d, o) => Put32(d, 0, 0x464c457f),
        "not an object" => (d, o) => Put32(d, 12, 2),
        "commands past the end" => (d, o) => Put32(d, 20, (uint)d.Length),
        "odd command size" => (d, o) => Put32(d, o.LoadCommands[0].Offset + 4, o.LoadCommands[0].Size + 4),
        "too many commands" => (d, o) => Put32(d, 16, 100),
        "segment size" => (d, o) => Put32(d, Command(o, 0x19).Offset + 64, (uint)o.Sections.Count + 1),
        "section data past the end" => (d, o) => Put32(d, Section(o, 1) + 48, (uint)d.Length - 4),
        "section outside the segment" => (d, o) => BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(Section(o, 1) + 32), 0x100000),
        "relocations past the end" => (d, o) => Put32(d, Section(o, 1) + 56, (uint)d.Length - 4),
        "symbol table past the end" => (d, o) => Put32(d, Command(o, 0x2).Offset + 12, 100000),
        "symbol name offset" => (d, o) => Put32(d, Symbol(o, "_add_wide"), 1_000_000),
        "symbol section" => (d, o) => d[Symbol(o, "_add_wide") + 5] = 200,
        "symbol address" => (d, o) => BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(Symbol(o, "_add_wide") + 8), 0x100000),
        "indirect symbol" => (d, o) => d[Symbol(o, "_add_wide") + 4] = 0x0b,
        "scattered relocation" => (d, o) => Put32(d, Relocation(o, 0), 0x80000000),
        "relocation symbol" => (d, o) => Put32(d, Relocation(o, 0) + 4, (BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(Relocation(o, 0) + 4)) & 0xff000000u) | 0xfffff),
        "relocation field" => (d, o) => Put32(d, Relocation(o, 0), (uint)o.Sections[0].Size - 2),
        "relocation length" => (d, o) => Put32(d, Relocation(o, 0) + 4, BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(Relocation(o, 0) + 4)) & ~(3u << 25)),
        "dangling addend" => (d, o) => { int at = Relocation(o, 0) + 4; Put32(d, at, (BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(at)) & 0x06000000u) | (10u << 28) | 5); },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Corrupt_field_is_an_ObjectFileException_naming_the_problem(string name, string expected)
    {
        byte[] d = (byte[])Objects.Clone();
        For(name)(d, MachOObject.Read(Objects));
        var e = Assert.Throws<ObjectFileException>(() => MachOObjectFile.Read(d, "bad.o"));
        Assert.StartsWith("bad.o: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        byte[] full = Objects;
        // The string table ends the file, so dropping any byte breaks it or what precedes it.
        for (int length = 0; length < full.Length; length += Math.Max(1, length / 50))
            Assert.Throws<ObjectFileException>(() => MachOObjectFile.Read(full[..length], "cut.o"));
    }
}
