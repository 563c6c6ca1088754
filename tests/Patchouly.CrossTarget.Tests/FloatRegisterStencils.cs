using System;
using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// A library with float registers (<c>FloatRegisters = 3</c>): its <c>float</c> and <c>double</c> inputs and outputs
/// live in float registers f0..f2 (XMM0–XMM2, d0–d2) or stack slots, its integer values in r0..r2 or slots. Compiled by
/// the real Patchouly build for every target and run natively against the C# methods by <see cref="FloatRegisterTests"/>.
/// </summary>
[StencilLibrary(Registers = 3, FloatRegisters = 3)]
public static unsafe partial class FloatRegisterStencils
{
    // Plumbing for the harness.
    [Stencil] public static long Const([Hole] long value) => value;
    [Stencil] public static double ConstDouble([Hole] double value) => value;
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;
    [Stencil(ReturnsToCaller = true)] public static ulong ReturnDoubleBits(double value) => BitConverter.DoubleToUInt64Bits(value);

    // Double: float-class inputs and output.
    [Stencil] public static double AddDouble(double a, double b) => a + b;
    [Stencil] public static double SubDouble(double a, double b) => a - b;
    [Stencil] public static double MulDouble(double a, double b) => a * b;
    [Stencil] public static double DivDouble(double a, double b) => a / b;
    [Stencil] public static double SqrtDouble(double a) => Math.Sqrt(a);
    [Stencil] public static double NegDouble(double a) => -a;
    [Stencil] public static double MulAddDouble(double a, double b, double c) => a * b + c;
    [Stencil] public static double MulImmDouble(double a, [Hole] double k) => a * k;

    // Float: the low 32 bits of a float register.
    [Stencil] public static float AddFloat(float a, float b) => a + b;
    [Stencil] public static float MulFloat(float a, float b) => a * b;
    [Stencil] public static float SqrtFloat(float a) => MathF.Sqrt(a);
    [Stencil] public static float DoubleToFloat(double a) => (float)a;
    [Stencil] public static double FloatToDouble(float a) => a;

    // Between the classes: float-class and integer-class values in one stencil.
    [Stencil] public static long LessDouble(double a, double b) => a < b ? 1 : 0;
    [Stencil] public static int FloatToInt(float a) => float.IsNaN(a) || a >= 2147483648f || a < -2147483648f ? 0 : (int)a;
    [Stencil] public static long DoubleToLong(double a) => double.IsNaN(a) || a >= 9223372036854775808.0 || a < -9223372036854775808.0 ? 0 : (long)a;
    [Stencil] public static double LongToDouble(long a) => a;
    [Stencil] public static double ScaleByLong(double a, long n) => a * n;
    [Stencil] public static double SelectDouble(long condition, double a, double b) => condition != 0 ? a : b;
    [Stencil] public static ulong DoubleBits(double a) => BitConverter.DoubleToUInt64Bits(a);
    [Stencil] public static double DoubleFromBits(ulong bits) => BitConverter.UInt64BitsToDouble(bits);
    [Stencil] public static uint FloatBits(float a) => BitConverter.SingleToUInt32Bits(a);

    // Two outputs of different classes, and a branch on a float-class value.
    [Stencil]
    public static void SplitDouble(double a, out double whole, out long sign)
    {
        whole = Math.Floor(a);
        sign = a < 0 ? -1 : a > 0 ? 1 : 0;
    }

    [Stencil]
    public static Target JumpIfNaN(double a, Target nan)
    {
        if (double.IsNaN(a)) return nan;
        return Target.Next;
    }

    // clang lays out a branch on float (in)equality as `ucomisd; jne L; jnp next; L: jmp taken` (x86-64): a branch inside
    // the stencil goes to its trailing jump, so the pair before that jump must not be turned into one branch.
    [Stencil] public static Target JumpIfNotEqualDouble(double a, double b, Target notEqual) => a != b ? notEqual : Target.Next;
    [Stencil] public static Target JumpIfEqualFloat(float a, float b, Target equal) => a == b ? equal : Target.Next;

    [Stencil]
    public static Target DivideOrJump(double a, double b, Target byZero, out double quotient)
    {
        quotient = 0;
        if (b == 0) return byZero;
        quotient = a / b;
        return Target.Next;
    }
}
