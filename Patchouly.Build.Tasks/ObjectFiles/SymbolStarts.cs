using System;
using System.Collections.Generic;
using System.Linq;

namespace Patchouly.Build.Tasks.ObjectFiles;

/// <summary>
/// Function sizes for formats whose symbols carry none (COFF, Mach-O): a function ends where the next symbol of its
/// section starts, or at the section's end.
/// </summary>
public sealed class SymbolStarts
{
    private readonly Dictionary<int, ulong[]> _starts;

    /// <summary>Collects the start of every symbol, by section number.</summary>
    public SymbolStarts(IEnumerable<(int Section, ulong Value)> symbols)
    {
        _starts = symbols.GroupBy(s => s.Section).ToDictionary(g => g.Key, g => g.Select(s => s.Value).Distinct().Order().ToArray());
    }

    /// <summary>The distance from <paramref name="start"/> to the next symbol of <paramref name="section"/>, or to
    /// <paramref name="sectionEnd"/> (both in the same units as the symbols' values).</summary>
    public ulong SizeFrom(int section, ulong start, ulong sectionEnd)
    {
        ulong end = sectionEnd;
        if (_starts.TryGetValue(section, out var starts))
        {
            int i = Array.BinarySearch(starts, start);
            i = i < 0 ? ~i : i + 1;
            if (i < starts.Length) end = starts[i];
        }
        return end > start ? end - start : 0;
    }
}
