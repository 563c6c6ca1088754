using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Patchouly.Runtime.Tests;

/// <summary>Reads <c>/proc/self/maps</c>.</summary>
internal static class MemoryMaps
{
    /// <summary>The permission strings (like <c>r-xp</c>) of every mapping that overlaps [address, address + length).</summary>
    public static List<string> Permissions(nint address, long length)
    {
        var result = new List<string>();
        ulong start = (ulong)address, end = start + (ulong)length;
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

    /// <summary>True when some mapping anywhere in the process is writable and executable.</summary>
    public static bool IsWritableAndExecutable(string permissions) => permissions.Contains('w') && permissions.Contains('x');
}
