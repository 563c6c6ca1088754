namespace Patchouly.Build.Tasks.Elf;

/// <summary>Values of the ELF header's <c>e_type</c> field. The reader accepts only <see cref="Relocatable"/>.</summary>
public static class ElfFileType
{
    /// <summary><c>ET_NONE</c>.</summary>
    public const ushort None = 0;
    /// <summary><c>ET_REL</c>: a relocatable object (.o), the only type the reader accepts.</summary>
    public const ushort Relocatable = 1;
    /// <summary><c>ET_EXEC</c>: an executable.</summary>
    public const ushort Executable = 2;
    /// <summary><c>ET_DYN</c>: a shared object or position-independent executable.</summary>
    public const ushort SharedObject = 3;
    /// <summary><c>ET_CORE</c>: a core dump.</summary>
    public const ushort Core = 4;

    /// <summary>The canonical name, for example <c>ET_REL</c>.</summary>
    public static string Name(ushort type) => type switch
    {
        None => "ET_NONE",
        Relocatable => "ET_REL",
        Executable => "ET_EXEC",
        SharedObject => "ET_DYN",
        Core => "ET_CORE",
        _ => "ET_" + type,
    };
}
