using System;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>
/// <see cref="CompiledFunction.Invoke{TResult}()"/>: the result word read as the type the returning stencil returns
/// (its bits, as a stencil returning <c>double</c> leaves them), with word arguments.
/// </summary>
public class TypedInvokeTests
{
    [Theory]
    [InlineData(2.5)]
    [InlineData(-0.125)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(1e300)]
    public void DoubleResultsAreTheirBits(double value)
    {
        // Const puts the 64 bits in a register (a wide hole), Return hands the word back, as a double stencil would.
        using var f = Compile(e => { e.Const(BitConverter.DoubleToInt64Bits(value), R1); e.Return(R1); });
        Assert.Equal(value, f.Invoke<double>());
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), f.Invoke());
    }

    [Fact]
    public void ArgumentsAreWordsAndEveryArityHasATypedOverload()
    {
        using var one = Compile(e => e.Return(R0), parameters: 1);
        Assert.Equal(-3.75, one.Invoke<double>(BitConverter.DoubleToInt64Bits(-3.75)));
        Assert.Equal(1.5f, one.Invoke<float>(BitConverter.SingleToUInt32Bits(1.5f)));

        using var two = Compile(e => e.Return(R1), parameters: 2);
        Assert.Equal(0.5, two.Invoke<double>(7, BitConverter.DoubleToInt64Bits(0.5)));
        using var three = Compile(e => e.Return(R2), parameters: 3);
        Assert.Equal(9.0, three.Invoke<double>(1, 2, BitConverter.DoubleToInt64Bits(9.0)));

        var six = new FunctionBuilder(Stencils.SixRegisterStencils.Library, 6);
        six.Emit(Stencils.SixRegisterStencils.Return, [Location.Register(5)], default);
        using var f6 = six.Compile();
        Assert.Equal(6.25, f6.Invoke<double>(1, 2, 3, 4, 5, BitConverter.DoubleToInt64Bits(6.25)));
        Assert.Throws<ArgumentException>(() => f6.Invoke<double>(1, 2, 3, 4, 5));
        Assert.Throws<ArgumentException>(() => f6.Invoke<double>(1, 2, 3, 4));
        Assert.Throws<ArgumentException>(() => f6.Invoke<double>(1, 2, 3));
        Assert.Throws<ArgumentException>(() => f6.Invoke<double>(1, 2));
        Assert.Throws<ArgumentException>(() => f6.Invoke<double>(1));
        Assert.Throws<ArgumentException>(() => f6.Invoke<double>());
    }

    [Fact]
    public void NarrowerTypesReadTheLowBitsOfTheWord()
    {
        using var f = Compile(e => e.Return(R0), parameters: 1);
        Assert.Equal(-5, f.Invoke<int>(-5));
        Assert.Equal(0xFFFF_FFFBu, f.Invoke<uint>(-5));
        Assert.Equal((short)0x5678, f.Invoke<short>(0x1234_5678));
        Assert.Equal(ulong.MaxValue, f.Invoke<ulong>(-1));
        Assert.True(f.Invoke<bool>(1));
        Assert.False(f.Invoke<bool>(0));
        Assert.Equal('A', f.Invoke<char>('A'));
        Assert.Equal(DayOfWeek.Friday, f.Invoke<DayOfWeek>((long)DayOfWeek.Friday));
        Assert.Equal(unchecked((nint)0x1234_5678_9abc), f.Invoke<nint>(0x1234_5678_9abc));
        Assert.Equal(float.Epsilon, f.Invoke<float>(BitConverter.SingleToUInt32Bits(float.Epsilon)));
    }

    [Fact]
    public void ResultTypesLargerThanAWordAreRejectedBeforeTheCodeRuns()
    {
        using var f = Compile(e => e.Return(R0), parameters: 1);
        var e = Assert.Throws<ArgumentException>(() => f.Invoke<decimal>(1));
        Assert.Equal("TResult", e.ParamName);
        Assert.Contains("16 bytes", e.Message);
        Assert.Throws<ArgumentException>(() => f.Invoke<Guid>(1));
        f.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.Invoke<double>(1));
    }
}
