namespace Patchouly.Build.Tasks.Elf;

/// <summary>Special values of a symbol's <c>st_shndx</c> field.</summary>
public static class ElfSectionIndex
{
    /// <summary><c>SHN_UNDEF</c>: the symbol is undefined.</summary>
    public const ushort Undefined = 0;
    /// <summary><c>SHN_LORESERVE</c>: the first reserved index; no real section has an index this high.</summary>
    public const ushort LoReserve = 0xff00;
    /// <summary><c>SHN_ABS</c>: the symbol has an absolute value.</summary>
    public const ushort Absolute = 0xfff1;
    /// <summary><c>SHN_COMMON</c>: a common block not yet allocated.</summary>
    public const ushort Common = 0xfff2;
    /// <summary><c>SHN_XINDEX</c>: the index is in a <c>SHT_SYMTAB_SHNDX</c> section (not supported by the reader).</summary>
    public const ushort XIndex = 0xffff;
}
