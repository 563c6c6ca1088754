using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Targets.LinuxArm64;
using Patchouly.Build.Tasks.Targets.LinuxX64;

namespace Patchouly.Build.Tasks.Targets;

/// <summary>The ELF relocation-type tables of the targets' machines, for the ELF reader's checks and for messages.</summary>
public static class ElfRelocationTypes
{
    /// <summary>The field width in bytes of relocation <paramref name="type"/> on <paramref name="machine"/>; -1 for a type
    /// the machine's table does not know; null for a machine no target uses (the reader then checks no widths).</summary>
    public static int? Width(ushort machine, uint type) => machine switch
    {
        ElfMachine.X86_64 => X86_64Relocations.RelocationWidth((X86_64RelocationType)type),
        ElfMachine.AArch64 => Aarch64Relocations.RelocationWidth(type),
        _ => null,
    };

    /// <summary>The canonical name, for example <c>R_X86_64_PLT32</c> or <c>R_AARCH64_JUMP26</c>.</summary>
    public static string Name(ushort machine, uint type) => machine switch
    {
        ElfMachine.X86_64 => X86_64Relocations.Name((X86_64RelocationType)type),
        ElfMachine.AArch64 => Aarch64Relocations.Name(type),
        _ => $"{ElfMachine.Name(machine)} relocation {type}",
    };

    /// <summary>The machine's usual name in messages: <c>x86-64</c>, <c>AArch64</c>, or its <c>EM_</c> name.</summary>
    public static string MachineName(ushort machine) => machine switch
    {
        ElfMachine.X86_64 => "x86-64",
        ElfMachine.AArch64 => "AArch64",
        _ => ElfMachine.Name(machine),
    };
}
