using System;

namespace Patchouly.Runtime.Tests;

/// <summary>
/// A stencil run as ordinary C# (docs/authoring.md, "Running a stencil as plain C#"): <c>new Target(id)</c> for each
/// target argument, and the returned <see cref="Target"/> read with <see cref="Target.IsNext"/>, <c>==</c> and
/// <see cref="Target.Id"/>.
/// </summary>
public class PlainCSharpStencilTests
{
    /// <summary>The README's Div stencil, as it appears there (no build step runs for this class: it is only C#).</summary>
    private static class CalcStencils
    {
        [Stencil]
        public static Target Div(long a, long b, Target divideByZero, Target overflow, out long quotient)
        {
            quotient = 0;
            if (b == 0) return divideByZero;
            if (b == -1 && a == long.MinValue) return overflow;
            quotient = a / b;
            return Target.Next;
        }
    }

    [Fact]
    public void TheDocumentedExampleRuns()
    {
        var divideByZero = new Target(0);
        var overflow = new Target(1);
        Target next = CalcStencils.Div(7, 2, divideByZero, overflow, out long quotient);
        Assert.True(next.IsNext);
        Assert.Equal(Target.Next, next);
        Assert.Equal(-1, next.Id);
        Assert.Equal(3, quotient);

        Target where = CalcStencils.Div(7, 0, divideByZero, overflow, out _);
        Assert.False(where.IsNext);
        Assert.Equal(divideByZero, where);
        Assert.True(where == divideByZero && where != overflow);
        Assert.Equal(0, where.Id);

        Target overflowed = CalcStencils.Div(long.MinValue, -1, divideByZero, overflow, out _);
        Assert.Equal(1, overflowed.Id);
        Assert.Equal("Target(1)", overflowed.ToString());
    }

    [Fact]
    public void TargetIdsAreNonNegativeAndDefaultIsNext()
    {
        Assert.True(default(Target).IsNext);
        Assert.Equal(Target.Next, default);
        Assert.False(new Target(0).IsNext);
        Assert.NotEqual(new Target(0), new Target(1));
        Assert.Equal(new Target(5), new Target(5));
        Assert.Equal(int.MaxValue - 1, new Target(int.MaxValue - 1).Id);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Target(-1));
        Assert.Equal("id", e.ParamName);
    }
}
