using System;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Executable memory on Linux: an anonymous private <c>mmap</c> read-write (the hint passed on, as a hint),
/// <c>mprotect</c> to read-execute, <c>munmap</c>.
/// </summary>
internal static unsafe class LinuxMemory
{
    /// <summary>Maps <paramref name="length"/> bytes read-write, near <paramref name="hint"/> when the kernel can.</summary>
    /// <exception cref="ExecutableMemoryException"><c>mmap</c> failed.</exception>
    public static nint Map(nuint length, nint hint)
    {
        void* address = LibC.Mmap((void*)hint, length, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, out int errno);
        if (address == LibC.MapFailed || address == null)
            throw new ExecutableMemoryException("mmap", errno, $"mapping {length} bytes read-write");
        return (nint)address;
    }

    /// <summary>Makes the pages readable and executable (and no longer writable): one <c>mprotect</c>.</summary>
    /// <exception cref="ExecutableMemoryException"><c>mprotect</c> failed.</exception>
    public static void MakeExecutable(nint address, nuint length)
    {
        if (LibC.Mprotect((void*)address, length, LibC.ProtRead | LibC.ProtExec, out int errno) != 0)
            throw new ExecutableMemoryException("mprotect", errno, $"making {length} bytes at 0x{address:x} read-execute");
    }

    /// <summary>Unmaps the pages; false when <c>munmap</c> failed.</summary>
    public static bool Unmap(nint address, nuint length) => LibC.Munmap((void*)address, length, out _) == 0;
}
