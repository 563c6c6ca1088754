using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Code memory on Linux x86-64 that is never writable at all: regions of one anonymous in-memory file
/// (<c>memfd_create</c>), each mapped read-execute (shared, populated); code is staged in ordinary memory and written
/// into the file with <c>pwrite</c>, so no page table entry changes and nothing is flushed. Freed regions are filled
/// with <c>int3</c> and kept for reuse (up to <see cref="MaxBytes"/>); the oldest are unmapped and their pages dropped.
/// </summary>
/// <remarks>
/// <para>Why: making written pages read-execute with <c>mprotect</c> changes and flushes every page's TLB entry; on the
/// development VM that cost 23 µs for one page and 50–80 µs for 34, more than the rest of compiling a small function
/// (the bf sample's factor.bf: 12 KB of code), and making them writable again for reuse as much. A <c>pwrite</c> of
/// 12 KB into the file costs about 2 µs and of 45 KB 4 µs.</para>
/// <para>W^X holds in a stronger form: no mapping of the code is ever writable, so there is no address at which the
/// code can be written, only the file descriptor (a system call). x86-64 fetches instructions coherently with any
/// write, the kernel's included. Not used for AArch64 (user-mode emulators such as qemu-user, which the tests run under,
/// see guest code change only through the guest's own stores), for code placed near an address hint, for code larger
/// than <see cref="MaxLength"/> (one huge-page <c>mprotect</c> costs less than writing a megabyte through the kernel),
/// when the system refuses executable file mappings, or with <c>PATCHOULY_CODE_FILE=0</c> in the environment.</para>
/// </remarks>
internal static unsafe class CodeFile
{
    /// <summary>The largest mapping made from the file (1 MiB).</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>The most memory the pool of freed regions keeps.</summary>
    public const long MaxBytes = 8L << 20;

    private const int MaxEntries = 256;
    private const byte Trap = 0xCC; // int3

    private static readonly object s_lock = new();
    private static readonly RegionPool<Region> s_free = new(MaxBytes, MaxEntries);
    private static long s_end;
    private static int s_live;
    private static readonly int s_fd = Open();
    private static readonly byte[] s_traps = CreateTraps();

    private readonly record struct Region(nint Address, nuint Length, long Offset);

    /// <summary>True when code of this process goes into the file (Linux x86-64, the file could be made and mapped executable).</summary>
    public static bool IsEnabled => s_fd >= 0;

    /// <summary>Regions handed out and not yet released (for tests that look for leaks).</summary>
    public static int LiveRegions => System.Threading.Volatile.Read(ref s_live);

    /// <summary>The addresses of the freed regions kept for reuse (for tests).</summary>
    public static nint[] PooledAddresses()
    {
        lock (s_lock)
        {
            return Array.ConvertAll(s_free.ToArray(), r => r.Address);
        }
    }

    /// <summary>The region length for <paramref name="size"/> bytes: whole pages, above 4 pages a multiple of an eighth of the next power of two.</summary>
    public static nuint RoundUp(nuint size, nuint page)
    {
        nuint length = (size + page - 1) & ~(page - 1);
        if (length <= 4 * page) return length;
        nuint step = System.Numerics.BitOperations.RoundUpToPowerOf2(length) / 8;
        if (step < page) step = page;
        return (length + step - 1) & ~(step - 1);
    }

