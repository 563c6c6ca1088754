using System.Collections.Generic;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Freed code mappings kept for reuse. Touching a fresh page costs a page fault (and on virtual machines with shadow
/// page tables much more): writing 1 MiB into a new mapping took 2.5 ms on the development VM, into a reused one
/// 0.03 ms. A released mapping is switched back to read-write (never writable and executable at once: it is
/// read-execute, then read-write) and kept, the oldest unmapped when the pool would hold more than
/// <see cref="MaxBytes"/>; an allocation of the same size class takes the newest instead of mapping new memory.
/// </summary>
/// <remarks>
/// Lengths are rounded up to a size class (<see cref="RoundUp"/>).
/// Bytes a previous user wrote beyond the new user's size are zeroed when the mapping is taken.
/// </remarks>
internal static unsafe class MappingPool
{
    /// <summary>The most memory the pool keeps (resident: its pages were written).</summary>
    public const long MaxBytes = 8L << 20;

    private const int MaxEntries = 256;

    private static readonly RegionPool<Entry> s_entries = new(MaxBytes, MaxEntries);

    private readonly record struct Entry(nint Address, nuint Length, nuint Dirty);

    /// <summary>
    /// The mapping length for <paramref name="size"/> bytes: whole pages; with 4 KiB pages at least 34 of them from 5
    /// pages on; above 64 KiB (up to <see cref="MaxBytes"/>), a multiple of an eighth of the next power of two, except
    /// that with 4 KiB pages lengths above 1 MiB and up to 2 MiB are one huge page (<see cref="HugePage"/>).
    /// </summary>
    /// <remarks>
    /// Why 34 pages: making written pages read-execute flushes their TLB entries. Linux (x86-64) flushes the range of
    /// changed entries page by page when it spans up to 33 pages and all at once when larger; page by page cost about
    /// 16 µs a page on the development VM (a hypervisor exit each), so protecting a 20-page function took 330 µs, a
    /// 34-page one 30 µs. (The ceiling counts 4 KiB pages; with 16 or 64 KiB pages the rule is not applied.) The mappings are populated (every page present, so every page is in the flushed range): a
    /// function of 5 to 33 pages costs 40 pages of memory (34, rounded to the class).
    /// </remarks>
    public static nuint RoundUp(nuint size, nuint page)
    {
        nuint length = (size + page - 1) & ~(page - 1);
        if (length <= 4 * page) return length;
        if (page == 4096 && length < FlushAllPages * page) length = FlushAllPages * page;
        if (length <= 64 * 1024 || length > MaxBytes) return length;
        if (page == 4096 && length > HugePage / 2 && length <= HugePage) return HugePage;
        nuint step = System.Numerics.BitOperations.RoundUpToPowerOf2(length) / 8;
        if (step < page) step = page;
        return (length + step - 1) & ~(step - 1);
    }

    /// <summary>
    /// The size of a transparent huge page (x86-64, and arm64 with 4 KiB pages). Mappings of at least this size are
    /// aligned to it and advised to use huge pages (<see cref="LinuxMemory"/>): changing the protection of a 2 MiB huge
    /// page is one page-table entry instead of 512, which made <c>mprotect</c> of 1.25 MiB of code 6 times faster
    /// (88 → 15 µs to read-execute, 136 → 21 µs back to read-write on the development VM), and a fresh mapping takes one
    /// page fault per 2 MiB.
    /// </summary>
    public const int HugePage = 2 << 20;

    /// <summary>The smallest range Linux flushes from the TLB at once instead of page by page (its default ceiling is 33).</summary>
    private const int FlushAllPages = 34;

    /// <summary>Takes a read-write mapping of exactly <paramref name="length"/> bytes, its first <paramref name="size"/> bytes to be overwritten, or returns null.</summary>
    public static void* TryTake(nuint length, nuint size)
    {
        Entry found;
        lock (s_entries)
        {
            if (!s_entries.TryTake(length, out found)) return null;
        }
        if (found.Dirty > size) new System.Span<byte>((byte*)found.Address + size, (int)(found.Dirty - size)).Clear();
        return (void*)found.Address;
    }

    /// <summary>
    /// Keeps a released mapping whose first <paramref name="dirty"/> bytes were written, after making it read-write
    /// (unless it never stopped being so: <paramref name="wasExecutable"/> false, a staging buffer of the <see cref="CodeFile"/>),
    /// unmapping the oldest kept ones when the pool would exceed <see cref="MaxBytes"/>; false when it is larger than
    /// that or its protection cannot be changed (the caller unmaps it).
    /// </summary>
    public static bool TryKeep(nint address, nuint length, nuint dirty, bool wasExecutable = true)
    {
        if ((long)length > MaxBytes) return false;
        if (wasExecutable && LibC.Mprotect((void*)address, length, LibC.ProtRead | LibC.ProtWrite, out _) != 0) return false;
        List<Entry>? evicted = null;
        lock (s_entries)
        {
            s_entries.Add(new Entry(address, length, dirty), length, ref evicted);
        }
        if (evicted is not null)
            foreach (var e in evicted) LibC.Munmap((void*)e.Address, e.Length, out _);
        return true;
    }
}
