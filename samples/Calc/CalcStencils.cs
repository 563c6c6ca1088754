using Patchouly;

namespace Patchouly.Samples.Calc;

/// <summary>
/// The stencils of the calculator JIT: 64-bit integer arithmetic with C# <c>long</c> semantics. Register 0 holds the
/// pointer to the variables, register 1 the pointer to the status word (both pinned there: <see cref="PinnedAttribute"/>);
/// the rest hold intermediate values.
/// </summary>
[StencilLibrary(Registers = 4)]
public static unsafe partial class CalcStencils
{
    /// <summary>Status written when a division or remainder has a zero divisor.</summary>
    public const long DivideByZero = 1;

    /// <summary>Status written when <c>long.MinValue</c> is divided by -1 (C# throws OverflowException).</summary>
    public const long Overflow = 2;

    [Stencil]
    public static long Const([Hole] long value) => value;

    [Stencil]
    public static long Load([Pinned(0)] long* variables, [Hole] int index) => variables[index];

    [Stencil]
    public static long Add(long a, long b) => a + b;

    [Stencil]
    public static long Sub(long a, long b) => a - b;

    [Stencil]
    public static long Mul(long a, long b) => a * b;

    [Stencil]
    public static long Neg(long a) => -a;

    /// <summary>Divides, or jumps to <paramref name="divideByZero"/> / <paramref name="overflow"/> where C# would throw.</summary>
    [Stencil]
    public static Target Div(long a, long b, Target divideByZero, Target overflow, out long quotient)
    {
        quotient = 0;
        if (b == 0) return divideByZero;
        if (b == -1 && a == long.MinValue) return overflow;
        quotient = a / b;
        return Target.Next;
    }

    /// <summary>Remainder, with the same checks as <see cref="Div"/>.</summary>
    [Stencil]
    public static Target Rem(long a, long b, Target divideByZero, Target overflow, out long remainder)
    {
        remainder = 0;
        if (b == 0) return divideByZero;
        if (b == -1 && a == long.MinValue) return overflow;
        remainder = a % b;
        return Target.Next;
    }

    /// <summary>Returns the result to the caller.</summary>
    [Stencil(ReturnsToCaller = true)]
    public static long Return(long value) => value;

    /// <summary>Records an error status and returns 0.</summary>
    [Stencil(ReturnsToCaller = true)]
    public static long Fail([Pinned(1)] long* status, [Hole] long code)
    {
        *status = code;
        return 0;
    }
}
