using System;
using System.Collections.Generic;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.Runtime.Tests;

public class RegisterAllocatorTests
{
    [Fact]
    public void RegistersFirstInOrderThenStackSlots()
    {
        var a = new RegisterAllocator(3);
        Assert.Equal(Location.Register(0), a.Allocate());
        Assert.Equal(Location.Register(1), a.Allocate());
        Assert.Equal(Location.Register(2), a.Allocate());
        Assert.Equal(Location.Stack(0), a.Allocate());
        Assert.Equal(Location.Stack(1), a.Allocate());
        Assert.Equal(2, a.FrameSlots);
        Assert.Equal(5, a.Allocated);
    }

    [Fact]
    public void FreedLocationsAreReusedLowestFirst()
    {
        var a = new RegisterAllocator(2);
        var r0 = a.Allocate();
        var r1 = a.Allocate();
        var s0 = a.Allocate();
        var s1 = a.Allocate();
        var s2 = a.Allocate();
        a.Free(r1);
        Assert.Equal(r1, a.Allocate());
        a.Free(s2);
        a.Free(s0);
        Assert.Equal(s0, a.Allocate()); // registers are full: the lowest free slot
        Assert.Equal(s2, a.Allocate());
        Assert.Equal(Location.Stack(3), a.Allocate());
        a.Free(r0);
        Assert.Equal(r0, a.Allocate()); // a register again before any slot
        Assert.Equal(4, a.FrameSlots);
        Assert.True(a.IsAllocated(s1));
    }

    [Fact]
    public void FrameSlotsNeverShrink()
    {
        var a = new RegisterAllocator(0);
        var s0 = a.Allocate();
        var s1 = a.Allocate();
        a.Free(s1);
        a.Free(s0);
        Assert.Equal(2, a.FrameSlots);
        Assert.Equal(0, a.Allocated);
        Assert.Equal(s0, a.Allocate());
    }

    [Fact]
    public void DoubleFreeAndForeignLocationsThrow()
    {
        var a = new RegisterAllocator(2);
        var r = a.Allocate();
        a.Free(r);
        Assert.Contains("r0", Assert.Throws<InvalidOperationException>(() => a.Free(r)).Message);
        Assert.Throws<InvalidOperationException>(() => a.Free(Location.Stack(0)));
        Assert.Throws<InvalidOperationException>(() => a.Free(Location.Register(7)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegisterAllocator(12));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegisterAllocator(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegisterAllocator(2, floatRegisters: 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RegisterAllocator(2, floatRegisters: -1));
        var f = new RegisterAllocator(0, floatRegisters: 1);
        Assert.Throws<InvalidOperationException>(() => f.Free(Location.FloatRegister(0)));
        Assert.Equal(Location.FloatRegister(0), f.AllocateFloat());
        f.Free(Location.FloatRegister(0));
        Assert.Contains("f0", Assert.Throws<InvalidOperationException>(() => f.Free(Location.FloatRegister(0))).Message);
        Assert.Throws<InvalidOperationException>(() => f.Free(Location.FloatRegister(1)));
    }

    [Fact]
    public void ReservedRegistersAreNeverHandedOut()
    {
        var a = new RegisterAllocator(3, Location.Register(1));
        Assert.True(a.IsReserved(Location.Register(1)));
        Assert.False(a.IsReserved(Location.Register(0)));
        Assert.False(a.IsReserved(Location.Stack(1)));
        Assert.Equal(Location.Register(0), a.Allocate());
        Assert.Equal(Location.Register(2), a.Allocate());
        Assert.Equal(Location.Stack(0), a.Allocate());
        Assert.False(a.IsAllocated(Location.Register(1)));
        Assert.Throws<InvalidOperationException>(() => a.Free(Location.Register(1)));

        a.Reserve(Location.Register(1)); // again: nothing changes
        Assert.Contains("r0 is allocated", Assert.Throws<InvalidOperationException>(() => a.Reserve(Location.Register(0))).Message);
        a.Free(Location.Register(0));
        a.Reserve(Location.Register(0));
        Assert.Equal(Location.Stack(1), a.Allocate());
        Assert.Throws<ArgumentException>(() => a.Reserve(Location.Stack(0)));
        Assert.Contains("r0..r2", Assert.Throws<ArgumentException>(() => a.Reserve(Location.Register(3))).Message);
        Assert.Throws<ArgumentNullException>(() => RegisterAllocator.For(null!));
    }

    [Fact]
    public void DrivesABuilderThatSpillsToTheStack()
    {
        // Keep ten values alive at once (3 registers, so 7 spill), then sum them pairwise: 1 + 2 + ... + 10.
        var builder = new FunctionBuilder(TestStencils.Library);
        var e = new TestEmitter(builder);
        var allocator = new RegisterAllocator(TestStencils.Library.Registers);
        var values = new List<Location>();
        for (int i = 1; i <= 10; i++)
        {
            var l = allocator.Allocate();
            e.Const(i, l);
            values.Add(l);
        }
        var sum = values[0];
        for (int i = 1; i < values.Count; i++)
        {
            allocator.Free(values[i]);
            allocator.Free(sum);
            var to = allocator.Allocate();
            e.Add(sum, values[i], to);
            sum = to;
        }
        e.Return(sum);
        Assert.Equal(7, allocator.FrameSlots);
        using var f = builder.Compile();
        Assert.Equal(7, f.FrameSlots);
        Assert.Equal(55, f.Invoke());
    }
}
