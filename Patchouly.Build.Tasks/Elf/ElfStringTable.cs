using System;
using System.Collections.Generic;
using System.Text;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Elf;

/// <summary>A <c>SHT_STRTAB</c> section's bytes, checked to start and end with NUL so every in-range offset names a terminated string.</summary>
internal sealed class ElfStringTable
{
    private readonly byte[] _data;
    private readonly int _start;
    private readonly int _length;
    private readonly string _description;
    private readonly string? _fileName;
    private readonly Dictionary<uint, string> _cache = new();

    /// <param name="data">The whole file.</param>
    /// <param name="start">The table's offset, already checked to lie within the file together with <paramref name="length"/>.</param>
    /// <param name="length">The table's size.</param>
    /// <param name="description">"string table section 1 (.strtab)", for messages.</param>
    /// <param name="fileName">The file's name, for messages.</param>
    public ElfStringTable(byte[] data, int start, int length, string description, string? fileName)
    {
        _data = data; _start = start; _length = length; _description = description; _fileName = fileName;
        if (length == 0)
            throw new ObjectFileException($"{description} is empty; a string table must hold at least the empty string", fileName);
        if (data[start] != 0)
            throw new ObjectFileException($"{description} does not start with a NUL byte (byte at file offset {start} is 0x{data[start]:x2})", fileName);
        if (data[start + length - 1] != 0)
            throw new ObjectFileException($"{description} is not NUL-terminated: its last byte (file offset {start + length - 1}) is 0x{data[start + length - 1]:x2}", fileName);
    }

    /// <summary>The string at <paramref name="offset"/>; <paramref name="what"/> ("symbol 5's name") goes into the message if it is out of range.</summary>
    public string Get(uint offset, string what)
    {
        if (_cache.TryGetValue(offset, out var cached)) return cached;
        if (offset >= (uint)_length)
            throw new ObjectFileException($"{what}: name offset {offset} is past the end of {_description}, which is {_length} bytes", _fileName);
        var rest = _data.AsSpan(_start + (int)offset, _length - (int)offset);
        string s = Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)0)]);
        _cache[offset] = s;
        return s;
    }
}
