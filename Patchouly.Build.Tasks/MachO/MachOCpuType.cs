namespace Patchouly.Build.Tasks.MachO;

/// <summary>Values of the Mach-O header's <c>cputype</c> that Patchouly names.</summary>
public static class MachOCpuType
{
    /// <summary><c>CPU_TYPE_X86_64</c>.</summary>
    public const uint X86_64 = 0x01000007;
    /// <summary><c>CPU_TYPE_ARM64</c>.</summary>
    public const uint Arm64 = 0x0100000C;

    /// <summary>The canonical name, for example <c>CPU_TYPE_ARM64</c>.</summary>
    public static string Name(uint cpuType) => cpuType switch
    {
        X86_64 => "CPU_TYPE_X86_64",
        Arm64 => "CPU_TYPE_ARM64",
        _ => $"CPU_TYPE_0x{cpuType:x}",
    };
}
