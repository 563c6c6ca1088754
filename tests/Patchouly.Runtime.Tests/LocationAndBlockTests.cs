using System;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

public class LocationAndBlockTests
{
    [Fact]
    public void RegisterLocation()
    {
        var r = Location.Register(2);
        Assert.True(r.IsRegister);
        Assert.False(r.IsStack);
        Assert.Equal(2, r.Index);
        Assert.Equal("r2", r.ToString());
        Assert.Equal(2, r.Code(3));
    }

    [Fact]
    public void StackLocation()
    {
        var s = Location.Stack(5);
        Assert.True(s.IsStack);
        Assert.False(s.IsRegister);
        Assert.Equal(5, s.Index);
        Assert.Equal("s5", s.ToString());
        Assert.Equal(3, s.Code(3));
        Assert.Equal(9, s.Code(9));
    }

    [Fact]
    public void LocationEquality()
    {
        Assert.Equal(Location.Register(1), Location.Register(1));
        Assert.True(Location.Register(1) == Location.Register(1));
        Assert.True(Location.Register(1) != Location.Stack(1));
        Assert.False(Location.Stack(1).Equals(Location.Stack(2)));
        Assert.True(Location.Stack(4).Equals((object)Location.Stack(4)));
        Assert.False(Location.Stack(4).Equals("s4"));
        Assert.Equal(Location.Stack(3).GetHashCode(), Location.Stack(3).GetHashCode());
        Assert.Equal(Location.Register(0), default);
    }

    [Fact]
    public void NegativeLocationsAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Location.Stack(-1));
        Assert.Equal("slot", e.ParamName);
        Assert.Contains("-1", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Location.Register(-3));
        Assert.Equal("index", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Location.Register(int.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => Location.Stack(int.MinValue));
    }

    [Fact]
    public void LocationsBeyondTheLimitsAreRejected()
    {
        // docs/runtime.md: 0 <= i < 11 registers (the most a library can have), 0 <= slot < FunctionBuilder.MaxStackSlots.
        Assert.Equal(11, Location.MaxRegisters);
        Assert.Equal(StencilLibraryAttribute.MaxRegisters, Location.MaxRegisters);
        Assert.Equal(Location.MaxRegisters - 1, Location.Register(Location.MaxRegisters - 1).Index);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Location.Register(Location.MaxRegisters));
        Assert.Equal("index", e.ParamName);
        Assert.Contains("0 to 10", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Location.Register(int.MaxValue));

        Assert.Equal(FunctionBuilder.MaxStackSlots - 1, Location.Stack(FunctionBuilder.MaxStackSlots - 1).Index);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Location.Stack(FunctionBuilder.MaxStackSlots));
        Assert.Equal("slot", e.ParamName);
        Assert.Contains("0 to 16383", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Location.Stack(int.MaxValue >> 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Location.Stack(int.MaxValue));
    }

    [Fact]
    public void CodeRejectsRegisterOutsideTheLibrary()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Location.Register(3).Code(3));
        Assert.Contains("r3", e.Message);
    }

    [Fact]
    public void BlocksAreNumberedPerBuilder()
    {
        var b1 = Builder();
        var b2 = Builder();
        var x = b1.NewBlock();
        var y = b1.NewBlock();
        var z = b2.NewBlock();
        Assert.Equal(0, x.Id);
        Assert.Equal(1, y.Id);
        Assert.Equal("B0", x.ToString());
        Assert.Equal("B1", y.ToString());
        Assert.NotEqual(x, y);
        var x2 = x;
        Assert.Equal(x, x2);
        Assert.True(x == x2);
        Assert.True(x != z); // same number, different builders
        Assert.Equal(0, z.Id);
        Assert.Equal(x.GetHashCode(), x.GetHashCode());
        Assert.Equal("B?", default(Block).ToString());
    }
}
