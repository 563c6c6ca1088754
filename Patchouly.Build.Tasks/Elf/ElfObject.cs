using System;
using System.Collections.Generic;
using System.IO;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Elf;

/// <summary>
/// A strictly checked ELF64 little-endian relocatable object (<c>ET_REL</c>), as clang writes for stencils.
/// Everything (headers, sections, symbols, relocations) is parsed and validated by <see cref="Read"/>; the
/// object afterwards only hands out checked data.
/// </summary>
/// <remarks>
/// Checked: the identification bytes, <c>e_type</c> = <c>ET_REL</c>, header and section-header sizes, that the section
/// header table, every section's data, and every string lie within the file (in overflow-free 64-bit arithmetic),
/// string tables start and end with NUL, section names, <c>sh_link</c>/<c>SHF_INFO_LINK</c> indices, power-of-two
/// alignments, a single well-formed <c>SHT_SYMTAB</c> (24-byte entries, a <c>SHT_STRTAB</c> link, null symbol 0, locals
/// first), symbol section indices (<c>SHN_XINDEX</c> and extended numbering are rejected as unsupported), symbol values
/// (and sizes of functions and objects) within their section, and every relocation's symbol index and offset (plus the
/// field width for x86-64, whose unknown relocation types are rejected). <c>SHT_REL</c> sections are read too, with
/// addend 0 (see <see cref="ElfRelocationSection.HasExplicitAddends"/>).
/// </remarks>
public sealed class ElfObject
{
    private readonly byte[] _data;

    internal ElfObject(byte[] data, string? fileName, ushort machine, ushort type, uint flags, IReadOnlyList<ElfSection> sections,
        IReadOnlyList<ElfSymbol> symbols, ElfSection? symbolTable, IReadOnlyList<ElfRelocationSection> relocationSections)
    {
        _data = data; FileName = fileName; Machine = machine; Type = type; Flags = flags; Sections = sections;
        Symbols = symbols; SymbolTable = symbolTable; RelocationSections = relocationSections;
    }

    /// <summary>
    /// Parses and checks an object file held in memory. The array is kept (not copied) and must not be changed afterwards.
    /// </summary>
    /// <param name="data">The whole file.</param>
    /// <param name="fileName">The file's name for error messages, or null.</param>
    /// <exception cref="ObjectFileException">The data is not a well-formed ELF64 little-endian relocatable object.</exception>
    public static ElfObject Read(byte[] data, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ElfReader.Read(data, fileName);
    }

    /// <summary>Reads and checks the object file at <paramref name="path"/> (I/O errors are not wrapped).</summary>
    /// <exception cref="ObjectFileException">The file is not a well-formed ELF64 little-endian relocatable object.</exception>
    public static ElfObject Load(string path) => Read(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>The file name given to <see cref="Read"/>, if any.</summary>
    public string? FileName { get; }
    /// <summary><c>e_machine</c>; see <see cref="ElfMachine"/>.</summary>
    public ushort Machine { get; }
    /// <summary><c>e_type</c>: always <see cref="ElfFileType.Relocatable"/>.</summary>
    public ushort Type { get; }
    /// <summary><c>e_flags</c>.</summary>
    public uint Flags { get; }
    /// <summary>All sections, indexed by section number (section 0 is the null section).</summary>
    public IReadOnlyList<ElfSection> Sections { get; }
    /// <summary>The entries of the single <c>SHT_SYMTAB</c>, indexed by symbol number (0 is the null symbol); empty if there is none.</summary>
    public IReadOnlyList<ElfSymbol> Symbols { get; }
    /// <summary>The <c>SHT_SYMTAB</c> section, if any.</summary>
    public ElfSection? SymbolTable { get; }
    /// <summary>All <c>SHT_RELA</c> and <c>SHT_REL</c> sections, in section order.</summary>
    public IReadOnlyList<ElfRelocationSection> RelocationSections { get; }

    /// <summary>The first section called <paramref name="name"/>, or null.</summary>
    public ElfSection? FindSection(string name)
    {
        foreach (var s in Sections)
            if (s.Name == name) return s;
        return null;
    }

    /// <summary>The first symbol called <paramref name="name"/> that is not a section symbol, or null.</summary>
    public ElfSymbol? FindSymbol(string name)
    {
        foreach (var s in Symbols)
            if (s.Name == name && s.Type != ElfSymbolType.Section) return s;
        return null;
    }

    /// <summary>The section's bytes in the file; empty for <c>SHT_NOBITS</c> and <c>SHT_NULL</c> sections.</summary>
    /// <exception cref="ArgumentException">The section belongs to another object.</exception>
    public ReadOnlySpan<byte> GetSectionData(ElfSection section) => GetSectionMemory(section).Span;

    /// <summary>The section's bytes in the file; empty for <c>SHT_NOBITS</c> and <c>SHT_NULL</c> sections.</summary>
    /// <exception cref="ArgumentException">The section belongs to another object.</exception>
    public ReadOnlyMemory<byte> GetSectionMemory(ElfSection section)
    {
        CheckOwn(section);
        return section.HasFileData ? new ReadOnlyMemory<byte>(_data, (int)section.Offset, (int)section.Size) : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The relocations that apply to <paramref name="target"/>, from every relocation section that names it.</summary>
    /// <exception cref="ArgumentException">The section belongs to another object.</exception>
    public IEnumerable<ElfRelocation> RelocationsFor(ElfSection target)
    {
        CheckOwn(target);
        return Iterate();

        IEnumerable<ElfRelocation> Iterate()
        {
            foreach (var rs in RelocationSections)
                if (rs.Target == target)
                    foreach (var r in rs.Relocations) yield return r;
        }
    }

    /// <summary>The relocation's type name for this object's machine, for example <c>R_X86_64_PLT32</c> or <c>R_AARCH64_JUMP26</c>.</summary>
    public string RelocationTypeName(ElfRelocation relocation) =>
        Targets.ElfRelocationTypes.Name(Machine, relocation.Type);

    private void CheckOwn(ElfSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section.Index >= Sections.Count || !ReferenceEquals(Sections[section.Index], section))
            throw new ArgumentException($"{section} does not belong to this object file", nameof(section));
    }

    /// <summary>"foo.o: ELF64 EM_X86_64 relocatable, 20 sections, 14 symbols".</summary>
    public override string ToString() =>
        $"{FileName ?? "(memory)"}: ELF64 {ElfMachine.Name(Machine)} relocatable, {Sections.Count} sections, {Symbols.Count} symbols";
}
