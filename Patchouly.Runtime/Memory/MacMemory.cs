using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Executable memory on macOS (Apple silicon): a <c>MAP_JIT</c> mapping, written only inside a window opened with
/// <c>pthread_jit_write_protect_np(0)</c> on the writing thread and closed again, then <c>sys_icache_invalidate</c>.
/// </summary>
/// <remarks>
/// <para>A <c>MAP_JIT</c> mapping is never writable and executable for the same thread at once: while a thread has
/// write protection off, every <c>MAP_JIT</c> page is writable and not executable for that thread (and only for it).
/// A process with the hardened runtime needs the <c>com.apple.security.cs.allow-jit</c> entitlement for
/// <c>MAP_JIT</c>.</para>
/// <para>The code is written into an ordinary read-write staging buffer first (<see cref="ExecutableMemory.Writable"/>)
/// and copied into the mapping in one step (<see cref="CopyIn"/>), because the .NET runtime turns write protection back
/// on whenever it writes code of its own on the thread (compiling a method, patching a stub), which could happen at
/// any point while user code fills a span. The copy runs with no GC transition: nothing managed runs between the three
/// calls.</para>
/// <para>This file cannot be run on the Linux machine the project is tested on; see docs/runtime.md.</para>
/// </remarks>
internal static unsafe class MacMemory
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const int MapPrivate = 0x0002, MapJit = 0x0800, MapAnonymous = 0x1000;
    private const string LibSystem = "/usr/lib/libSystem.B.dylib";

    /// <summary>Maps <paramref name="length"/> bytes with <c>MAP_JIT</c> (read, write and execute, switched per thread).</summary>
    /// <exception cref="ExecutableMemoryException"><c>mmap</c> failed (without the allow-jit entitlement under the hardened runtime: EPERM).</exception>
    public static nint Map(nuint length, nint hint)
    {
        void* address = mmap((void*)hint, length, ProtRead | ProtWrite | ProtExec, MapPrivate | MapAnonymous | MapJit, -1, 0);
        if (address == (void*)-1 || address == null)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new ExecutableMemoryException("mmap", errno,
                $"mapping {length} bytes with MAP_JIT (a hardened process needs the com.apple.security.cs.allow-jit entitlement)");
        }
        return (nint)address;
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes from <paramref name="source"/> into the <c>MAP_JIT</c> mapping at
    /// <paramref name="destination"/>: write protection off for this thread, <c>memcpy</c>, write protection on.
    /// </summary>
    public static void CopyIn(nint destination, byte* source, nuint length)
    {
        // Both functions are resolved before the window opens, and called without a GC transition: nothing managed
        // (no stub, no class constructor, no GC) runs while this thread may write the mapping.
        var writeProtect = (delegate* unmanaged[SuppressGCTransition]<int, void>)s_writeProtect;
        var copy = (delegate* unmanaged[SuppressGCTransition]<void*, void*, nuint, void*>)s_memcpy;
        writeProtect(0);
        copy((void*)destination, source, length);
        writeProtect(1);
    }

    /// <summary><c>sys_icache_invalidate</c> over the range.</summary>
    public static void InvalidateInstructionCache(nint address, nuint length) => sys_icache_invalidate((void*)address, length);

    /// <summary>Unmaps the pages; false when <c>munmap</c> failed.</summary>
    public static bool Unmap(nint address, nuint length) => munmap((void*)address, length) == 0;

    [DllImport(LibSystem, SetLastError = true)]
    private static extern void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport(LibSystem)]
    private static extern int munmap(void* address, nuint length);

    private static readonly nint s_writeProtect = Export("pthread_jit_write_protect_np");
    private static readonly nint s_memcpy = Export("memcpy");

    private static nint Export(string name) =>
        NativeLibrary.TryGetExport(NativeLibrary.Load(LibSystem), name, out nint address)
            ? address
            : throw new PlatformNotSupportedException($"{name} was not found in {LibSystem} (macOS 11 or later is needed for MAP_JIT code).");

    [DllImport(LibSystem), SuppressGCTransition]
    private static extern void sys_icache_invalidate(void* start, nuint length);
}
