using System;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.Runtime.Tests;

/// <summary>The entry shim for 0 to 6 word arguments, and a 16-bit hole.</summary>
public class EntryShimTests
{
    private static readonly long[] s_arguments = [11, -22, 1L << 40, long.MinValue, 55, -1];

    private static long Invoke(CompiledFunction f, long[] a) => f.ParameterCount switch
    {
        0 => f.Invoke(),
        1 => f.Invoke(a[0]),
        2 => f.Invoke(a[0], a[1]),
        3 => f.Invoke(a[0], a[1], a[2]),
        4 => f.Invoke(a[0], a[1], a[2], a[3]),
        5 => f.Invoke(a[0], a[1], a[2], a[3], a[4]),
        _ => f.Invoke(a[0], a[1], a[2], a[3], a[4], a[5]),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void EveryArgumentArrivesInItsRegister(int parameters)
    {
        for (int i = 0; i < parameters; i++)
        {
            var b = new FunctionBuilder(SixRegisterStencils.Library, parameters);
            b.Emit(SixRegisterStencils.Return, [Location.Register(i)], default);
            using var f = b.Compile();
            Assert.Equal(parameters, f.ParameterCount);
            Assert.Equal(s_arguments[i], Invoke(f, s_arguments));
            Assert.Throws<ArgumentException>(() => parameters == 1 ? f.Invoke() : f.Invoke(1));
        }
    }

    [Fact]
    public unsafe void NoArgumentsAndTheRawEntryPointWithSix()
    {
        var b = new FunctionBuilder(SixRegisterStencils.Library, 0);
        b.Emit(SixRegisterStencils.ConstI16, default, [Location.Register(5)], [7], default);
        b.Emit(SixRegisterStencils.Return, [Location.Register(5)], default);
        using (var f = b.Compile()) Assert.Equal(7, f.Invoke());

        var six = new FunctionBuilder(SixRegisterStencils.Library, 6);
        six.Emit(SixRegisterStencils.Return, [Location.Register(5)], default);
        using var g = six.Compile();
        var entry = (delegate* unmanaged<long, long, long, long, long, long, long>)g.EntryPoint;
        Assert.Equal(-6, entry(1, 2, 3, 4, 5, -6));
    }

    [Fact]
    public void SevenParametersAreRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FunctionBuilder(SixRegisterStencils.Library, 7));
        Assert.Contains("0 to 6", e.Message);
    }

    [Theory]
    [InlineData((short)0)]
    [InlineData((short)1234)]
    [InlineData((short)-1)]
    [InlineData(short.MinValue)]
    [InlineData(short.MaxValue)]
    public void SixteenBitHoleIsPatchedAndSignExtended(short value)
    {
        foreach (var to in new[] { Location.Register(0), Location.Register(4), Location.Stack(2) })
        {
            var b = new FunctionBuilder(SixRegisterStencils.Library, 0);
            b.Emit(SixRegisterStencils.ConstI16, default, [to], [(ulong)unchecked((ushort)value)], default);
            b.Emit(SixRegisterStencils.Return, [to], default);
            using var f = b.Compile();
            Assert.Equal(value, f.Invoke());
        }
    }

    [Fact]
    public void SixteenBitHoleRejectsWiderValues()
    {
        var b = new FunctionBuilder(SixRegisterStencils.Library, 0);
        var e = Assert.Throws<HoleValueException>(() =>
            b.Emit(SixRegisterStencils.ConstI16, default, [Location.Register(0)], [0x1_0000], default));
        Assert.Contains("ConstI16", e.Message);
        Assert.Equal(0, b.CodeSize);
    }
}
