namespace Patchouly.Build.Tasks.MachO;

/// <summary>One <c>relocation_info</c> entry (8 bytes), already checked against its section, the symbols and the sections.</summary>
public sealed class MachORelocation
{
    internal MachORelocation(int index, uint address, uint symbolNumber, bool pcRelative, int length, bool isExternal, uint type, MachOSymbol? symbol, MachOSection? targetSection)
    {
        Index = index; Address = address; SymbolNumber = symbolNumber; IsPcRelative = pcRelative; Length = length; IsExternal = isExternal; Type = type;
        Symbol = symbol; TargetSection = targetSection;
    }

    /// <summary>The entry's index in its section's relocation table.</summary>
    public int Index { get; }
    /// <summary><c>r_address</c>: the field's offset in the section.</summary>
    public uint Address { get; }
    /// <summary><c>r_symbolnum</c>: a symbol index (external), a section ordinal (local), or the addend (<c>ARM64_RELOC_ADDEND</c>).</summary>
    public uint SymbolNumber { get; }
    /// <summary><c>r_pcrel</c>.</summary>
    public bool IsPcRelative { get; }
    /// <summary><c>r_length</c>: log2 of the field's width in bytes.</summary>
    public int Length { get; }
    /// <summary><c>r_extern</c>.</summary>
    public bool IsExternal { get; }
    /// <summary><c>r_type</c>.</summary>
    public uint Type { get; }
    /// <summary>The symbol of an external entry, else null.</summary>
    public MachOSymbol? Symbol { get; }
    /// <summary>The section of a local (section-relative) entry, else null.</summary>
    public MachOSection? TargetSection { get; }

    /// <summary>The field's width in bytes.</summary>
    public int Width => 1 << Length;

    /// <summary>The addend of an <c>ARM64_RELOC_ADDEND</c> entry: <c>r_symbolnum</c> as a signed 24-bit number.</summary>
    public long AddendValue => (SymbolNumber & 0x800000) != 0 ? (long)SymbolNumber - 0x1000000 : SymbolNumber;

    /// <summary>"relocation 3 at 0x10: type 2 against symbol 19 (_patchouly_next)", for messages.</summary>
    public override string ToString() =>
        $"relocation {Index} at 0x{Address:x}: type {Type} against {(Symbol?.ToString() ?? TargetSection?.ToString() ?? "#" + SymbolNumber)}";
}
