using Patchouly.Build.Tasks.Coff;
using Patchouly.Build.Tasks.Targets.WinX64;

namespace Patchouly.Build.Tasks.Targets;

/// <summary>The COFF relocation-type tables of the targets' machines, for the COFF reader's checks, the implicit addends
/// and messages.</summary>
public static class CoffRelocationTypes
{
    /// <summary>The field width in bytes of relocation <paramref name="type"/> on <paramref name="machine"/>; -1 for a
    /// type the machine's table does not know; null for a machine no target uses (the reader then checks no widths).</summary>
    public static int? Width(ushort machine, uint type) => machine switch
    {
        CoffMachine.Amd64 => Amd64CoffRelocations.RelocationWidth(type),
        _ => null,
    };

    /// <summary>The canonical name, for example <c>IMAGE_REL_AMD64_REL32</c>.</summary>
    public static string Name(ushort machine, uint type) => machine switch
    {
        CoffMachine.Amd64 => Amd64CoffRelocations.Name(type),
        _ => $"{CoffMachine.Name(machine)} relocation {type}",
    };
}
