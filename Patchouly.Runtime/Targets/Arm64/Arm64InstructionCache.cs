using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// Makes freshly written AArch64 code visible to instruction fetch: <c>__clear_cache(begin, end)</c> (libgcc's, which
/// cleans the data cache to the point of unification, invalidates the instruction cache over the range and ends with
/// <c>dsb ish; isb</c>), looked up in the process, then in <c>libgcc_s.so.1</c>.
/// </summary>
internal static unsafe class Arm64InstructionCache
{
    private static delegate* unmanaged<void*, void*, void> s_clearCache;

    /// <summary>Flushes <paramref name="length"/> bytes at <paramref name="address"/>.</summary>
    /// <exception cref="PlatformNotSupportedException"><c>__clear_cache</c> was not found.</exception>
    public static void Flush(nint address, nuint length)
    {
        var clearCache = s_clearCache;
        if (clearCache == null) s_clearCache = clearCache = Resolve();
        clearCache((void*)address, (void*)(address + (nint)length));
    }

    private static delegate* unmanaged<void*, void*, void> Resolve()
    {
        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "__clear_cache", out nint address)
            || (NativeLibrary.TryLoad("libgcc_s.so.1", out nint libgcc) && NativeLibrary.TryGetExport(libgcc, "__clear_cache", out address)))
            return (delegate* unmanaged<void*, void*, void>)address;
        throw new PlatformNotSupportedException(
            "Making AArch64 code executable needs an instruction-cache flush: __clear_cache was found neither in the process nor in libgcc_s.so.1.");
    }
}
