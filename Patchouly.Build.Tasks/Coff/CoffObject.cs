using System;
using System.Collections.Generic;
using System.IO;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Coff;

/// <summary>
/// A strictly checked COFF object file (not an image), as clang writes for <c>x86_64-pc-windows-msvc</c>. Everything
/// (file header, section headers, relocations, symbols with their auxiliary records, the string table) is parsed and
/// validated by <see cref="Read"/>; the object afterwards only hands out checked data.
/// </summary>
/// <remarks>
/// Checked: the header fits and has no optional header (bigobj and import objects are rejected as unsupported); the
/// section table, every section's bytes, every relocation table and the symbol and string tables lie within the file
/// (in overflow-free 64-bit arithmetic) and section bytes do not overlap the headers; section names (inline or
/// <c>/offset</c> into the string table); alignment codes; no line numbers and no relocation-count overflow; the
/// string table's size field and NUL-terminated strings; every symbol's section number and that its value lies within
/// its section; auxiliary records do not run past the table and section definitions name their own section; weak
/// externals' default index; every relocation's symbol index (a primary record) and its field (the width for known
/// machines; unknown relocation types of those machines are rejected).
/// </remarks>
public sealed class CoffObject
{
    private readonly byte[] _data;
    private readonly IReadOnlyList<IReadOnlyList<CoffRelocation>> _relocations;

    internal CoffObject(byte[] data, string? fileName, ushort machine, uint timeDateStamp, ushort characteristics,
        IReadOnlyList<CoffSection> sections, IReadOnlyList<IReadOnlyList<CoffRelocation>> relocations, IReadOnlyList<CoffSymbol> symbols,
        uint symbolTableOffset, int symbolRecordCount)
    {
        _data = data; FileName = fileName; Machine = machine; TimeDateStamp = timeDateStamp; Characteristics = characteristics;
        Sections = sections; _relocations = relocations; Symbols = symbols; SymbolTableOffset = symbolTableOffset; SymbolRecordCount = symbolRecordCount;
    }

    /// <summary>Parses and checks an object file held in memory. The array is kept (not copied) and must not be changed afterwards.</summary>
    /// <exception cref="ObjectFileException">The data is not a well-formed COFF object.</exception>
    public static CoffObject Read(byte[] data, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return CoffReader.Read(data, fileName);
    }

    /// <summary>Reads and checks the object file at <paramref name="path"/> (I/O errors are not wrapped).</summary>
    /// <exception cref="ObjectFileException">The file is not a well-formed COFF object.</exception>
    public static CoffObject Load(string path) => Read(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>The file name given to <see cref="Read"/>, if any.</summary>
    public string? FileName { get; }
    /// <summary><c>Machine</c>; see <see cref="CoffMachine"/>.</summary>
    public ushort Machine { get; }
    /// <summary><c>TimeDateStamp</c>.</summary>
    public uint TimeDateStamp { get; }
    /// <summary><c>Characteristics</c> of the file header.</summary>
    public ushort Characteristics { get; }
    /// <summary>The sections; section number n is at index n − 1.</summary>
    public IReadOnlyList<CoffSection> Sections { get; }
    /// <summary>The primary symbol records, in table order (see <see cref="CoffSymbol.Index"/> for their record index).</summary>
    public IReadOnlyList<CoffSymbol> Symbols { get; }
    /// <summary><c>PointerToSymbolTable</c>.</summary>
    public uint SymbolTableOffset { get; }
    /// <summary><c>NumberOfSymbols</c>: records, auxiliary ones included.</summary>
    public int SymbolRecordCount { get; }

    /// <summary>The section with 1-based number <paramref name="number"/>.</summary>
    public CoffSection Section(int number) => Sections[number - 1];

    /// <summary>The section's bytes in the file; empty for uninitialized data and empty sections.</summary>
    public ReadOnlyMemory<byte> GetSectionMemory(CoffSection section)
    {
        CheckOwn(section);
        return section.HasFileData && section.SizeOfRawData != 0 ? new ReadOnlyMemory<byte>(_data, (int)section.PointerToRawData, (int)section.SizeOfRawData) : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The relocations of <paramref name="section"/>, in file order.</summary>
    public IReadOnlyList<CoffRelocation> RelocationsFor(CoffSection section)
    {
        CheckOwn(section);
        return _relocations[section.Number - 1];
    }

    /// <summary>The relocation type's name for this object's machine, for example <c>IMAGE_REL_AMD64_REL32</c>.</summary>
    public string RelocationTypeName(uint type) => Targets.CoffRelocationTypes.Name(Machine, type);

    private void CheckOwn(CoffSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section.Number < 1 || section.Number > Sections.Count || !ReferenceEquals(Sections[section.Number - 1], section))
            throw new ArgumentException($"{section} does not belong to this object file", nameof(section));
    }

    /// <summary>"foo.obj: COFF IMAGE_FILE_MACHINE_AMD64, 10 sections, 39 symbol records".</summary>
    public override string ToString() =>
        $"{FileName ?? "(memory)"}: COFF {CoffMachine.Name(Machine)}, {Sections.Count} sections, {SymbolRecordCount} symbol records";
}
