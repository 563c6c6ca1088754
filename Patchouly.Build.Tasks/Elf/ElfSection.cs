namespace Patchouly.Build.Tasks.Elf;

/// <summary>One section header of an <see cref="ElfObject"/>, already checked against the file.</summary>
public sealed class ElfSection
{
    internal ElfSection(int index, string name, uint nameOffset, uint type, ulong flags, ulong address, ulong offset,
        ulong size, uint link, uint info, ulong addressAlignment, ulong entrySize)
    {
        Index = index; Name = name; NameOffset = nameOffset; Type = type; Flags = flags; Address = address;
        Offset = offset; Size = size; Link = link; Info = info; AddressAlignment = addressAlignment; EntrySize = entrySize;
    }

    /// <summary>The index in the section header table.</summary>
    public int Index { get; }
    /// <summary>The name, from the section-name string table.</summary>
    public string Name { get; }
    /// <summary><c>sh_name</c>: the name's offset in the section-name string table.</summary>
    public uint NameOffset { get; }
    /// <summary><c>sh_type</c>; see <see cref="ElfSectionType"/>.</summary>
    public uint Type { get; }
    /// <summary><c>sh_flags</c>; see <see cref="ElfSectionFlags"/>.</summary>
    public ulong Flags { get; }
    /// <summary><c>sh_addr</c> (normally 0 in a relocatable object).</summary>
    public ulong Address { get; }
    /// <summary><c>sh_offset</c>: where the data starts in the file.</summary>
    public ulong Offset { get; }
    /// <summary><c>sh_size</c>: the size in bytes (in memory, for <see cref="ElfSectionType.NoBits"/>).</summary>
    public ulong Size { get; }
    /// <summary><c>sh_link</c>: a section index whose meaning depends on the type.</summary>
    public uint Link { get; }
    /// <summary><c>sh_info</c>: extra information whose meaning depends on the type.</summary>
    public uint Info { get; }
    /// <summary><c>sh_addralign</c>: zero or a power of two.</summary>
    public ulong AddressAlignment { get; }
    /// <summary><c>sh_entsize</c>: the size of one entry for tables, else 0.</summary>
    public ulong EntrySize { get; }

    /// <summary>Whether the section occupies bytes in the file (not <c>SHT_NULL</c> or <c>SHT_NOBITS</c>).</summary>
    public bool HasFileData => Type is not (ElfSectionType.Null or ElfSectionType.NoBits);
    /// <summary>Whether <see cref="ElfSectionFlags.Alloc"/> is set.</summary>
    public bool IsAlloc => (Flags & ElfSectionFlags.Alloc) != 0;
    /// <summary>Whether <see cref="ElfSectionFlags.ExecInstr"/> is set.</summary>
    public bool IsExecutable => (Flags & ElfSectionFlags.ExecInstr) != 0;
    /// <summary>Whether <see cref="ElfSectionFlags.Write"/> is set.</summary>
    public bool IsWritable => (Flags & ElfSectionFlags.Write) != 0;
    /// <summary>The canonical name of <see cref="Type"/>, for example <c>SHT_PROGBITS</c>.</summary>
    public string TypeName => ElfSectionType.Name(Type);

    /// <summary>"section 7 (.text.f)", for messages.</summary>
    public override string ToString() => $"section {Index} ({Name})";
}
