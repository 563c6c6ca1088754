using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Elf;

/// <summary>
/// Parses and checks a whole ELF64 little-endian relocatable object up front, so that <see cref="ElfObject"/> holds
/// only validated data. Every problem becomes an <see cref="ObjectFileException"/>; every count and offset is
/// checked against the file length (in 64-bit arithmetic that cannot overflow) before it is used.
/// </summary>
internal sealed class ElfReader
{
    private const int HeaderSize = 64, SectionHeaderSize = 64, SymbolSize = 24, RelaSize = 24, RelSize = 16;

    private readonly byte[] _data;
    private readonly string? _fileName;

    private ElfReader(byte[] data, string? fileName) { _data = data; _fileName = fileName; }

    public static ElfObject Read(byte[] data, string? fileName) => new ElfReader(data, fileName).Read();

    private ObjectFileException Error(string message) => new(message, _fileName);
    private ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(at, 2));
    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at, 4));
    private ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(at, 8));

    /// <summary>Whether <c>[offset, offset + size)</c> lies within the file, without overflowing.</summary>
    private bool InFile(ulong offset, ulong size) => offset <= (ulong)_data.Length && size <= (ulong)_data.Length - offset;

    private ElfObject Read()
    {
        byte[] d = _data;
        if (d.Length < HeaderSize)
            throw Error($"the file is {d.Length} bytes long, shorter than the {HeaderSize}-byte ELF header");
        if (d[0] != 0x7f || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F')
            throw Error($"bad magic at offset 0: expected 7F454C46 (\"\\x7fELF\"), found {Convert.ToHexString(d, 0, 4)}; this is not an ELF file");
        if (d[4] != 2)
            throw Error($"EI_CLASS (offset 4) is {d[4]}; only ELFCLASS64 (2) objects are supported");
        if (d[5] != 1)
            throw Error($"EI_DATA (offset 5) is {d[5]}{(d[5] == 2 ? " (ELFDATA2MSB, big-endian)" : "")}; only little-endian ELFDATA2LSB (1) objects are supported");
        if (d[6] != 1)
            throw Error($"EI_VERSION (offset 6) is {d[6]}; expected EV_CURRENT (1)");
        ushort type = U16(16);
        if (type != ElfFileType.Relocatable)
            throw Error($"e_type (offset 16) is {type} ({ElfFileType.Name(type)}); only relocatable objects (ET_REL, 1) are supported");
        ushort machine = U16(18);
        uint version = U32(20);
        if (version != 1)
            throw Error($"e_version (offset 20) is {version}; expected EV_CURRENT (1)");
        ulong shoff = U64(40);
        uint flags = U32(48);
        if (U16(52) != HeaderSize)
            throw Error($"e_ehsize (offset 52) is {U16(52)}; an ELF64 header is {HeaderSize} bytes");
        if (U16(58) != SectionHeaderSize)
            throw Error($"e_shentsize (offset 58) is {U16(58)}; an ELF64 section header is {SectionHeaderSize} bytes");
        int shnum = U16(60);
        ushort shstrndx = U16(62);
        if (shnum == 0)
            throw Error("e_shnum (offset 60) is 0: the file has no section headers (extended section numbering is not supported)");
        if (shoff < HeaderSize || !InFile(shoff, (ulong)shnum * SectionHeaderSize))
            throw Error($"the section header table (e_shoff {shoff}, e_shnum {shnum} entries of {SectionHeaderSize} bytes) does not lie within the file ({d.Length} bytes) after the ELF header");
        if (shstrndx == ElfSectionIndex.XIndex)
            throw Error("e_shstrndx (offset 62) is SHN_XINDEX (0xffff): extended section numbering is not supported");
        if (shstrndx == 0 || shstrndx >= shnum)
            throw Error($"e_shstrndx (offset 62) is {shstrndx}, but the section-name string table must be one of sections 1..{shnum - 1}");

        var sections = ReadSections((int)shoff, shnum, shstrndx);
        var stringTables = new Dictionary<int, ElfStringTable>();
        foreach (var s in sections)
        {
            CheckSection(s, shnum);
            if (s.Type == ElfSectionType.StrTab)
                stringTables[s.Index] = new ElfStringTable(d, (int)s.Offset, (int)s.Size, $"string table {s}", _fileName);
        }

        ElfSection? symtab = null;
        foreach (var s in sections)
        {
            if (s.Type != ElfSectionType.SymTab) continue;
            if (symtab is not null)
                throw Error($"{s} is a second SHT_SYMTAB (the first is {symtab}); only one symbol table is allowed");
            symtab = s;
        }
        var symbols = symtab is null ? Array.Empty<ElfSymbol>() : ReadSymbols(symtab, sections, stringTables);

        var relocationSections = new List<ElfRelocationSection>();
        foreach (var s in sections)
            if (s.Type is ElfSectionType.Rela or ElfSectionType.Rel)
                relocationSections.Add(ReadRelocations(s, sections, symtab, symbols, machine));

        return new ElfObject(d, _fileName, machine, type, flags, sections, symbols, symtab, relocationSections);
    }

    private ElfSection[] ReadSections(int shoff, int shnum, int shstrndx)
    {
        if (_data.AsSpan(shoff, SectionHeaderSize).IndexOfAnyExcept((byte)0) >= 0)
            throw Error($"section 0 (header at offset {shoff}) must be an all-zero SHT_NULL entry");

        // The section-name string table comes first: every other name depends on it.
        int at = shoff + shstrndx * SectionHeaderSize;
        uint strType = U32(at + 4);
        ulong strOffset = U64(at + 24), strSize = U64(at + 32);
        if (strType != ElfSectionType.StrTab)
            throw Error($"e_shstrndx names section {shstrndx}, which is {ElfSectionType.Name(strType)}, not SHT_STRTAB");
        if (!InFile(strOffset, strSize))
            throw Error($"section {shstrndx} (the section-name string table): data (sh_offset {strOffset}, sh_size {strSize}) extends past the end of the file ({_data.Length} bytes)");
        var names = new ElfStringTable(_data, (int)strOffset, (int)strSize, $"the section-name string table (section {shstrndx})", _fileName);

        var sections = new ElfSection[shnum];
        for (int i = 0; i < shnum; i++)
        {
            at = shoff + i * SectionHeaderSize;
            uint nameOffset = U32(at);
            sections[i] = new ElfSection(i, names.Get(nameOffset, $"section {i} (header at offset {at})"), nameOffset,
                type: U32(at + 4), flags: U64(at + 8), address: U64(at + 16), offset: U64(at + 24), size: U64(at + 32),
                link: U32(at + 40), info: U32(at + 44), addressAlignment: U64(at + 48), entrySize: U64(at + 56));
        }
        return sections;
    }

    private void CheckSection(ElfSection s, int shnum)
    {
        if (s.HasFileData)
        {
            if (!InFile(s.Offset, s.Size))
                throw Error($"{s}: data (sh_offset {s.Offset}, sh_size {s.Size}) extends past the end of the file ({_data.Length} bytes)");
            if (s.Size != 0 && s.Offset < HeaderSize)
                throw Error($"{s}: data (sh_offset {s.Offset}, sh_size {s.Size}) overlaps the ELF header");
        }
        if ((s.AddressAlignment & (s.AddressAlignment - 1)) != 0)
            throw Error($"{s}: sh_addralign {s.AddressAlignment} is not a power of two");
        if (s.Link >= (uint)shnum)
            throw Error($"{s}: sh_link {s.Link} is out of range (the file has {shnum} sections)");
        if ((s.Flags & ElfSectionFlags.InfoLink) != 0 && s.Info >= (uint)shnum)
            throw Error($"{s}: sh_info {s.Info} is marked as a section index (SHF_INFO_LINK) but is out of range (the file has {shnum} sections)");
    }

    private ElfSymbol[] ReadSymbols(ElfSection symtab, ElfSection[] sections, Dictionary<int, ElfStringTable> stringTables)
    {
        if (symtab.EntrySize != SymbolSize)
            throw Error($"{symtab}: sh_entsize is {symtab.EntrySize}; ELF64 symbol table entries are {SymbolSize} bytes");
        if (symtab.Size == 0 || symtab.Size % SymbolSize != 0)
            throw Error($"{symtab}: sh_size {symtab.Size} is not a positive multiple of the {SymbolSize}-byte symbol entry size");
        if (!stringTables.TryGetValue((int)symtab.Link, out var names))
            throw Error($"{symtab}: sh_link {symtab.Link} names {sections[symtab.Link]}, which is {sections[symtab.Link].TypeName}, not SHT_STRTAB");
        int count = (int)(symtab.Size / SymbolSize);
        if (symtab.Info < 1 || symtab.Info > (uint)count)
            throw Error($"{symtab}: sh_info {symtab.Info} (one past the last local symbol) is not in 1..{count}");
        int start = (int)symtab.Offset;
        if (_data.AsSpan(start, SymbolSize).IndexOfAnyExcept((byte)0) >= 0)
            throw Error($"{symtab}: symbol 0 (at offset {start}) must be the all-zero null symbol");

        var symbols = new ElfSymbol[count];
        for (int i = 0; i < count; i++)
        {
            int at = start + i * SymbolSize;
            uint nameOffset = U32(at);
            byte info = _data[at + 4], other = _data[at + 5];
            ushort shndx = U16(at + 6);
            ulong value = U64(at + 8), size = U64(at + 16);
            string name = names.Get(nameOffset, $"symbol {i} (at offset {at})");
            string where = SymbolWhere(i, name, at);
            ElfSection? section = null;
            if (shndx == ElfSectionIndex.XIndex)
                throw Error($"{where}: st_shndx is SHN_XINDEX (0xffff); extended section indices are not supported");
            if (shndx >= ElfSectionIndex.LoReserve)
            {
                if (shndx is not (ElfSectionIndex.Absolute or ElfSectionIndex.Common))
                    throw Error($"{where}: st_shndx 0x{shndx:x4} is a reserved section index that is not supported");
            }
            else if (shndx != ElfSectionIndex.Undefined)
            {
                if (shndx >= sections.Length)
                    throw Error($"{where}: st_shndx {shndx} is out of range (the file has {sections.Length} sections)");
                section = sections[shndx];
            }

            if ((info & 0xf) == (int)ElfSymbolType.Section)
            {
                name = section?.Name ?? throw Error($"{where} is an STT_SECTION symbol but st_shndx 0x{shndx:x4} is not a section");
                where = SymbolWhere(i, name, at);
            }
            bool local = (info >> 4) == (int)ElfSymbolBinding.Local;
            if (local != (i < symtab.Info))
                throw Error(local
                    ? $"{where} is local but follows the first non-local symbol (sh_info {symtab.Info} of {symtab})"
                    : $"{where} is not local but comes before sh_info {symtab.Info} of {symtab}, where only local symbols may be");
            if (section is not null)
            {
                if (section.Type == ElfSectionType.Null)
                    throw Error($"{where} is defined in {section}, which is SHT_NULL");
                bool sized = (info & 0xf) is (int)ElfSymbolType.Function or (int)ElfSymbolType.Object;
                if (value > section.Size || (sized && size > section.Size - value))
                    throw Error($"{where}: st_value {value} and st_size {size} do not lie within {section}, which is {section.Size} bytes");
            }
            symbols[i] = new ElfSymbol(i, name, nameOffset, value, size, info, other, shndx, section);
        }
        return symbols;
    }

    private static string SymbolWhere(int index, string name, int at) =>
        name.Length == 0 ? $"symbol {index} (at offset {at})" : $"symbol {index} ({name}, at offset {at})";

    private ElfRelocationSection ReadRelocations(ElfSection s, ElfSection[] sections, ElfSection? symtab, ElfSymbol[] symbols, ushort machine)
    {
        bool rela = s.Type == ElfSectionType.Rela;
        int entrySize = rela ? RelaSize : RelSize;
        if (s.EntrySize != (ulong)entrySize)
            throw Error($"{s}: sh_entsize is {s.EntrySize}; {s.TypeName} entries are {entrySize} bytes");
        if (s.Size % (ulong)entrySize != 0)
            throw Error($"{s}: sh_size {s.Size} is not a multiple of the {entrySize}-byte entry size");
        if (symtab is null || s.Link != symtab.Index)
            throw Error($"{s}: sh_link {s.Link} must name the symbol table" + (symtab is null ? ", but the file has none" : $" ({symtab})"));
        if (s.Info == 0 || s.Info >= (uint)sections.Length)
            throw Error($"{s}: sh_info {s.Info} (the section the relocations apply to) is not in 1..{sections.Length - 1}");
        var target = sections[s.Info];
        if (!target.HasFileData)
            throw Error($"{s} applies to {target}, which is {target.TypeName} and has no data to relocate");

        int count = (int)(s.Size / (ulong)entrySize);
        var relocations = new ElfRelocation[count];
        for (int i = 0; i < count; i++)
        {
            int at = (int)s.Offset + i * entrySize;
            ulong offset = U64(at), info = U64(at + 8);
            long addend = rela ? (long)U64(at + 16) : 0;
            uint symbolIndex = (uint)(info >> 32), type = (uint)info;
            string where = $"{s} entry {i} (at offset {at})";
            if (symbolIndex >= (uint)symbols.Length)
                throw Error($"{where} names symbol {symbolIndex}, but the symbol table has {symbols.Length} symbols");
            if (offset >= target.Size)
                throw Error($"{where}: r_offset {offset} is outside {target}, which is {target.Size} bytes");
            if (Targets.ElfRelocationTypes.Width(machine, type) is int width)
            {
                string name = Targets.ElfRelocationTypes.Name(machine, type);
                if (width < 0)
                    throw Error($"{where}: relocation type {type} is not a known {Targets.ElfRelocationTypes.MachineName(machine)} relocation type");
                if ((ulong)width > target.Size - offset)
                    throw Error($"{where}: the {width}-byte {name} field at r_offset {offset} runs past the end of {target}, which is {target.Size} bytes");
            }
            relocations[i] = new ElfRelocation(i, offset, type, symbolIndex, addend, symbols[symbolIndex]);
        }
        return new ElfRelocationSection(s, target, symtab, relocations);
    }
}
