namespace Patchouly.Build.Tasks.Elf;

/// <summary>A symbol's binding: the high four bits of <c>st_info</c>.</summary>
public enum ElfSymbolBinding : byte
{
    /// <summary><c>STB_LOCAL</c>: visible only in this object.</summary>
    Local = 0,
    /// <summary><c>STB_GLOBAL</c>.</summary>
    Global = 1,
    /// <summary><c>STB_WEAK</c>: global, but may stay undefined or be overridden.</summary>
    Weak = 2,
    /// <summary><c>STB_GNU_UNIQUE</c>.</summary>
    GnuUnique = 10,
}
