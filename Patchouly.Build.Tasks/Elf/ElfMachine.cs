namespace Patchouly.Build.Tasks.Elf;

/// <summary>Values of the ELF header's <c>e_machine</c> field that Patchouly cares about.</summary>
public static class ElfMachine
{
    /// <summary><c>EM_NONE</c>.</summary>
    public const ushort None = 0;
    /// <summary><c>EM_X86_64</c>: AMD64.</summary>
    public const ushort X86_64 = 62;
    /// <summary><c>EM_AARCH64</c>: ARM 64-bit.</summary>
    public const ushort AArch64 = 183;

    /// <summary>The canonical name, for example <c>EM_X86_64</c>, or the number for others.</summary>
    public static string Name(ushort machine) => machine switch
    {
        None => "EM_NONE",
        X86_64 => "EM_X86_64",
        AArch64 => "EM_AARCH64",
        _ => "EM_" + machine,
    };
}
