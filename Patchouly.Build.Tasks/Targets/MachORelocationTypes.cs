using System;
using Patchouly.Build.Tasks.MachO;
using Patchouly.Build.Tasks.Targets.OsxArm64;

namespace Patchouly.Build.Tasks.Targets;

/// <summary>The Mach-O relocation-type tables of the targets' CPUs, for the Mach-O reader's checks and messages.</summary>
public static class MachORelocationTypes
{
    /// <summary>Whether the CPU has a table here (the reader then rejects unknown types and wrong lengths).</summary>
    public static bool HasTable(uint cpuType) => cpuType == MachOCpuType.Arm64;

    /// <summary>Whether <paramref name="type"/> with <c>r_length</c> <paramref name="length"/> is valid on the CPU (always
    /// true for CPUs without a table).</summary>
    public static bool LengthAllowed(uint cpuType, uint type, int length) => cpuType switch
    {
        MachOCpuType.Arm64 => Arm64MachORelocations.LengthAllowed(type, length),
        _ => true,
    };

    /// <summary>The canonical name, for example <c>ARM64_RELOC_BRANCH26</c>.</summary>
    public static string Name(uint cpuType, uint type) => cpuType switch
    {
        MachOCpuType.Arm64 => Arm64MachORelocations.Name(type),
        _ => $"{MachOCpuType.Name(cpuType)} relocation {type}",
    };

    /// <summary>Whether an entry of <paramref name="type"/> only carries the addend of the entry that follows it
    /// (arm64's <c>ARM64_RELOC_ADDEND</c>); the reader folds it into that entry and drops it.</summary>
    public static bool IsAddendCarrier(uint cpuType, uint type) => cpuType == MachOCpuType.Arm64 && type == Arm64MachORelocations.Addend;

    /// <summary>Whether fields of this CPU hold implicit addends that the reader reads and clears.</summary>
    public static bool HasImplicitAddends(uint cpuType) => cpuType == MachOCpuType.Arm64;

    /// <summary>The addend stored in the relocated field itself.</summary>
    public static long ReadImplicitAddend(uint cpuType, ReadOnlySpan<byte> field, uint type, int width) => cpuType switch
    {
        MachOCpuType.Arm64 => Arm64MachORelocations.ReadImplicitAddend(field, type, width),
        _ => 0,
    };

    /// <summary>Clears the relocated bits of the field, so extracted code carries no addend of its own.</summary>
    public static void ClearField(uint cpuType, Span<byte> field, uint type, int width)
    {
        if (cpuType == MachOCpuType.Arm64) Arm64MachORelocations.ClearField(field, type, width);
    }
}
