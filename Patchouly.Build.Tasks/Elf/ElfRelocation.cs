namespace Patchouly.Build.Tasks.Elf;

/// <summary>One relocation entry, already checked against its target section and the symbol table.</summary>
public sealed class ElfRelocation
{
    internal ElfRelocation(int index, ulong offset, uint type, uint symbolIndex, long addend, ElfSymbol symbol)
    {
        Index = index; Offset = offset; Type = type; SymbolIndex = symbolIndex; Addend = addend; Symbol = symbol;
    }

    /// <summary>The entry's index in its relocation section.</summary>
    public int Index { get; }
    /// <summary><c>r_offset</c>: where in the target section the relocation applies.</summary>
    public ulong Offset { get; }
    /// <summary><c>ELF64_R_TYPE(r_info)</c>; named by <c>Targets.ElfRelocationTypes</c>.</summary>
    public uint Type { get; }
    /// <summary><c>ELF64_R_SYM(r_info)</c>: the index in the symbol table (0 means no symbol).</summary>
    public uint SymbolIndex { get; }
    /// <summary><c>r_addend</c>; 0 for <c>SHT_REL</c> entries, whose addend is stored in the section data.</summary>
    public long Addend { get; }
    /// <summary>The symbol at <see cref="SymbolIndex"/> (the null symbol for index 0).</summary>
    public ElfSymbol Symbol { get; }

    /// <summary>"relocation 3 at 0x8: type 4 against symbol 7 (next) -4", for messages.</summary>
    public override string ToString() => $"relocation {Index} at 0x{Offset:x}: type {Type} against {Symbol} {Addend:+0;-0;+0}";
}
