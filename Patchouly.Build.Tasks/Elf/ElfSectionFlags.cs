namespace Patchouly.Build.Tasks.Elf;

/// <summary>Bits of a section header's <c>sh_flags</c> field.</summary>
public static class ElfSectionFlags
{
    /// <summary><c>SHF_WRITE</c>: writable at run time.</summary>
    public const ulong Write = 0x1;
    /// <summary><c>SHF_ALLOC</c>: occupies memory at run time.</summary>
    public const ulong Alloc = 0x2;
    /// <summary><c>SHF_EXECINSTR</c>: machine code.</summary>
    public const ulong ExecInstr = 0x4;
    /// <summary><c>SHF_MERGE</c>: elements may be merged.</summary>
    public const ulong Merge = 0x10;
    /// <summary><c>SHF_STRINGS</c>: NUL-terminated strings.</summary>
    public const ulong Strings = 0x20;
    /// <summary><c>SHF_INFO_LINK</c>: <c>sh_info</c> holds a section index.</summary>
    public const ulong InfoLink = 0x40;
    /// <summary><c>SHF_LINK_ORDER</c>: ordered after the section named by <c>sh_link</c>.</summary>
    public const ulong LinkOrder = 0x80;
    /// <summary><c>SHF_GROUP</c>: member of a section group.</summary>
    public const ulong Group = 0x200;
    /// <summary><c>SHF_TLS</c>: thread-local storage.</summary>
    public const ulong Tls = 0x400;
    /// <summary><c>SHF_X86_64_LARGE</c>: x86-64 large-model data (.ldata, .lrodata, .lbss).</summary>
    public const ulong X86_64Large = 0x10000000;
    /// <summary><c>SHF_EXCLUDE</c>: dropped by the linker.</summary>
    public const ulong Exclude = 0x80000000;
}
