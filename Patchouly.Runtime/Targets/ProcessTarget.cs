using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets;

/// <summary>
/// Which stencil libraries this process can run: those compiled for its own platform (runtime identifier), that is of
/// its instruction set and for its operating system's calling convention (<c>linux-x64</c>, <c>win-x64</c>,
/// <c>linux-arm64</c>, <c>osx-arm64</c>).
/// </summary>
internal static class ProcessTarget
{
    /// <summary>The process's instruction set, or null when no stencil library can target it.</summary>
    public static TargetArchitecture? Architecture { get; } = RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => TargetArchitecture.X64,
        System.Runtime.InteropServices.Architecture.Arm64 => TargetArchitecture.Arm64,
        _ => null,
    };

    /// <summary>The process's runtime identifier (<see cref="TableTarget.ProcessRuntimeIdentifier"/>).</summary>
    public static string RuntimeIdentifier { get; } = TableTarget.ProcessRuntimeIdentifier;

    /// <summary>Throws unless code of <paramref name="library"/> can run in this process.</summary>
    /// <exception cref="ArchitectureMismatchException">Its instruction set is not the process's.</exception>
    /// <exception cref="TargetMismatchException">It was compiled for another operating system.</exception>
    public static void EnsureRunnable(StencilLibrary library)
    {
        if (ReferenceEquals(library, s_lastRunnable)) return; // checked before (a JIT compiles with one library, and often)
        if (library.Architecture != Architecture)
            throw new ArchitectureMismatchException(library.Name, library.Architecture, RuntimeInformation.ProcessArchitecture);
        string target = TableTarget.FromTriple(library.Target)?.RuntimeIdentifier ?? library.Target;
        if (!SharesCallingConvention(target))
            throw new TargetMismatchException(library.Name, target, RuntimeIdentifier);
        s_lastRunnable = library;
    }

    /// <summary>The library <see cref="EnsureRunnable"/> last accepted.</summary>
    private static StencilLibrary? s_lastRunnable;

    /// <summary>
    /// Whether code compiled for <paramref name="runtimeIdentifier"/> (of the process's instruction set) follows a C
    /// calling convention this process can call: its own, or osx-arm64 code in a linux-arm64 process (compiled with x18
    /// reserved, it follows AAPCS64 as Linux does; the reverse is refused, as macOS owns x18). x86-64's convention
    /// differs between Windows and the others.
    /// </summary>
    public static bool SharesCallingConvention(string runtimeIdentifier) =>
        string.Equals(runtimeIdentifier, RuntimeIdentifier, StringComparison.OrdinalIgnoreCase)
        || (runtimeIdentifier == TableTarget.OsxArm64.RuntimeIdentifier && RuntimeIdentifier == TableTarget.LinuxArm64.RuntimeIdentifier);
}
