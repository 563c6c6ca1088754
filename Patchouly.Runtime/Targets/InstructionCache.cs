using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Memory;
using Patchouly.Runtime.Targets.Arm64;

namespace Patchouly.Runtime.Targets;

/// <summary>
/// Makes code written through data stores visible to instruction fetch, for every range about to be made executable:
/// <c>FlushInstructionCache</c> on Windows (any architecture), <c>sys_icache_invalidate</c> on macOS, and on Linux
/// nothing on x86-64 (instruction fetch is coherent with stores) and <c>__clear_cache</c> on AArch64.
/// </summary>
internal static class InstructionCache
{
    /// <summary>Test hook: called on the flushing thread with each range (address, length) before it is flushed.</summary>
    [ThreadStatic]
    internal static Action<nint, nuint>? FlushObserver;

    /// <summary>Flushes <paramref name="length"/> bytes at <paramref name="address"/> for this process's system and architecture.</summary>
    /// <exception cref="PlatformNotSupportedException">The architecture needs a flush this runtime cannot do.</exception>
    public static void Flush(nint address, nuint length)
    {
        FlushObserver?.Invoke(address, length);
        if (OperatingSystem.IsWindows())
        {
            WindowsMemory.FlushInstructionCache(address, length);
            return;
        }
        if (OperatingSystem.IsMacOS())
        {
            MacMemory.InvalidateInstructionCache(address, length);
            return;
        }
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.X64:
            case Architecture.X86:
                return; // coherent instruction fetch: nothing to do
            case Architecture.Arm64:
                Arm64InstructionCache.Flush(address, length);
                return;
            default:
                throw new PlatformNotSupportedException(
                    $"Making code executable on {RuntimeInformation.ProcessArchitecture} needs an instruction-cache flush, which is not implemented.");
        }
    }
}
