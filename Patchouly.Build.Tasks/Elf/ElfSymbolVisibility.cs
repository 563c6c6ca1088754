namespace Patchouly.Build.Tasks.Elf;

/// <summary>A symbol's visibility: the low two bits of <c>st_other</c>.</summary>
public enum ElfSymbolVisibility : byte
{
    /// <summary><c>STV_DEFAULT</c>.</summary>
    Default = 0,
    /// <summary><c>STV_INTERNAL</c>.</summary>
    Internal = 1,
    /// <summary><c>STV_HIDDEN</c>.</summary>
    Hidden = 2,
    /// <summary><c>STV_PROTECTED</c>.</summary>
    Protected = 3,
}
