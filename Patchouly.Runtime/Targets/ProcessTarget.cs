using System.Runtime.InteropServices;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets;

/// <summary>Which stencil libraries this process can run: those whose code is of the process's own instruction set.</summary>
internal static class ProcessTarget
{
    /// <summary>The process's instruction set, or null when no stencil library can target it.</summary>
    public static TargetArchitecture? Architecture { get; } = RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => TargetArchitecture.X64,
        System.Runtime.InteropServices.Architecture.Arm64 => TargetArchitecture.Arm64,
        _ => null,
    };

    /// <summary>Throws unless code of <paramref name="library"/> can run in this process.</summary>
    /// <exception cref="ArchitectureMismatchException">It cannot.</exception>
    public static void EnsureRunnable(StencilLibrary library)
    {
        if (library.Architecture != Architecture)
            throw new ArchitectureMismatchException(library.Name, library.Architecture, RuntimeInformation.ProcessArchitecture);
    }
}
