using System.Collections.Generic;
using Patchouly.Runtime.Memory;

namespace Patchouly.Runtime.Tests;

/// <summary><see cref="RegionPool{T}"/>: exact-length reuse, newest first, the oldest evicted beyond either bound.</summary>
public class RegionPoolTests
{
    [Fact]
    public void Takes_the_newest_region_of_the_exact_length()
    {
        var pool = new RegionPool<int>(maxBytes: 1000, maxEntries: 10);
        List<int>? evicted = null;
        pool.Add(1, 100, ref evicted);
        pool.Add(2, 200, ref evicted);
        pool.Add(3, 100, ref evicted);
        Assert.Null(evicted);
        Assert.True(pool.TryTake(100, out int region));
        Assert.Equal(3, region);
        Assert.True(pool.TryTake(100, out region));
        Assert.Equal(1, region);
        Assert.False(pool.TryTake(100, out _));
        Assert.False(pool.TryTake(300, out _));
        Assert.Equal([2], pool.ToArray());
    }

    [Fact]
    public void Evicts_the_oldest_beyond_the_byte_and_entry_bounds()
    {
        var pool = new RegionPool<int>(maxBytes: 300, maxEntries: 3);
        List<int>? evicted = null;
        pool.Add(1, 100, ref evicted);
        pool.Add(2, 100, ref evicted);
        pool.Add(3, 100, ref evicted);
        pool.Add(4, 150, ref evicted);          // 450 bytes: 1 and 2 go
        Assert.Equal([1, 2], evicted);
        Assert.Equal([3, 4], pool.ToArray());
        evicted = null;
        pool.Add(5, 10, ref evicted);           // 260 bytes, 3 entries: fits
        Assert.Null(evicted);
        pool.Add(6, 10, ref evicted);           // a fourth entry: 3 goes
        Assert.Equal([3], evicted);
        Assert.Equal([4, 5, 6], pool.ToArray());
        Assert.True(pool.TryTake(150, out int taken));
        Assert.Equal(4, taken);
        evicted = null;
        pool.Add(7, 280, ref evicted);          // 300 bytes with 5 and 6: nothing goes
        Assert.Null(evicted);
    }
}
