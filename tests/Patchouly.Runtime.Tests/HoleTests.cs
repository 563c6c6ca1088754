using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Constants patched into holes, and the automatic narrow/wide choice.</summary>
public class HoleTests
{
    [Theory]
    [InlineData(5L, false)]
    [InlineData(0L, false)]
    [InlineData(-1L, false)] // canonical 0xFFFF...FFFF sign-extends from imm32
    [InlineData(int.MaxValue, false)]
    [InlineData(int.MinValue, false)]
    [InlineData(1L << 40, true)]
    [InlineData(0xFFFF_FFFFL, true)] // not representable as a sign-extended imm32
    [InlineData(-0x8000_0001L, true)]
    [InlineData(long.MinValue, true)]
    [InlineData(long.MaxValue, true)]
    public void ConstantsChooseNarrowOrWide(long value, bool wide)
    {
        foreach (var to in new[] { R0, R2, S(0), S(3) })
        {
            using var f = Compile(e =>
            {
                e.Const(value, to);
                e.Return(to);
            });
            Assert.Equal(value, f.Invoke());
            Assert.Contains($"; Const [-> {to}] {(wide ? "wide" : "narrow")}", f.Disassemble());
        }
    }

    [Theory]
    [InlineData(100L, 23L)]
    [InlineData(100L, -1000L)]
    [InlineData(-7L, 1L << 35)]
    [InlineData(long.MaxValue, long.MinValue)]
    public void ImmediateOperands(long a, long b)
    {
        foreach (var (x, y) in new[] { (R0, R1), (R1, R1), (S(0), R2), (R2, S(1)), (S(1), S(1)) })
        {
            using var f = Compile(e =>
            {
                e.Const(a, x);
                e.AddImm(x, b, y);
                e.Return(y);
            });
            Assert.Equal(unchecked(a + b), f.Invoke());
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(127)]
    [InlineData(-128)]
    [InlineData(0)]
    public void EightBitHoles(sbyte b)
    {
        Assert.Equal(1000 + b, Run(e =>
        {
            e.Const(1000, S(0));
            e.AddImm8(S(0), b, R1);
            e.Return(R1);
        }));
    }

    [Fact]
    public void ZeroExtendingThirtyTwoBitHole()
    {
        Assert.Equal(0xFFFF_FFFFL, Run(e =>
        {
            e.ConstU32(0xFFFF_FFFFL, R0);
            e.Return(R0);
        }));
    }

    [Fact]
    public void PcRelativeHoleThatIsNotACallForcesTheWideVariant()
    {
        using var f = Compile(e =>
        {
            e.LeaHole(5, R1);
            e.Return(R1);
        });
        Assert.Equal(5, f.Invoke());
        Assert.Contains("; LeaHole [-> r1] wide", f.Disassemble());
    }

    [Theory]
    [InlineData(77L)]
    [InlineData(-5L)]
    [InlineData(1L << 50)]
    public void ReturningAConstant(long value)
    {
        Assert.Equal(value, Run(e => e.ReturnConst(value)));
    }
}
