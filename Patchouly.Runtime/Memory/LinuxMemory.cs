using System;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Executable memory on Linux: an anonymous private <c>mmap</c> read-write (the hint passed on, as a hint; populated at
/// once; from 2 MiB on aligned to huge pages and advised to use them), <c>mprotect</c> to read-execute, <c>munmap</c> —
/// or, for mappings not placed by a hint, a reused mapping from the <see cref="MappingPool"/> and back into it when released.
/// </summary>
internal static unsafe class LinuxMemory
{
    /// <summary>
    /// A read-write mapping for <paramref name="size"/> bytes: <paramref name="length"/> bytes (a size class of
    /// <see cref="MappingPool"/>, or whole pages when placed near <paramref name="hint"/>), from the pool or new;
    /// <paramref name="written"/> is what the pool must zero when it hands the mapping out again (0: not pooled).
    /// </summary>
    /// <exception cref="ExecutableMemoryException"><c>mmap</c> failed.</exception>
    public static nint Map(nuint size, nint hint, nuint page, out nuint length, out nuint written)
    {
        // Placed near a hint (tests): exactly the pages needed, so the mapping fits the free range that was chosen.
        length = hint == 0 ? MappingPool.RoundUp(size, page) : (size + page - 1) & ~(page - 1);
        written = hint == 0 ? size : 0;
        // A reused mapping has its pages already (see MappingPool); a new one is populated at once, which costs less
        // than a fault per page (and makes every page count for the TLB flush, see MappingPool.RoundUp).
        void* address = hint == 0 ? MappingPool.TryTake(length, size) : null;
        if (address != null) return (nint)address;
        if (hint == 0 && page == 4096 && length >= MappingPool.HugePage) return MapHuge(length);
        void* hintAddress = (void*)(hint & ~(nint)(page - 1));
        address = LibC.Mmap(hintAddress, length, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous | LibC.MapPopulate, out int errno);
        if (address == LibC.MapFailed || address == null)
            throw new ExecutableMemoryException("mmap", errno, $"mapping {length} bytes read-write");
        return (nint)address;
    }

    /// <summary>
    /// A read-write mapping of <paramref name="length"/> bytes aligned to <see cref="MappingPool.HugePage"/> and advised
    /// to use transparent huge pages (where the system allows them; otherwise it is an ordinary mapping), populated.
    /// </summary>
    /// <exception cref="ExecutableMemoryException"><c>mmap</c> failed.</exception>
    private static nint MapHuge(nuint length)
    {
        const nuint huge = MappingPool.HugePage;
        byte* raw = (byte*)LibC.Mmap(null, length + huge, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous, out int errno);
        if (raw == LibC.MapFailed || raw == null)
            throw new ExecutableMemoryException("mmap", errno, $"mapping {length} bytes read-write");
        byte* start = (byte*)(((nuint)raw + huge - 1) & ~(huge - 1));
        nuint head = (nuint)(start - raw), tail = huge - head;
        if (head != 0) LibC.Munmap(raw, head, out _);
        if (tail != 0) LibC.Munmap(start + length, tail, out _);
        LibC.Madvise(start, length, LibC.MadvHugePage);
        // Populated at once, as other mappings are (MAP_POPULATE would fill it with small pages before the advice).
        for (nuint at = 0; at < length; at += 4096) start[at] = 0;
        return (nint)start;
    }

    /// <summary>Keeps the released mapping in the pool (when <paramref name="written"/> is not 0) or unmaps it; false when neither worked.</summary>
    public static bool Release(nint address, nuint length, nuint written, bool wasExecutable = true) =>
        (written != 0 && MappingPool.TryKeep(address, length, written, wasExecutable)) || Unmap(address, length);

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
