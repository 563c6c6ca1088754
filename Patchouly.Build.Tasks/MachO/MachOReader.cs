using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.MachO;

/// <summary>
/// Parses and checks a whole 64-bit Mach-O object up front, so that <see cref="MachOObject"/> holds only validated
/// data. Every problem becomes an <see cref="ObjectFileException"/>; every count and offset is checked against the
/// file length (in 64-bit arithmetic that cannot overflow) before it is used.
/// </summary>
internal sealed class MachOReader
{
    private const uint Magic64 = 0xfeedfacf, MhObject = 1;
    private const uint LcSymtab = 0x2, LcDysymtab = 0xb, LcSegment64 = 0x19, LcDataInCode = 0x29, LcLinkerOptimizationHint = 0x2e;
    private const int HeaderSize = 32, SegmentSize = 72, SectionSize = 80, SymbolSize = 16, RelocationSize = 8;
    private const uint ArmRelocAddend = 10, ArmRelocSubtractor = 1, ArmRelocUnsigned = 0;

    private readonly byte[] _data;
    private readonly string? _fileName;

    private MachOReader(byte[] data, string? fileName) { _data = data; _fileName = fileName; }

    public static MachOObject Read(byte[] data, string? fileName) => new MachOReader(data, fileName).Read();

    private ObjectFileException Error(string message) => new(message, _fileName);
    private uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)at, 4));
    private ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan((int)at, 8));
    private ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan((int)at, 2));
    private bool InFile(ulong offset, ulong size) => offset <= (ulong)_data.Length && size <= (ulong)_data.Length - offset;

    private static string FixedString(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes.Slice(0, end));
    }

    private MachOObject Read()
    {
        if (_data.Length < HeaderSize)
            throw Error($"the file is {_data.Length} bytes long, shorter than the {HeaderSize}-byte Mach-O header");
        uint magic = U32(0);
        if (magic != Magic64)
            throw Error(magic switch
            {
                0xfeedface => "this is a 32-bit Mach-O file (magic 0xfeedface); only 64-bit objects are supported",
                0xcffaedfe or 0xcefaedfe => "this is a big-endian Mach-O file; only little-endian objects are supported",
                0xbebafeca or 0xcafebabe => "this is a universal (fat) file; give the object of one architecture",
                _ => $"bad magic at offset 0: expected 0xfeedfacf (MH_MAGIC_64), found 0x{magic:x8}; this is not a Mach-O file",
            });
        uint cpuType = U32(4), cpuSubType = U32(8), fileType = U32(12), commandCount = U32(16), commandsSize = U32(20), flags = U32(24);
        if (fileType != MhObject)
            throw Error($"filetype (offset 12) is {fileType}; only relocatable objects (MH_OBJECT, 1) are supported");
        if (!InFile(HeaderSize, commandsSize))
            throw Error($"the load commands (sizeofcmds {commandsSize} after the header) run past the end of the file ({_data.Length} bytes)");
        ulong commandsEnd = HeaderSize + (ulong)commandsSize;

        var commands = new List<MachOLoadCommand>();
        long at = HeaderSize;
        for (uint i = 0; i < commandCount; i++)
        {
            if ((ulong)at + 8 > commandsEnd)
                throw Error($"load command {i} (at offset {at}) starts beyond sizeofcmds {commandsSize}; ncmds {commandCount} is too large");
            uint cmd = U32(at), size = U32(at + 4);
            if (size < 8 || size % 8 != 0 || (ulong)at + size > commandsEnd)
                throw Error($"load command {i} (cmd 0x{cmd:x} at offset {at}): cmdsize {size} is not a multiple of 8 of at least 8 within sizeofcmds {commandsSize}");
            commands.Add(new MachOLoadCommand(cmd, size, (int)at));
            at += size;
        }
        if ((ulong)at != commandsEnd)
            throw Error($"the {commandCount} load commands end at offset {at}, but sizeofcmds says {commandsEnd}");

        MachOLoadCommand? segment = null, symtab = null;
        foreach (var c in commands)
        {
            switch (c.Command)
            {
                case LcSegment64:
                    if (segment is not null) throw Error($"a second LC_SEGMENT_64 at offset {c.Offset}; an object has one segment");
                    segment = c;
                    break;
                case LcSymtab:
                    if (symtab is not null) throw Error($"a second LC_SYMTAB at offset {c.Offset}");
                    if (c.Size != 24) throw Error($"LC_SYMTAB at offset {c.Offset}: cmdsize {c.Size}, expected 24");
                    symtab = c;
                    break;
                case LcDataInCode or LcLinkerOptimizationHint:
                    if (c.Size != 16) throw Error($"load command 0x{c.Command:x} at offset {c.Offset}: cmdsize {c.Size}, expected 16");
                    if (!InFile(U32(c.Offset + 8), U32(c.Offset + 12)))
                        throw Error($"load command 0x{c.Command:x} at offset {c.Offset}: its data (offset {U32(c.Offset + 8)}, {U32(c.Offset + 12)} bytes) runs past the end of the file");
                    break;
            }
        }

        string segmentName = "";
        var sections = new List<MachOSection>();
        if (segment is not null)
        {
            int s = segment.Offset;
            segmentName = FixedString(_data.AsSpan(s + 8, 16));
            ulong vmaddr = U64(s + 24), vmsize = U64(s + 32), fileoff = U64(s + 40), filesize = U64(s + 48);
            uint nsects = U32(s + 64);
            if ((ulong)segment.Size != SegmentSize + (ulong)nsects * SectionSize)
                throw Error($"LC_SEGMENT_64 at offset {s}: cmdsize {segment.Size} does not match its {nsects} sections ({SegmentSize} + {nsects} × {SectionSize})");
            if (nsects > 255)
                throw Error($"LC_SEGMENT_64 at offset {s} has {nsects} sections; symbols can name at most 255");
            if (filesize != 0 && !InFile(fileoff, filesize))
                throw Error($"LC_SEGMENT_64 at offset {s}: its file range (fileoff {fileoff}, filesize {filesize}) runs past the end of the file ({_data.Length} bytes)");
            if (vmsize > ulong.MaxValue - vmaddr)
                throw Error($"LC_SEGMENT_64 at offset {s}: vmaddr 0x{vmaddr:x} + vmsize 0x{vmsize:x} overflows");
            for (int i = 0; i < nsects; i++)
                sections.Add(ReadSection(i + 1, s + SegmentSize + i * SectionSize, vmaddr, vmsize, commandsEnd));
        }

        var symbols = new List<MachOSymbol>();
        if (symtab is not null)
        {
            int c = symtab.Offset;
            uint symoff = U32(c + 8), nsyms = U32(c + 12), stroff = U32(c + 16), strsize = U32(c + 20);
            if (nsyms != 0 && (symoff < commandsEnd || !InFile(symoff, (ulong)nsyms * SymbolSize)))
                throw Error($"LC_SYMTAB: the symbol table (symoff {symoff}, {nsyms} entries of {SymbolSize} bytes) does not lie within the file ({_data.Length} bytes) after the load commands");
            if (!InFile(stroff, strsize))
                throw Error($"LC_SYMTAB: the string table (stroff {stroff}, strsize {strsize}) runs past the end of the file ({_data.Length} bytes)");
            for (int i = 0; i < nsyms; i++)
                symbols.Add(ReadSymbol(i, symoff + (long)i * SymbolSize, stroff, strsize, sections));
        }
        foreach (var c in commands)
            if (c.Command == LcDysymtab)
            {
                if (c.Size != 80) throw Error($"LC_DYSYMTAB at offset {c.Offset}: cmdsize {c.Size}, expected 80");
                for (int g = 0; g < 3; g++)
                {
                    ulong first = U32(c.Offset + 8 + 8 * g), count = U32(c.Offset + 12 + 8 * g);
                    if (first + count > (ulong)symbols.Count)
                        throw Error($"LC_DYSYMTAB at offset {c.Offset}: symbol range {first}+{count} ({(g == 0 ? "local" : g == 1 ? "defined external" : "undefined")}) exceeds the {symbols.Count} symbols");
                }
            }

        var relocations = new IReadOnlyList<MachORelocation>[sections.Count];
        for (int i = 0; i < sections.Count; i++)
            relocations[i] = ReadRelocations(sections[i], sections, symbols, cpuType);

        return new MachOObject(_data, _fileName, cpuType, cpuSubType, flags, commands, segmentName, sections, relocations, symbols);
    }

    private MachOSection ReadSection(int ordinal, int at, ulong vmaddr, ulong vmsize, ulong commandsEnd)
    {
        var section = new MachOSection(ordinal, FixedString(_data.AsSpan(at, 16)), FixedString(_data.AsSpan(at + 16, 16)), U64(at + 32), U64(at + 40),
            U32(at + 48), U32(at + 52), U32(at + 56), U32(at + 60), U32(at + 64), U32(at + 68), U32(at + 72), U32(at + 76));
        string where = section.ToString();
        if (section.Address < vmaddr || section.Size > vmsize || section.Address - vmaddr > vmsize - section.Size)
            throw Error($"{where}: addr 0x{section.Address:x} and size 0x{section.Size:x} do not lie within the segment (0x{vmaddr:x}, size 0x{vmsize:x})");
        if (section.Align > 15)
            throw Error($"{where}: align 2^{section.Align} is not a plausible alignment");
        if (!section.IsZeroFill && section.Size != 0)
        {
            if (!InFile(section.Offset, section.Size))
                throw Error($"{where}: data (offset {section.Offset}, size {section.Size}) extends past the end of the file ({_data.Length} bytes)");
            if (section.Offset < commandsEnd)
                throw Error($"{where}: data (offset {section.Offset}) overlaps the header or the load commands, which end at {commandsEnd}");
        }
        if (section.RelocationCount != 0)
        {
            if (section.IsZeroFill)
                throw Error($"{where} is zero-fill but has {section.RelocationCount} relocations");
            if (section.RelocationOffset < commandsEnd || !InFile(section.RelocationOffset, (ulong)section.RelocationCount * RelocationSize))
                throw Error($"{where}: the relocations (reloff {section.RelocationOffset}, {section.RelocationCount} entries of {RelocationSize} bytes) do not lie within the file ({_data.Length} bytes) after the load commands");
        }
        return section;
    }

    private MachOSymbol ReadSymbol(int index, long at, uint stroff, uint strsize, List<MachOSection> sections)
    {
        uint strx = U32(at);
        byte type = _data[at + 4], sect = _data[at + 5];
        ushort desc = U16(at + 6);
        ulong value = U64(at + 8);
        string where = $"symbol {index} (at offset {at})";
        if (strx >= strsize && !(strx == 0 && strsize == 0))
            throw Error($"{where}: n_strx {strx} is outside the string table ({strsize} bytes)");
        string name = "";
        if (strsize > 0)
        {
            var span = _data.AsSpan((int)(stroff + strx), (int)(strsize - strx));
            int end = span.IndexOf((byte)0);
            if (end < 0) throw Error($"{where}: its name at n_strx {strx} is not NUL-terminated before the string table ends");
            name = Encoding.UTF8.GetString(span.Slice(0, end));
        }
        where = $"symbol {index} ({name}, at offset {at})";
        MachOSection? section = null;
        if ((type & MachOSymbol.Stab) == 0)
        {
            switch (type & MachOSymbol.TypeMask)
            {
                case MachOSymbol.Undefined or MachOSymbol.Absolute:
                    if (sect != 0) throw Error($"{where}: an undefined or absolute symbol has n_sect {sect}, not NO_SECT (0)");
                    break;
                case MachOSymbol.InSection:
                    if (sect == 0 || sect > sections.Count)
                        throw Error($"{where}: n_sect {sect} is not a section (the file has {sections.Count})");
                    section = sections[sect - 1];
                    if (value < section.Address || value - section.Address > section.Size)
                        throw Error($"{where}: n_value 0x{value:x} lies outside {section} (0x{section.Address:x}, size 0x{section.Size:x})");
                    break;
                default:
                    throw Error($"{where}: n_type 0x{type:x2} ({((type & MachOSymbol.TypeMask) == 0xa ? "N_INDR" : (type & MachOSymbol.TypeMask) == 0xc ? "N_PBUD" : "an undefined N_TYPE")}) is not supported");
            }
        }
        return new MachOSymbol(index, name, strx, type, sect, desc, value, section);
    }

    private MachORelocation[] ReadRelocations(MachOSection section, List<MachOSection> sections, List<MachOSymbol> symbols, uint cpuType)
    {
        var list = new MachORelocation[section.RelocationCount];
        bool checkTypes = Targets.MachORelocationTypes.HasTable(cpuType);
        for (int i = 0; i < list.Length; i++)
        {
            long at = section.RelocationOffset + (long)i * RelocationSize;
            uint address = U32(at), info = U32(at + 4);
            string where = $"{section} relocation {i} (at offset {at})";
            if ((address & 0x80000000) != 0)
                throw Error($"{where} is a scattered relocation, which is not supported");
            uint symbolNumber = info & 0xffffff, type = info >> 28;
            bool pcrel = ((info >> 24) & 1) != 0, external = ((info >> 27) & 1) != 0;
            int length = (int)((info >> 25) & 3);
            if (checkTypes && !Targets.MachORelocationTypes.LengthAllowed(cpuType, type, length))
                throw Error($"{where}: {Targets.MachORelocationTypes.Name(cpuType, type)} with r_length {length} is not a known {MachOCpuType.Name(cpuType)} relocation");
            if ((ulong)address + (1UL << length) > section.Size)
                throw Error($"{where}: the {1 << length}-byte field at r_address {address} runs past the end of {section}, which is {section.Size} bytes");
            MachOSymbol? symbol = null;
            MachOSection? target = null;
            bool isAddend = cpuType == MachOCpuType.Arm64 && type == ArmRelocAddend;
            if (isAddend)
            {
                if (external) throw Error($"{where}: ARM64_RELOC_ADDEND must not be r_extern");
            }
            else if (external)
            {
                if (symbolNumber >= (uint)symbols.Count)
                    throw Error($"{where} names symbol {symbolNumber}, but the symbol table has {symbols.Count} symbols");
                symbol = symbols[(int)symbolNumber];
                if (symbol.IsStab) throw Error($"{where} refers to {symbol}, a debugging entry");
            }
            else
            {
                if (symbolNumber == 0 || symbolNumber > (uint)sections.Count)
                    throw Error($"{where}: a section-relative relocation names section {symbolNumber}, which does not exist (the file has {sections.Count})");
                target = sections[(int)symbolNumber - 1];
            }
            list[i] = new MachORelocation(i, address, symbolNumber, pcrel, length, external, type, symbol, target);
        }
        if (cpuType == MachOCpuType.Arm64)
            for (int i = 0; i < list.Length; i++)
            {
                var r = list[i];
                if (r.Type is not (ArmRelocAddend or ArmRelocSubtractor)) continue;
                var next = i + 1 < list.Length ? list[i + 1] : null;
                bool ok = r.Type == ArmRelocAddend
                    ? next is { Type: 2 or 3 or 4 } && next.Address == r.Address
                    : next is { Type: ArmRelocUnsigned } && next.Address == r.Address && next.Length == r.Length;
                if (!ok)
                    throw Error($"{section} relocation {i}: {Targets.MachORelocationTypes.Name(cpuType, r.Type)} at r_address {r.Address} is not followed by the entry it pairs with ({(r.Type == ArmRelocAddend ? "BRANCH26, PAGE21 or PAGEOFF12" : "UNSIGNED")} at the same address)");
            }
        return list;
    }
}
