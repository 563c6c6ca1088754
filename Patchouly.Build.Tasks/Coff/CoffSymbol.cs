namespace Patchouly.Build.Tasks.Coff;

/// <summary>The storage classes (<c>IMAGE_SYM_CLASS_*</c>) Patchouly names.</summary>
public static class CoffStorageClass
{
    /// <summary><c>IMAGE_SYM_CLASS_EXTERNAL</c>.</summary>
    public const byte External = 2;
    /// <summary><c>IMAGE_SYM_CLASS_STATIC</c>.</summary>
    public const byte Static = 3;
    /// <summary><c>IMAGE_SYM_CLASS_LABEL</c>.</summary>
    public const byte Label = 6;
    /// <summary><c>IMAGE_SYM_CLASS_FUNCTION</c> (.bf/.ef records).</summary>
    public const byte Function = 101;
    /// <summary><c>IMAGE_SYM_CLASS_FILE</c>: aux records hold a file name.</summary>
    public const byte File = 103;
    /// <summary><c>IMAGE_SYM_CLASS_SECTION</c>.</summary>
    public const byte Section = 104;
    /// <summary><c>IMAGE_SYM_CLASS_WEAK_EXTERNAL</c>: one aux record names the default definition.</summary>
    public const byte WeakExternal = 105;
}

/// <summary>Special values of a symbol's <c>SectionNumber</c>.</summary>
public static class CoffSectionNumber
{
    /// <summary><c>IMAGE_SYM_UNDEFINED</c> (a common symbol when its value is not 0).</summary>
    public const short Undefined = 0;
    /// <summary><c>IMAGE_SYM_ABSOLUTE</c>.</summary>
    public const short Absolute = -1;
    /// <summary><c>IMAGE_SYM_DEBUG</c>.</summary>
    public const short Debug = -2;
}

/// <summary>A section definition's auxiliary record (<c>IMAGE_AUX_SYMBOL.Section</c>).</summary>
/// <param name="Length">The section's size.</param>
/// <param name="NumberOfRelocations">Its relocation count.</param>
/// <param name="NumberOfLinenumbers">Its line-number count.</param>
/// <param name="CheckSum">The COMDAT checksum.</param>
/// <param name="Number">For COMDAT associative sections, the associated section's number.</param>
/// <param name="Selection">The COMDAT selection (<c>IMAGE_COMDAT_SELECT_*</c>).</param>
public sealed record CoffSectionDefinition(uint Length, ushort NumberOfRelocations, ushort NumberOfLinenumbers, uint CheckSum, ushort Number, byte Selection);

/// <summary>One primary symbol-table record (auxiliary records are attached to it), already checked.</summary>
public sealed class CoffSymbol
{
    internal CoffSymbol(int index, string name, uint value, short sectionNumber, ushort type, byte storageClass, byte auxiliaryCount,
        CoffSection? section, CoffSectionDefinition? sectionDefinition, uint? weakDefaultIndex)
    {
        Index = index; Name = name; Value = value; SectionNumber = sectionNumber; Type = type; StorageClass = storageClass;
        AuxiliaryCount = auxiliaryCount; Section = section; SectionDefinition = sectionDefinition; WeakDefaultIndex = weakDefaultIndex;
    }

    /// <summary>The record's index in the symbol table (auxiliary records count), which relocations refer to.</summary>
    public int Index { get; }
    /// <summary>The name.</summary>
    public string Name { get; }
    /// <summary><c>Value</c>: the offset in <see cref="Section"/> for defined symbols, the size of a common symbol.</summary>
    public uint Value { get; }
    /// <summary><c>SectionNumber</c>: 1-based, or one of <see cref="CoffSectionNumber"/>.</summary>
    public short SectionNumber { get; }
    /// <summary><c>Type</c>: base type in the low byte, complex type in the high (0x20: a function).</summary>
    public ushort Type { get; }
    /// <summary><c>StorageClass</c>; see <see cref="CoffStorageClass"/>.</summary>
    public byte StorageClass { get; }
    /// <summary><c>NumberOfAuxSymbols</c>.</summary>
    public byte AuxiliaryCount { get; }
    /// <summary>The section it is defined in, or null.</summary>
    public CoffSection? Section { get; }
    /// <summary>The section-definition auxiliary record of a section symbol, or null.</summary>
    public CoffSectionDefinition? SectionDefinition { get; }
    /// <summary>For a weak external, the index of its default definition (<c>TagIndex</c>).</summary>
    public uint? WeakDefaultIndex { get; }

    /// <summary>The base type (low 4 bits of <see cref="Type"/>).</summary>
    public int BaseType => Type & 0xf;
    /// <summary>The complex type (bits 4–5 of <see cref="Type"/>; 2 is <c>IMAGE_SYM_DTYPE_FUNCTION</c>).</summary>
    public int ComplexType => (Type >> 4) & 0x3;
    /// <summary>Whether it is a function (complex type <c>IMAGE_SYM_DTYPE_FUNCTION</c>).</summary>
    public bool IsFunction => ComplexType == 2;
    /// <summary>Whether it is undefined (section 0, value 0) or a weak external.</summary>
    public bool IsUndefined => (SectionNumber == CoffSectionNumber.Undefined && Value == 0) || StorageClass == CoffStorageClass.WeakExternal;
    /// <summary>Whether it is a common symbol (section 0, value = size).</summary>
    public bool IsCommon => SectionNumber == CoffSectionNumber.Undefined && Value != 0 && StorageClass == CoffStorageClass.External;
    /// <summary>Whether it is a section definition (static, no type, value 0, with a section-definition record).</summary>
    public bool IsSectionDefinition => SectionDefinition is not null;

    /// <summary>"symbol 5 (add_narrow)", for messages.</summary>
    public override string ToString() => $"symbol {Index} ({Name})";
}
