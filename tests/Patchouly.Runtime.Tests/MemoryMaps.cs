using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Tests;

/// <summary>Reads <c>/proc/self/maps</c> (on Windows, the same facts from <c>VirtualQuery</c>).</summary>
internal static unsafe partial class MemoryMaps
{
    /// <summary>The permission strings (like <c>r-xp</c>) of every mapping that overlaps [address, address + length).</summary>
    public static List<string> Permissions(nint address, long length)
    {
        var result = new List<string>();
        ulong start = (ulong)address, end = start + (ulong)length;
        if (OperatingSystem.IsWindows())
        {
            foreach (var (from, to, _, permissions) in WindowsRegions())
                if (from < end && start < to) result.Add(permissions);
            return result;
        }
        foreach (var line in File.ReadAllLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            var range = fields[0].Split('-');
            ulong from = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong to = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (from < end && start < to) result.Add(fields[1]);
        }
        return result;
    }

    /// <summary>Every region of the Windows address space that is not free: range, state and its protection as <c>rwxp</c> letters.</summary>
    private static List<(ulong From, ulong To, uint State, string Permissions)> WindowsRegions()
    {
        var result = new List<(ulong, ulong, uint, string)>();
        ulong address = 0x10000;
        MemoryBasicInformation info;
        while (address < 0x7FFF_FFFF_0000UL && VirtualQuery((void*)address, &info, (nuint)sizeof(MemoryBasicInformation)) != 0 && info.RegionSize != 0)
        {
            ulong from = (ulong)info.BaseAddress, to = from + info.RegionSize;
            if (info.State != 0x10000) // MEM_FREE
            {
                string permissions = (info.Protect & 0xFF) switch
                {
                    0x02 => "r--p", 0x04 or 0x08 => "rw-p", 0x10 => "--xp", 0x20 => "r-xp", 0x40 or 0x80 => "rwxp", _ => "---p",
                };
                result.Add((from, to, info.State, permissions));
            }
            address = to;
        }
        return result;
    }

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

    [LibraryImport("kernel32.dll")]
    private static partial nuint VirtualQuery(void* address, MemoryBasicInformation* buffer, nuint length);

    /// <summary>
    /// An address with at least 16 MiB of unmapped space after it that lies more than 4 GiB away from
    /// <paramref name="from"/> (so an mmap hint there is honoured and code there is out of rel32 reach).
    /// </summary>
    public static nint FreeAddressFarFrom(nint from) => FreeAddress(from, far: true);

    /// <summary>
    /// The unmapped address with at least 16 MiB of space after it that lies closest to <paramref name="from"/> (so an
    /// mmap hint there is honoured even when other tests have mapped the pages right next to <paramref name="from"/>).
    /// </summary>
    public static nint FreeAddressNear(nint from) => FreeAddress(from, far: false);

    private static nint FreeAddress(nint from, bool far)
    {
        const ulong margin = 16UL << 20, farAway = 4UL << 30, top = 0x7FFF_0000_0000UL, bottom = 0x1000_0000UL;
        var ranges = new List<(ulong From, ulong To)>();
        if (OperatingSystem.IsWindows())
        {
            foreach (var (start, end, _, _) in WindowsRegions()) ranges.Add((start, end));
        }
        else
        {
            foreach (var line in File.ReadAllLines("/proc/self/maps"))
            {
                var range = line.Split(' ', 2)[0].Split('-');
                ranges.Add((ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
        }
        ranges.Sort();
        ulong target = (ulong)from;
        ulong best = 0, bestDistance = ulong.MaxValue;
        ulong gapStart = bottom;
        // Mappings above the top of user space ([vsyscall]) would make the last gap wrap around.
        foreach (var (start, end) in ranges.Where(r => r.From < top).Append((top, top)))
        {
            // Candidates in the gap [gapStart, start): as close to the target as possible (far: while more than 4 GiB away).
            if (start > gapStart + 3 * margin)
            {
                ulong low = gapStart + margin, high = start - 2 * margin;
                foreach (ulong candidate in new[] { low, high, Math.Clamp(target, low, high),
                    Math.Clamp(target + farAway + margin, low, high), Math.Clamp(target - farAway - margin, low, high) })
                {
                    ulong distance = candidate > target ? candidate - target : target - candidate;
                    if ((!far || distance > farAway) && distance < bestDistance)
                    {
                        best = candidate;
                        bestDistance = distance;
                    }
                }
            }
            gapStart = Math.Max(gapStart, end);
        }
        return best != 0 ? (nint)(best & ~0xFFFUL) : throw new InvalidOperationException($"no free address range {(far ? "far away" : "near")}");
    }

    /// <summary>
    /// An address in the middle of the largest free range below the top of user space: code loaded there has free
    /// address space on both sides, so a test can then place other code within 2 GiB of it (the ranges right next to
    /// the runtime's own mappings are often taken for gigabytes by the GC's reservations).
    /// </summary>
    public static nint RoomyAddress()
    {
        const ulong top = 0x7FFF_0000_0000UL, bottom = 0x1000_0000UL;
        var ranges = new List<(ulong From, ulong To)>();
        foreach (var line in File.ReadAllLines("/proc/self/maps"))
        {
            var range = line.Split(' ', 2)[0].Split('-');
            ranges.Add((ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }
        ranges.Sort();
        ulong gapStart = bottom, best = 0, bestSize = 0;
        // Mappings above the top of user space ([vsyscall]) would make the last gap wrap around.
        foreach (var (start, end) in ranges.Where(r => r.From < top).Append((top, top)))
        {
            if (start > gapStart && start - gapStart > bestSize)
            {
                bestSize = start - gapStart;
                best = gapStart + bestSize / 2;
            }
            gapStart = Math.Max(gapStart, end);
        }
        return best != 0 ? (nint)(best & ~0xFFFUL) : throw new InvalidOperationException("no free address range");
    }

    /// <summary>
    /// True when the <paramref name="length"/> bytes at <paramref name="address"/> are all <c>int3</c> (a freed region of
    /// the code file); false when they are not, or the range is no longer mapped.
    /// </summary>
    public static bool HoldsOnlyTraps(nint address, int length) =>
        Permissions(address, length).Count > 0 && new ReadOnlySpan<byte>((void*)address, length).IndexOfAnyExcept((byte)0xCC) < 0;

    /// <summary>The number of lines (mappings) in <c>/proc/self/maps</c>.</summary>
    public static int Count() => File.ReadAllLines("/proc/self/maps").Length;

    /// <summary>
    /// The anonymous private read-execute mappings (no file, inode 0), the kind <see cref="ExecutableMemory"/> makes, as
    /// address ranges. (.NET's own JIT code lives in shared, file-backed "doublemapper" mappings.)
    /// </summary>
    public static List<(ulong From, ulong To)> AnonymousExecutable()
    {
        var result = new List<(ulong, ulong)>();
        foreach (var line in File.ReadAllLines("/proc/self/maps"))
        {
            // address perms offset dev inode [path]
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[1] == "r-xp" && fields[4] == "0" && (fields.Length == 5 || fields[5].Trim().Length == 0))
            {
                var range = fields[0].Split('-');
                result.Add((ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
        }
        return result;
    }

    /// <summary>The number of <see cref="AnonymousExecutable"/> mappings.</summary>
    public static int AnonymousExecutableCount() => AnonymousExecutable().Count;

    /// <summary>True when some mapping anywhere in the process is writable and executable.</summary>
    public static bool IsWritableAndExecutable(string permissions) => permissions.Contains('w') && permissions.Contains('x');
}
