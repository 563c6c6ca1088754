using System;
using System.Collections.Generic;
using Patchouly.Runtime.Allocation;

namespace Patchouly.Runtime.Tests;

public class RegisterCacheTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2);

    /// <summary>Records the spills a cache asks for.</summary>
    private struct Recorder : IValueSpiller
    {
        public List<(long Value, Location Register)> Spills;
        public void Spill(long value, Location register) => (Spills ??= new()).Add((value, register));
    }

    [Fact]
    public void Binds_free_registers_in_order_and_finds_values()
    {
        var cache = new RegisterCache(R1, R2);
        var rec = new Recorder();
        Assert.Equal(R1, cache.Bind(10, dirty: false, ref rec));
        Assert.Equal(R2, cache.Bind(20, dirty: true, ref rec));
        Assert.True(cache.TryGet(10, out var r));
        Assert.Equal(R1, r);
        Assert.False(cache.TryGet(30, out _));
        Assert.False(cache.IsDirty(10));
        Assert.True(cache.IsDirty(20));
        Assert.True(cache.TryGetValue(R2, out long v));
        Assert.Equal(20, v);
        Assert.False(cache.TryGetValue(R0, out _));
        Assert.Equal(2, cache.Count);
        Assert.Null(rec.Spills);
    }

    [Fact]
    public void Evicts_the_least_recently_used_value_spilling_it_only_when_dirty()
    {
        var cache = new RegisterCache(R0, R1);
        var rec = new Recorder();
        cache.Bind(1, dirty: true, ref rec);   // r0
        cache.Bind(2, dirty: false, ref rec);  // r1
        cache.TryGet(1, out _);                // 2 is now the least recently used: clean, so no spill
        Assert.Equal(R1, cache.Bind(3, dirty: true, ref rec));
        Assert.Null(rec.Spills);
        Assert.False(cache.Contains(2));
        Assert.Equal(R0, cache.Bind(4, dirty: false, ref rec)); // evicts 1, dirty
        Assert.Equal([(1L, R0)], rec.Spills!);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void SpillAll_writes_dirty_values_back_once_and_keeps_them_cached()
    {
        var cache = new RegisterCache(R0, R1, R2);
        var rec = new Recorder();
        cache.Bind(5, dirty: true, ref rec);
        cache.Bind(6, dirty: false, ref rec);
        cache.Bind(7, dirty: false, ref rec);
        cache.MarkDirty(7);
        Assert.Equal(2, cache.SpillAll(ref rec));
        Assert.Equal([(5L, R0), (7L, R2)], rec.Spills!);
        Assert.Equal(0, cache.SpillAll(ref rec)); // all clean now
        Assert.True(cache.Contains(5));
        Assert.False(cache.IsDirty(5));
        cache.Clear();
        Assert.Equal(0, cache.Count);
        Assert.False(cache.Contains(6));
        Assert.Equal(R0, cache.Bind(8, dirty: false, ref rec)); // registers are free again
    }

    [Fact]
    public void Spill_and_Forget_act_on_one_value()
    {
        var cache = new RegisterCache(R0, R1);
        var rec = new Recorder();
        cache.Bind(1, dirty: true, ref rec);
        cache.Bind(2, dirty: true, ref rec);
        Assert.True(cache.Spill(1, ref rec));
        Assert.False(cache.Spill(1, ref rec));
        Assert.True(cache.Forget(2)); // dead: dropped without a store
        Assert.False(cache.Forget(2));
        Assert.Equal([(1L, R0)], rec.Spills!);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Misuse_is_a_clear_error()
    {
        Assert.Throws<ArgumentException>(() => new RegisterCache());
        Assert.Throws<ArgumentException>(() => new RegisterCache(R0, Location.Stack(0)));
        Assert.Throws<ArgumentException>(() => new RegisterCache(R1, R1));
        var cache = new RegisterCache(R0);
        var rec = new Recorder();
        cache.Bind(1, dirty: false, ref rec);
        Assert.Throws<InvalidOperationException>(() => cache.Bind(1, dirty: false, ref rec));
        Assert.Throws<InvalidOperationException>(() => cache.MarkDirty(2));
        Assert.Throws<InvalidOperationException>(() => cache.Spill(2, ref rec));
    }

    [Fact]
    public void Random_use_keeps_homes_equal_to_a_reference_model()
    {
        // Values are memory cells; the cache's registers and the spills are simulated. After SpillAll every home must
        // hold the last value written, whatever the eviction order.
        var random = new Random(1234);
        for (int round = 0; round < 200; round++)
        {
            var cache = new RegisterCache(R0, R1, R2);
            var sim = new Simulation { Memory = new long[8], Registers = new long[3] };
            var expected = new long[8];
            for (int step = 0; step < 50; step++)
            {
                long cell = random.Next(8);
                long newValue = random.Next(1000);
                if (!cache.TryGet(cell, out var reg))
                {
                    reg = cache.Bind(cell, dirty: false, ref sim);
                    sim.Registers[reg.Index] = sim.Memory[cell]; // the load
                }
                Assert.Equal(expected[cell], sim.Registers[reg.Index]);
                if (random.Next(3) == 0) continue; // a read only
                sim.Registers[reg.Index] = newValue;
                cache.MarkDirty(cell);
                expected[cell] = newValue;
            }
            cache.SpillAll(ref sim);
            Assert.Equal(expected, sim.Memory);
        }
    }

    private struct Simulation : IValueSpiller
    {
        public long[] Memory, Registers;
        public readonly void Spill(long value, Location register) => Memory[value] = Registers[register.Index];
    }
}
