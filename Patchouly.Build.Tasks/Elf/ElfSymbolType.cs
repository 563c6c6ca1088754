namespace Patchouly.Build.Tasks.Elf;

/// <summary>A symbol's type: the low four bits of <c>st_info</c>.</summary>
public enum ElfSymbolType : byte
{
    /// <summary><c>STT_NOTYPE</c>.</summary>
    NoType = 0,
    /// <summary><c>STT_OBJECT</c>: data.</summary>
    Object = 1,
    /// <summary><c>STT_FUNC</c>: code.</summary>
    Function = 2,
    /// <summary><c>STT_SECTION</c>: stands for a section.</summary>
    Section = 3,
    /// <summary><c>STT_FILE</c>: the source file's name.</summary>
    File = 4,
    /// <summary><c>STT_COMMON</c>: a common block.</summary>
    Common = 5,
    /// <summary><c>STT_TLS</c>: thread-local data.</summary>
    Tls = 6,
    /// <summary><c>STT_GNU_IFUNC</c>: an indirect function.</summary>
    GnuIfunc = 10,
}
