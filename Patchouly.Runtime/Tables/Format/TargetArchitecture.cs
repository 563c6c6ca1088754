using System;
using System.Collections.Generic;

namespace Patchouly.Runtime.Tables;

/// <summary>The instruction set of a stencil library's machine code.</summary>
public enum TargetArchitecture : byte
{
    /// <summary>x86-64.</summary>
    X64 = 1,
    /// <summary>AArch64 (arm64).</summary>
    Arm64 = 2,
}

/// <summary>One platform the toolkit produces tables for: its .NET runtime identifier, clang triple and architecture.</summary>
/// <param name="RuntimeIdentifier">The .NET RID, for example <c>linux-arm64</c> (the <c>PatchoulyTargets</c> property lists these).</param>
/// <param name="Triple">The clang target triple the stencils are compiled for.</param>
/// <param name="Architecture">The instruction set.</param>
public sealed record TableTarget(string RuntimeIdentifier, string Triple, TargetArchitecture Architecture)
{
    /// <summary>x86-64 Linux (ELF).</summary>
    public static readonly TableTarget LinuxX64 = new("linux-x64", "x86_64-unknown-linux-gnu", TargetArchitecture.X64);

    /// <summary>AArch64 Linux (ELF).</summary>
    public static readonly TableTarget LinuxArm64 = new("linux-arm64", "aarch64-unknown-linux-gnu", TargetArchitecture.Arm64);

    /// <summary>x86-64 Windows (COFF objects; the Windows x64 calling convention for the entry and host calls).</summary>
    public static readonly TableTarget WinX64 = new("win-x64", "x86_64-pc-windows-msvc", TargetArchitecture.X64);

    /// <summary>AArch64 macOS (Mach-O objects; x18 reserved by the platform).</summary>
    public static readonly TableTarget OsxArm64 = new("osx-arm64", "arm64-apple-macos", TargetArchitecture.Arm64);

    /// <summary>Every target the toolkit supports, in the order tables are built (the default of <c>PatchoulyTargets</c>).</summary>
    public static IReadOnlyList<TableTarget> All { get; } = [LinuxX64, LinuxArm64, WinX64, OsxArm64];

    /// <summary>The target with this runtime identifier (case-insensitive), or null.</summary>
    public static TableTarget? FromRuntimeIdentifier(string rid)
    {
        foreach (var t in All)
            if (string.Equals(t.RuntimeIdentifier, rid, StringComparison.OrdinalIgnoreCase)) return t;
        return null;
    }

    /// <summary>The target with this triple, or null.</summary>
    public static TableTarget? FromTriple(string triple)
    {
        foreach (var t in All)
            if (string.Equals(t.Triple, triple, StringComparison.Ordinal)) return t;
        return null;
    }

    /// <summary>The runtime identifier of this process's platform (<c>linux-x64</c>, <c>linux-arm64</c>, <c>win-x64</c>, <c>osx-arm64</c>, …).</summary>
    public static string ProcessRuntimeIdentifier
    {
        get
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsLinux() ? "linux"
                : OperatingSystem.IsFreeBSD() ? "freebsd" : "unknown";
            string arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
            {
                System.Runtime.InteropServices.Architecture.X64 => "x64",
                System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
                System.Runtime.InteropServices.Architecture.X86 => "x86",
                System.Runtime.InteropServices.Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            };
            return os + "-" + arch;
        }
    }

    /// <inheritdoc />
    public override string ToString() => RuntimeIdentifier;
}
