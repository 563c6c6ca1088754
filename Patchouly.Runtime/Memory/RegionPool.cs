using System.Collections.Generic;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Freed memory regions kept for reuse, found by exact length (the newest first), holding at most
/// <c>maxBytes</c> bytes and <c>maxEntries</c> regions: adding beyond either evicts the oldest. Shared by
/// <see cref="MappingPool"/> and <see cref="CodeFile"/>; not thread-safe (they lock around it).
/// </summary>
internal sealed class RegionPool<T>(long maxBytes, int maxEntries) where T : struct
{
    private readonly List<(T Region, nuint Length)> _entries = new();
    private long _bytes;

    /// <summary>The regions kept, oldest first (for tests).</summary>
    public T[] ToArray()
    {
        var result = new T[_entries.Count];
        for (int i = 0; i < result.Length; i++) result[i] = _entries[i].Region;
        return result;
    }

    /// <summary>Takes the newest kept region of exactly <paramref name="length"/> bytes.</summary>
    public bool TryTake(nuint length, out T region)
    {
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Length != length) continue;
            region = _entries[i].Region;
            _entries.RemoveAt(i);
            _bytes -= (long)length;
            return true;
        }
        region = default;
        return false;
    }

    /// <summary>Keeps <paramref name="region"/> of <paramref name="length"/> bytes; the regions evicted to make room are added to <paramref name="evicted"/> (the caller frees them outside its lock).</summary>
    public void Add(T region, nuint length, ref List<T>? evicted)
    {
        while (_entries.Count > 0 && (_bytes + (long)length > maxBytes || _entries.Count >= maxEntries))
        {
            (evicted ??= new()).Add(_entries[0].Region);
            _bytes -= (long)_entries[0].Length;
            _entries.RemoveAt(0);
        }
        _entries.Add((region, length));
        _bytes += (long)length;
    }
}
