namespace Patchouly.Build.Tasks.Coff;

/// <summary>One relocation record (10 bytes) of a section, already checked against the section and the symbol table.</summary>
public sealed class CoffRelocation
{
    internal CoffRelocation(int index, uint virtualAddress, uint symbolTableIndex, ushort type, CoffSymbol symbol)
    {
        Index = index; VirtualAddress = virtualAddress; SymbolTableIndex = symbolTableIndex; Type = type; Symbol = symbol;
    }

    /// <summary>The record's index in its section's relocation table.</summary>
    public int Index { get; }
    /// <summary><c>VirtualAddress</c>: the field's offset in the section (objects have section address 0).</summary>
    public uint VirtualAddress { get; }
    /// <summary><c>SymbolTableIndex</c>: a primary record's index.</summary>
    public uint SymbolTableIndex { get; }
    /// <summary><c>Type</c>: an <c>IMAGE_REL_AMD64_*</c> (or other machine's) value.</summary>
    public ushort Type { get; }
    /// <summary>The symbol at <see cref="SymbolTableIndex"/>.</summary>
    public CoffSymbol Symbol { get; }

    /// <summary>"relocation 1 at 0x9: type 4 against symbol 26 (patchouly_next)", for messages.</summary>
    public override string ToString() => $"relocation {Index} at 0x{VirtualAddress:x}: type {Type} against {Symbol}";
}