    /// <summary>
    /// A read-execute region for <paramref name="size"/> bytes (at most <see cref="MaxLength"/>): a freed one of the
    /// same length, or a new one; 0 when the file cannot be used (then the caller maps anonymous memory).
    /// </summary>
    /// <exception cref="ExecutableMemoryException">Growing or mapping the file failed for want of memory.</exception>
    public static nint Map(nuint size, nuint page, out nuint length, out long offset)
    {
        length = RoundUp(size, page);
        offset = -1;
        if (s_fd < 0 || length > MaxLength) return 0;
        lock (s_lock)
        {
            if (s_free.TryTake(length, out var found))
            {
                s_live++;
                offset = found.Offset;
                return found.Address;
            }
            offset = s_end;
            if (LibC.Ftruncate(s_fd, offset + (long)length, out int errno) != 0)
                throw new ExecutableMemoryException("ftruncate", errno, $"growing the code file to {offset + (long)length} bytes");
            s_end += (long)length;
            void* address = LibC.Mmap(null, length, LibC.ProtRead | LibC.ProtExec, LibC.MapShared | LibC.MapPopulate, s_fd, offset, out errno);
            if (address == LibC.MapFailed || address == null)
                throw new ExecutableMemoryException("mmap", errno, $"mapping {length} bytes of the code file read-execute");
            LibC.Madvise(address, length, LibC.MadvDontFork); // a forked child must not share (and overwrite) the parent's code
            s_live++;
            return (nint)address;
        }
    }

    /// <summary>Writes <paramref name="count"/> bytes from <paramref name="source"/> into the region at file offset <paramref name="offset"/>.</summary>
    /// <exception cref="ExecutableMemoryException"><c>pwrite</c> failed.</exception>
    public static void Write(long offset, byte* source, nuint count)
    {
        while (count > 0)
        {
            nint written = LibC.Pwrite(s_fd, source, count, offset, out int errno);
            if (written < 0)
            {
                if (errno == LibC.Eintr) continue;
                throw new ExecutableMemoryException("pwrite", errno, $"writing {count} bytes of code into the code file");
            }
            source += written;
            count -= (nuint)written;
            offset += written;
        }
    }

    /// <summary>
    /// Takes back a region whose first <paramref name="written"/> bytes held code: fills them with <c>int3</c> (freed
    /// code never runs) and keeps the region for reuse, unmapping the oldest kept ones beyond <see cref="MaxBytes"/>;
    /// false when the fill failed (the region is then unmapped).
    /// </summary>
    public static bool Release(nint address, nuint length, long offset, nuint written)
    {
        bool filled = true;
        fixed (byte* traps = s_traps)
        {
            for (nuint at = 0; at < written && filled;)
            {
                nuint chunk = Math.Min(written - at, (nuint)s_traps.Length);
                nint n = LibC.Pwrite(s_fd, traps, chunk, offset + (long)at, out int errno);
                if (n > 0) at += (nuint)n;
                else filled = n < 0 && errno == LibC.Eintr;
            }
        }
        List<Region>? evicted = null;
        lock (s_lock)
        {
            s_live--;
            if (filled) s_free.Add(new Region(address, length, offset), length, ref evicted);
        }
        if (!filled) (evicted ??= new()).Add(new Region(address, length, offset));
        bool ok = true;
        foreach (var e in evicted ?? [])
        {
            ok &= LibC.Munmap((void*)e.Address, e.Length, out _) == 0;
            LibC.Fallocate(s_fd, LibC.FallocPunchHole, e.Offset, (long)e.Length); // the pages go back to the system
        }
        return filled || ok;
    }

    private static int Open()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return -1;
        if (Environment.GetEnvironmentVariable("PATCHOULY_CODE_FILE") == "0") return -1;
        int fd = LibC.MemfdCreate("patchouly-code", LibC.MfdCloexec, out _);
        if (fd < 0) return -1;
        // Can its pages be mapped executable here (no noexec policy)? Try once with one page.
        nuint page = (nuint)Environment.SystemPageSize;
        void* probe = LibC.Ftruncate(fd, (long)page, out _) == 0
            ? LibC.Mmap(null, page, LibC.ProtRead | LibC.ProtExec, LibC.MapShared, fd, 0, out _)
            : LibC.MapFailed;
        if (probe == LibC.MapFailed || probe == null)
            return -1; // the descriptor stays open (harmless); anonymous memory is used instead
        LibC.Munmap(probe, page, out _);
        LibC.Ftruncate(fd, 0, out _);
        return fd;
    }

    private static byte[] CreateTraps()
    {
        var traps = new byte[64 * 1024];
        traps.AsSpan().Fill(Trap);
        return traps;
    }
}
