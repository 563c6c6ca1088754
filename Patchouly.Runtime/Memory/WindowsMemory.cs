using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Executable memory on Windows: <c>VirtualAlloc</c> (reserved and committed read-write), <c>VirtualProtect</c> to
/// <c>PAGE_EXECUTE_READ</c>, <c>FlushInstructionCache</c>, <c>VirtualFree</c>. A placement hint is honoured by asking
/// for the free region closest to it (<c>VirtualAlloc</c> with an address fails instead of moving the allocation).
/// </summary>
internal static unsafe partial class WindowsMemory
{
    private const uint MemCommit = 0x1000;
    private const uint MemReserve = 0x2000;
    private const uint MemRelease = 0x8000;
    private const uint MemFree = 0x10000;
    private const uint PageReadWrite = 0x04;
    private const uint PageExecuteRead = 0x20;

    /// <summary>Allocations start at multiples of this (the allocation granularity of every Windows version).</summary>
    private const long Granularity = 64 * 1024;

    /// <summary>How far from a hint free regions are looked for (a rel32 reaches ±2 GiB).</summary>
    private const long HintSearchRange = 1L << 30;

    /// <summary>Allocates <paramref name="length"/> bytes read-write, near <paramref name="hint"/> when it is not 0.</summary>
    /// <exception cref="ExecutableMemoryException"><c>VirtualAlloc</c> failed.</exception>
    public static nint Map(nuint length, nint hint)
    {
        if (hint != 0)
        {
            nint near = AllocateNear(length, hint);
            if (near != 0) return near;
        }
        void* address = VirtualAlloc(null, length, MemReserve | MemCommit, PageReadWrite);
        if (address == null)
            throw new ExecutableMemoryException("VirtualAlloc", Marshal.GetLastPInvokeError(), $"allocating {length} bytes read-write");
        return (nint)address;
    }

    /// <summary>Makes the pages readable and executable (and no longer writable).</summary>
    /// <exception cref="ExecutableMemoryException"><c>VirtualProtect</c> failed (for example under Arbitrary Code Guard).</exception>
    public static void MakeExecutable(nint address, nuint length)
    {
        uint old;
        if (!VirtualProtect((void*)address, length, PageExecuteRead, &old))
            throw new ExecutableMemoryException("VirtualProtect", Marshal.GetLastPInvokeError(),
                $"making {length} bytes at 0x{address:x} execute-read (a process with Arbitrary Code Guard may not create code)");
    }

    /// <summary>Releases the allocation; false when <c>VirtualFree</c> failed.</summary>
    public static bool Unmap(nint address, nuint length) => VirtualFree((void*)address, 0, MemRelease);

    /// <summary><c>FlushInstructionCache</c> over the range, for the current process.</summary>
    public static void FlushInstructionCache(nint address, nuint length)
    {
        if (!FlushInstructionCache(-1, (void*)address, length))
            throw new ExecutableMemoryException("FlushInstructionCache", Marshal.GetLastPInvokeError(), $"flushing {length} bytes at 0x{address:x}");
    }

    /// <summary>
    /// The free region closest to <paramref name="hint"/> (within <see cref="HintSearchRange"/> on either side) that holds
    /// <paramref name="length"/> bytes at an allocation-granularity boundary, allocated there; 0 when there is none or
    /// another thread took it first.
    /// </summary>
    private static nint AllocateNear(nuint length, nint hint)
    {
        long target = hint & ~(Granularity - 1);
        long best = 0, bestDistance = long.MaxValue;
        // Upwards: regions from the one holding the hint.
        long address = target;
        for (int i = 0; i < 4096 && address - target < HintSearchRange; i++)
        {
            if (!Query(address, out long regionBase, out long regionSize, out uint state)) break;
            if (state == MemFree)
            {
                long start = Math.Max(AlignUp(regionBase), target);
                if (start + (long)length <= regionBase + regionSize)
                {
                    best = start;
                    bestDistance = start - target;
                    break;
                }
            }
            address = regionBase + regionSize;
        }
        // Downwards: the region below the last one looked at.
        address = target - 1;
        for (int i = 0; i < 4096 && target - address < Math.Min(HintSearchRange, bestDistance) && address > Granularity; i++)
        {
            if (!Query(address, out long regionBase, out long regionSize, out uint state)) break;
            if (state == MemFree)
            {
                long start = AlignDown(Math.Min(regionBase + regionSize, target) - (long)length);
                if (start >= regionBase && start >= Granularity && target - start < bestDistance)
                {
                    best = start;
                    break;
                }
            }
            address = regionBase - 1;
        }
        if (best == 0) return 0;
        return (nint)VirtualAlloc((void*)best, length, MemReserve | MemCommit, PageReadWrite);
    }

    private static bool Query(long address, out long regionBase, out long regionSize, out uint state)
    {
        MemoryBasicInformation info;
        if (VirtualQuery((void*)address, &info, (nuint)sizeof(MemoryBasicInformation)) == 0)
        {
            regionBase = regionSize = 0;
            state = 0;
            return false;
        }
        regionBase = (long)info.BaseAddress;
        regionSize = (long)info.RegionSize;
        state = info.State;
        return regionSize > 0;
    }

    private static long AlignUp(long address) => (address + Granularity - 1) & ~(Granularity - 1);

    private static long AlignDown(long address) => address & ~(Granularity - 1);

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryBasicInformation
    {
        public nint BaseAddress;
        public nint AllocationBase;
        public uint AllocationProtect;
        public ushort PartitionId;
        public nuint RegionSize;
        public uint State;
        public uint Protect;
        public uint Type;
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    private static partial void* VirtualAlloc(void* address, nuint size, uint allocationType, uint protect);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool VirtualProtect(void* address, nuint size, uint newProtect, uint* oldProtect);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool VirtualFree(void* address, nuint size, uint freeType);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool FlushInstructionCache(nint process, void* address, nuint size);

    [LibraryImport("kernel32.dll")]
    private static partial nuint VirtualQuery(void* address, MemoryBasicInformation* buffer, nuint length);
}
