using System;
using System.Collections.Generic;
using System.IO;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.MachO;

/// <summary>A load command: its type, size and where it is in the file (the reader checks the ones it interprets).</summary>
/// <param name="Command"><c>cmd</c>, for example <c>LC_SEGMENT_64</c> (0x19).</param>
/// <param name="Size"><c>cmdsize</c>.</param>
/// <param name="Offset">Its offset in the file.</param>
public sealed record MachOLoadCommand(uint Command, uint Size, int Offset);

/// <summary>
/// A strictly checked 64-bit little-endian Mach-O relocatable object (<c>MH_OBJECT</c>), as clang writes for
/// <c>arm64-apple-macos</c>. Everything (header, load commands, the segment's sections, relocations, the symbol and
/// string tables) is parsed and validated by <see cref="Read"/>.
/// </summary>
/// <remarks>
/// Checked: the magic (64-bit little-endian; fat, 32-bit and big-endian files are rejected), <c>MH_OBJECT</c>, that the
/// load commands fit <c>sizeofcmds</c> exactly with 8-byte-aligned sizes of at least 8; one <c>LC_SEGMENT_64</c> whose
/// size matches its section count, whose file range lies within the file and whose sections lie within its address
/// range; every section's bytes within the file and after the load commands (none for zero-fill sections); one
/// <c>LC_SYMTAB</c> with its symbols and strings within the file; <c>LC_DYSYMTAB</c> ranges within the symbol count;
/// linkedit data (<c>LC_DATA_IN_CODE</c>, <c>LC_LINKER_OPTIMIZATION_HINT</c>) within the file; every symbol's name,
/// type (<c>N_INDR</c> and <c>N_PBUD</c> are not supported) and section ordinal, and that an <c>N_SECT</c> symbol's
/// address lies within its section; every relocation's section or symbol, its length for its type (unknown types of
/// known CPUs are rejected), that its field lies within the section, that no entry is scattered, and that every
/// <c>ARM64_RELOC_ADDEND</c> precedes a PAGE21, PAGEOFF12 or BRANCH26 entry at the same address and every SUBTRACTOR an UNSIGNED one.
/// </remarks>
public sealed class MachOObject
{
    private readonly byte[] _data;
    private readonly IReadOnlyList<IReadOnlyList<MachORelocation>> _relocations;

    internal MachOObject(byte[] data, string? fileName, uint cpuType, uint cpuSubType, uint flags, IReadOnlyList<MachOLoadCommand> commands,
        string segmentName, IReadOnlyList<MachOSection> sections, IReadOnlyList<IReadOnlyList<MachORelocation>> relocations, IReadOnlyList<MachOSymbol> symbols)
    {
        _data = data; FileName = fileName; CpuType = cpuType; CpuSubType = cpuSubType; Flags = flags; LoadCommands = commands;
        SegmentName = segmentName; Sections = sections; _relocations = relocations; Symbols = symbols;
    }

    /// <summary>Parses and checks an object held in memory. The array is kept (not copied) and must not be changed afterwards.</summary>
    /// <exception cref="ObjectFileException">The data is not a well-formed 64-bit Mach-O object.</exception>
    public static MachOObject Read(byte[] data, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return MachOReader.Read(data, fileName);
    }

    /// <summary>Reads and checks the object at <paramref name="path"/> (I/O errors are not wrapped).</summary>
    /// <exception cref="ObjectFileException">The file is not a well-formed 64-bit Mach-O object.</exception>
    public static MachOObject Load(string path) => Read(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>The file name given to <see cref="Read"/>, if any.</summary>
    public string? FileName { get; }
    /// <summary><c>cputype</c>; see <see cref="MachOCpuType"/>.</summary>
    public uint CpuType { get; }
    /// <summary><c>cpusubtype</c>.</summary>
    public uint CpuSubType { get; }
    /// <summary>The header's <c>flags</c> (<c>MH_SUBSECTIONS_VIA_SYMBOLS</c>, …).</summary>
    public uint Flags { get; }
    /// <summary>Every load command, in order.</summary>
    public IReadOnlyList<MachOLoadCommand> LoadCommands { get; }
    /// <summary>The segment command's name (empty in clang's objects).</summary>
    public string SegmentName { get; }
    /// <summary>The sections; ordinal n is at index n − 1.</summary>
    public IReadOnlyList<MachOSection> Sections { get; }
    /// <summary>The symbol table, in order.</summary>
    public IReadOnlyList<MachOSymbol> Symbols { get; }

    /// <summary>The section's bytes; empty for zero-fill sections.</summary>
    public ReadOnlyMemory<byte> GetSectionMemory(MachOSection section)
    {
        CheckOwn(section);
        return section.IsZeroFill || section.Size == 0 ? ReadOnlyMemory<byte>.Empty : new ReadOnlyMemory<byte>(_data, (int)section.Offset, (int)section.Size);
    }

    /// <summary>The relocation entries of <paramref name="section"/>, in file order (ADDEND and SUBTRACTOR entries included).</summary>
    public IReadOnlyList<MachORelocation> RelocationsFor(MachOSection section)
    {
        CheckOwn(section);
        return _relocations[section.Ordinal - 1];
    }

    /// <summary>The relocation type's name for this object's CPU, for example <c>ARM64_RELOC_BRANCH26</c>.</summary>
    public string RelocationTypeName(uint type) => Targets.MachORelocationTypes.Name(CpuType, type);

    private void CheckOwn(MachOSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section.Ordinal < 1 || section.Ordinal > Sections.Count || !ReferenceEquals(Sections[section.Ordinal - 1], section))
            throw new ArgumentException($"{section} does not belong to this object file", nameof(section));
    }

    /// <summary>"foo.o: Mach-O CPU_TYPE_ARM64 object, 5 sections, 21 symbols".</summary>
    public override string ToString() => $"{FileName ?? "(memory)"}: Mach-O {MachOCpuType.Name(CpuType)} object, {Sections.Count} sections, {Symbols.Count} symbols";
}
