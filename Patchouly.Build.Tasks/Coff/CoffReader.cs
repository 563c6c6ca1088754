using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Coff;

/// <summary>
/// Parses and checks a whole COFF object up front, so that <see cref="CoffObject"/> holds only validated data. Every
/// problem becomes an <see cref="ObjectFileException"/>; every count and offset is checked against the file length (in
/// 64-bit arithmetic that cannot overflow) before it is used.
/// </summary>
internal sealed class CoffReader
{
    private const int HeaderSize = 20, SectionHeaderSize = 40, SymbolSize = 18, RelocationSize = 10;

    private readonly byte[] _data;
    private readonly string? _fileName;
    private int _stringTable = -1, _stringTableSize;

    private CoffReader(byte[] data, string? fileName) { _data = data; _fileName = fileName; }

    public static CoffObject Read(byte[] data, string? fileName) => new CoffReader(data, fileName).Read();

    private ObjectFileException Error(string message) => new(message, _fileName);
    private ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan((int)at, 2));
    private uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)at, 4));

    /// <summary>Whether <c>[offset, offset + size)</c> lies within the file, without overflowing.</summary>
    private bool InFile(ulong offset, ulong size) => offset <= (ulong)_data.Length && size <= (ulong)_data.Length - offset;

    private CoffObject Read()
    {
        if (_data.Length < HeaderSize)
            throw Error($"the file is {_data.Length} bytes long, shorter than the {HeaderSize}-byte COFF file header");
        ushort machine = U16(0), sectionCount = U16(2);
        if (machine == CoffMachine.Unknown && sectionCount == 0xffff)
            throw Error("the file starts like a bigobj or import object (Machine 0, NumberOfSections 0xffff); only regular COFF objects are supported");
        uint timeDateStamp = U32(4), symbolTable = U32(8), symbolCount = U32(12);
        ushort optionalHeaderSize = U16(16), characteristics = U16(18);
        if (optionalHeaderSize != 0)
            throw Error($"SizeOfOptionalHeader (offset 16) is {optionalHeaderSize}; an object file has no optional header (is this an image, or not COFF at all?)");
        ulong headersEnd = HeaderSize + (ulong)sectionCount * SectionHeaderSize;
        if (!InFile(0, headersEnd))
            throw Error($"the section table ({sectionCount} headers of {SectionHeaderSize} bytes after the file header) runs past the end of the file ({_data.Length} bytes)");

        // The symbol table, then the string table right after it (section names may live there).
        if (symbolTable == 0)
        {
            if (symbolCount != 0)
                throw Error($"NumberOfSymbols (offset 12) is {symbolCount} but PointerToSymbolTable is 0");
        }
        else
        {
            ulong tableSize = (ulong)symbolCount * SymbolSize;
            if (symbolTable < headersEnd || !InFile(symbolTable, tableSize))
                throw Error($"the symbol table (PointerToSymbolTable {symbolTable}, {symbolCount} records of {SymbolSize} bytes) does not lie within the file ({_data.Length} bytes) after the headers");
            ulong strings = symbolTable + tableSize;
            if (!InFile(strings, 4))
                throw Error($"the string table's size field at offset {strings} (after the symbol table) runs past the end of the file ({_data.Length} bytes)");
            uint size = U32((long)strings);
            if (size < 4 || !InFile(strings, size))
                throw Error($"the string table at offset {strings} has size {size}, which is less than its own 4-byte size field or runs past the end of the file ({_data.Length} bytes)");
            _stringTable = (int)strings;
            _stringTableSize = (int)size;
        }

        var sections = new CoffSection[sectionCount];
        for (int i = 0; i < sectionCount; i++)
            sections[i] = ReadSection(i + 1, HeaderSize + i * SectionHeaderSize, headersEnd);

        var (symbols, byIndex) = ReadSymbols(symbolTable, (int)symbolCount, sections);

        var relocations = new IReadOnlyList<CoffRelocation>[sectionCount];
        for (int i = 0; i < sectionCount; i++)
            relocations[i] = ReadRelocations(sections[i], byIndex, machine);

        return new CoffObject(_data, _fileName, machine, timeDateStamp, characteristics, sections, relocations, symbols, symbolTable, (int)symbolCount);
    }

    private string String(uint offset, string what)
    {
        if (_stringTable < 0)
            throw Error($"{what} names string-table offset {offset}, but the file has no string table");
        if (offset < 4 || offset >= (uint)_stringTableSize)
            throw Error($"{what} names string-table offset {offset}, outside the string table's strings (4..{_stringTableSize - 1})");
        var span = _data.AsSpan(_stringTable + (int)offset, _stringTableSize - (int)offset);
        int end = span.IndexOf((byte)0);
        if (end < 0)
            throw Error($"{what}: the string at string-table offset {offset} is not NUL-terminated before the table ends");
        return Encoding.UTF8.GetString(span.Slice(0, end));
    }

    private static string Inline(ReadOnlySpan<byte> name)
    {
        int end = name.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? name : name.Slice(0, end));
    }

    private CoffSection ReadSection(int number, int at, ulong headersEnd)
    {
        var rawName = _data.AsSpan(at, 8);
        string where = $"section {number} (header at offset {at})";
        string name;
        if (rawName[0] == (byte)'/')
        {
            string digits = Inline(rawName.Slice(1));
            if (digits.StartsWith('/'))
                throw Error($"{where}: a base-64 long section name ('//…') is not supported");
            if (digits.Length == 0 || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out uint offset))
                throw Error($"{where}: the name '/{digits}' is not '/' followed by a decimal string-table offset");
            name = String(offset, where);
        }
        else name = Inline(rawName);
        where = $"section {number} ({name})";

        uint virtualSize = U32(at + 8), virtualAddress = U32(at + 12), size = U32(at + 16), pointer = U32(at + 20);
        uint relocationPointer = U32(at + 24), lineNumberPointer = U32(at + 28);
        ushort relocationCount = U16(at + 32), lineNumberCount = U16(at + 34);
        uint characteristics = U32(at + 36);
        var section = new CoffSection(number, name, virtualSize, virtualAddress, size, pointer, relocationPointer, lineNumberPointer,
            relocationCount, lineNumberCount, characteristics);

        if ((characteristics & CoffSectionFlags.AlignMask) == CoffSectionFlags.AlignMask)
            throw Error($"{where}: alignment code 15 in Characteristics 0x{characteristics:x8} is not defined");
        if ((characteristics & CoffSectionFlags.RelocationOverflow) != 0)
            throw Error($"{where}: IMAGE_SCN_LNK_NRELOC_OVFL (more than 65535 relocations) is not supported");
        if (lineNumberCount != 0 || lineNumberPointer != 0)
            throw Error($"{where}: COFF line numbers (PointerToLinenumbers {lineNumberPointer}, NumberOfLinenumbers {lineNumberCount}) are deprecated and not supported");
        if (section.HasFileData && size != 0)
        {
            if (!InFile(pointer, size))
                throw Error($"{where}: data (PointerToRawData {pointer}, SizeOfRawData {size}) extends past the end of the file ({_data.Length} bytes)");
            if (pointer < headersEnd)
                throw Error($"{where}: data (PointerToRawData {pointer}, SizeOfRawData {size}) overlaps the file header or the section table (which end at {headersEnd})");
        }
        if (relocationCount != 0)
        {
            if (!section.HasFileData)
                throw Error($"{where} is uninitialized data but has {relocationCount} relocations");
            if (relocationPointer < headersEnd || !InFile(relocationPointer, (ulong)relocationCount * RelocationSize))
                throw Error($"{where}: the relocation table (PointerToRelocations {relocationPointer}, {relocationCount} records of {RelocationSize} bytes) does not lie within the file ({_data.Length} bytes) after the headers");
        }
        return section;
    }

    private (CoffSymbol[] Symbols, Dictionary<uint, CoffSymbol> ByIndex) ReadSymbols(uint table, int count, CoffSection[] sections)
    {
        var symbols = new List<CoffSymbol>();
        var byIndex = new Dictionary<uint, CoffSymbol>();
        var weak = new List<(CoffSymbol Symbol, uint Tag)>();
        for (int i = 0; i < count; i++)
        {
            long at = table + (long)i * SymbolSize;
            string name = U32(at) == 0 ? String(U32(at + 4), $"symbol {i} (at offset {at})") : Inline(_data.AsSpan((int)at, 8));
            uint value = U32(at + 8);
            short sectionNumber = (short)U16(at + 12);
            ushort type = U16(at + 14);
            byte storage = _data[at + 16], aux = _data[at + 17];
            string where = $"symbol {i} ({name}, at offset {at})";
            if (aux > count - 1 - i)
                throw Error($"{where}: its {aux} auxiliary records run past the end of the symbol table ({count} records)");

            CoffSection? section = null;
            if (sectionNumber > 0)
            {
                if (sectionNumber > sections.Length)
                    throw Error($"{where}: SectionNumber {sectionNumber} is out of range (the file has {sections.Length} sections)");
                section = sections[sectionNumber - 1];
                if (storage is not (CoffStorageClass.File or CoffStorageClass.Function) && value > section.SizeOfRawData)
                    throw Error($"{where}: Value {value} lies outside {section}, which is {section.SizeOfRawData} bytes");
            }
            else if (sectionNumber < CoffSectionNumber.Debug)
                throw Error($"{where}: SectionNumber {sectionNumber} is neither a section nor IMAGE_SYM_UNDEFINED/ABSOLUTE/DEBUG");

            CoffSectionDefinition? definition = null;
            uint? weakDefault = null;
            long auxAt = at + SymbolSize;
            if (storage == CoffStorageClass.Static && type == 0 && value == 0 && aux > 0 && section is not null)
            {
                definition = new CoffSectionDefinition(U32(auxAt), U16(auxAt + 4), U16(auxAt + 6), U32(auxAt + 8), U16(auxAt + 12), _data[auxAt + 14]);
                if (definition.Selection > 6)
                    throw Error($"{where}: COMDAT selection {definition.Selection} in its section definition is not defined (1..6)");
                if (definition.Selection == 5 && (definition.Number == 0 || definition.Number > sections.Length))
                    throw Error($"{where}: an associative COMDAT names section {definition.Number}, which does not exist");
            }
            else if (storage == CoffStorageClass.WeakExternal)
            {
                if (aux == 0)
                    throw Error($"{where} is a weak external without the auxiliary record that names its default");
                if (sectionNumber != CoffSectionNumber.Undefined)
                    throw Error($"{where} is a weak external but is defined in section number {sectionNumber}");
                weakDefault = U32(auxAt);
            }
            var symbol = new CoffSymbol(i, name, value, sectionNumber, type, storage, aux, section, definition, weakDefault);
            symbols.Add(symbol);
            byIndex[(uint)i] = symbol;
            if (weakDefault is uint tag) weak.Add((symbol, tag));
            i += aux;
        }
        foreach (var (symbol, tag) in weak)
            if (!byIndex.ContainsKey(tag))
                throw Error($"{symbol} is a weak external whose default (TagIndex {tag}) is not a symbol record");
        return (symbols.ToArray(), byIndex);
    }

    private CoffRelocation[] ReadRelocations(CoffSection section, Dictionary<uint, CoffSymbol> symbols, ushort machine)
    {
        var relocations = new CoffRelocation[section.NumberOfRelocations];
        for (int i = 0; i < relocations.Length; i++)
        {
            long at = section.PointerToRelocations + (long)i * RelocationSize;
            uint address = U32(at), symbolIndex = U32(at + 4);
            ushort type = U16(at + 8);
            string where = $"{section} relocation {i} (at offset {at})";
            if (!symbols.TryGetValue(symbolIndex, out var symbol))
                throw Error($"{where} names symbol record {symbolIndex}, which is not a symbol (out of range or an auxiliary record)");
            if (Targets.CoffRelocationTypes.Width(machine, type) is int width)
            {
                string name = Targets.CoffRelocationTypes.Name(machine, type);
                if (width < 0)
                    throw Error($"{where}: relocation type 0x{type:x} is not a known {CoffMachine.Name(machine)} relocation type");
                if ((ulong)address + (ulong)width > section.SizeOfRawData)
                    throw Error($"{where}: the {width}-byte {name} field at VirtualAddress {address} runs past the end of {section}, which is {section.SizeOfRawData} bytes");
            }
            else if (address >= section.SizeOfRawData)
                throw Error($"{where}: VirtualAddress {address} is outside {section}, which is {section.SizeOfRawData} bytes");
            relocations[i] = new CoffRelocation(i, address, symbolIndex, type, symbol);
        }
        return relocations;
    }
}
