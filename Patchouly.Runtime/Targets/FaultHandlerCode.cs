using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>The native fault handler for the process's system and architecture (see <see cref="GuardedRegions"/>).</summary>
internal static class FaultHandlerCode
{
    /// <summary>True when this process has a handler: Linux on x86-64 and AArch64, Windows on x86-64.</summary>
    public static bool Exists =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64 ? OperatingSystem.IsLinux() || OperatingSystem.IsWindows()
        : RuntimeInformation.ProcessArchitecture == Architecture.Arm64 && OperatingSystem.IsLinux();

    /// <summary>The handler's bytes, and where the 8-byte address of the fault state goes in them.</summary>
    public static ReadOnlySpan<byte> ForProcess(out int stateOffset)
    {
        if (!Exists) throw new PlatformNotSupportedException("Guarded regions are implemented for linux-x64, linux-arm64 and win-x64.");
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            stateOffset = X64FaultHandler.StateOffset;
            return OperatingSystem.IsWindows() ? X64FaultHandler.WindowsVectoredHandler : X64FaultHandler.LinuxSignalHandler;
        }
        ReadOnlySpan<byte> words = MemoryMarshal.AsBytes(Arm64FaultHandler.Code);
        byte[] code = new byte[words.Length + 8]; // the state address literal follows the instructions (8-aligned)
        words.CopyTo(code);
        stateOffset = words.Length;
        return code;
    }
}
