using System.Collections.Generic;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>
/// Counts per cell key for the runs and loop bodies the JIT looks at. They touch a handful of cells, so the counts live
/// in a short list searched linearly (hashing a <c>long</c> per read was a visible part of a 60 µs compile); past
/// <see cref="LinearLimit"/> distinct cells they move to a dictionary, so a long run stays linear in its length.
/// </summary>
internal sealed class CellCounts
{
    private const int LinearLimit = 16;
    private readonly long[] _keys = new long[LinearLimit];
    private readonly int[] _values = new int[LinearLimit];
    private int _count;
    private Dictionary<long, int>? _many; // the counts, once more than LinearLimit cells are counted (then _count is unused)
    private bool _useMany;

    /// <summary>How many cells have a count.</summary>
    public int Count => _useMany ? _many!.Count : _count;

    /// <summary>Forgets every count.</summary>
    public void Clear()
    {
        _count = 0;
        if (_useMany)
        {
            _many!.Clear();
            _useMany = false;
        }
    }

    /// <summary>The count of <paramref name="key"/> (0 when none).</summary>
    public int Get(long key)
    {
        if (_useMany) return _many!.GetValueOrDefault(key);
        for (int i = 0; i < _count; i++)
            if (_keys[i] == key) return _values[i];
        return 0;
    }

    /// <summary>Adds <paramref name="n"/> to the count of <paramref name="key"/>.</summary>
    public void Add(long key, int n) => Set(key, Get(key) + n);

    /// <summary>Sets the count of <paramref name="key"/>.</summary>
    public void Set(long key, int value)
    {
        if (!_useMany)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_keys[i] != key) continue;
                _values[i] = value;
                return;
            }
            if (_count < LinearLimit)
            {
                _keys[_count] = key;
                _values[_count++] = value;
                return;
            }
            _many ??= new Dictionary<long, int>();
            for (int i = 0; i < _count; i++) _many[_keys[i]] = _values[i];
            _useMany = true;
        }
        _many![key] = value;
    }

    /// <summary>Removes and returns the cell with the highest count, ties to the lower key (deterministic).</summary>
    public long RemoveHighest()
    {
        long best = 0;
        int bestCount = -1;
        if (_useMany)
        {
            foreach (var (key, count) in _many!)
                if (count > bestCount || count == bestCount && key < best) (best, bestCount) = (key, count);
            _many.Remove(best);
            return best;
        }
        int at = -1;
        for (int i = 0; i < _count; i++)
        {
            if (_values[i] > bestCount || _values[i] == bestCount && _keys[i] < best)
            {
                (best, bestCount, at) = (_keys[i], _values[i], i);
            }
        }
        _count--;
        _keys[at] = _keys[_count];
        _values[at] = _values[_count];
        return best;
    }
}
