namespace Patchouly.Build.Tasks.Elf;

/// <summary>One entry of the symbol table, already checked against its section.</summary>
public sealed class ElfSymbol
{
    internal ElfSymbol(int index, string name, uint nameOffset, ulong value, ulong size, byte info, byte other,
        ushort sectionIndex, ElfSection? section)
    {
        Index = index; Name = name; NameOffset = nameOffset; Value = value; Size = size; Info = info; Other = other;
        SectionIndex = sectionIndex; Section = section;
    }

    /// <summary>The index in the symbol table (what relocations refer to).</summary>
    public int Index { get; }
    /// <summary>The name; for <see cref="ElfSymbolType.Section"/> symbols, the section's name.</summary>
    public string Name { get; }
    /// <summary><c>st_name</c>: the name's offset in the symbol string table.</summary>
    public uint NameOffset { get; }
    /// <summary><c>st_value</c>: in a relocatable object, the offset in <see cref="Section"/>.</summary>
    public ulong Value { get; }
    /// <summary><c>st_size</c>.</summary>
    public ulong Size { get; }
    /// <summary><c>st_info</c>: binding and type.</summary>
    public byte Info { get; }
    /// <summary><c>st_other</c>: visibility (and unused bits).</summary>
    public byte Other { get; }
    /// <summary><c>st_shndx</c>: a section index or one of the special values in <see cref="ElfSectionIndex"/>.</summary>
    public ushort SectionIndex { get; }
    /// <summary>The section the symbol is defined in; null when undefined, absolute or common.</summary>
    public ElfSection? Section { get; }

    /// <summary>The type (low four bits of <c>st_info</c>).</summary>
    public ElfSymbolType Type => (ElfSymbolType)(Info & 0xf);
    /// <summary>The binding (high four bits of <c>st_info</c>).</summary>
    public ElfSymbolBinding Binding => (ElfSymbolBinding)(Info >> 4);
    /// <summary>The visibility (low two bits of <c>st_other</c>).</summary>
    public ElfSymbolVisibility Visibility => (ElfSymbolVisibility)(Other & 3);
    /// <summary>Whether the symbol is undefined (<c>SHN_UNDEF</c>): it must come from elsewhere.</summary>
    public bool IsUndefined => SectionIndex == ElfSectionIndex.Undefined;
    /// <summary>Whether the symbol is absolute (<c>SHN_ABS</c>).</summary>
    public bool IsAbsolute => SectionIndex == ElfSectionIndex.Absolute;
    /// <summary>Whether the symbol is a common block (<c>SHN_COMMON</c>).</summary>
    public bool IsCommon => SectionIndex == ElfSectionIndex.Common;

    /// <summary>"symbol 5 (add_narrow)", for messages.</summary>
    public override string ToString() => $"symbol {Index} ({Name})";
}
