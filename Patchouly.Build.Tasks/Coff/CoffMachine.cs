namespace Patchouly.Build.Tasks.Coff;

/// <summary>Values of the COFF file header's <c>Machine</c> field that Patchouly names.</summary>
public static class CoffMachine
{
    /// <summary><c>IMAGE_FILE_MACHINE_UNKNOWN</c> (also the first field of bigobj and import headers).</summary>
    public const ushort Unknown = 0;
    /// <summary><c>IMAGE_FILE_MACHINE_I386</c>.</summary>
    public const ushort I386 = 0x14c;
    /// <summary><c>IMAGE_FILE_MACHINE_AMD64</c>: x86-64.</summary>
    public const ushort Amd64 = 0x8664;
    /// <summary><c>IMAGE_FILE_MACHINE_ARM64</c>.</summary>
    public const ushort Arm64 = 0xaa64;

    /// <summary>The canonical name, for example <c>IMAGE_FILE_MACHINE_AMD64</c>, or the number in hex for others.</summary>
    public static string Name(ushort machine) => machine switch
    {
        Unknown => "IMAGE_FILE_MACHINE_UNKNOWN",
        I386 => "IMAGE_FILE_MACHINE_I386",
        Amd64 => "IMAGE_FILE_MACHINE_AMD64",
        Arm64 => "IMAGE_FILE_MACHINE_ARM64",
        _ => $"IMAGE_FILE_MACHINE_0x{machine:x4}",
    };
}
