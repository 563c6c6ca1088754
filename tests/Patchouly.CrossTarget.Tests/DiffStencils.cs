using System;
using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// The differential corpus's stencils, compiled by the real Patchouly build for every target in PatchoulyTargets
/// (linux-x64 and linux-arm64). Each is run natively (JIT-compiled) and as the plain C# method it is, on the same
/// inputs, in every placement of its operands (registers and stack slots); see <see cref="DifferentialTests"/>.
/// Inputs and outputs are 64-bit words; floating-point values travel as their bits.
/// </summary>
[StencilLibrary(Registers = 3)]
public static unsafe partial class DiffStencils
{
    // Plumbing for the harness.
    [Stencil] public static long Const([Hole] long value) => value;
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;

    // 64-bit integers.
    [Stencil] public static long Add(long a, long b) => a + b;
    [Stencil] public static long Sub(long a, long b) => a - b;
    [Stencil] public static long Mul(long a, long b) => a * b;
    [Stencil] public static long And(long a, long b) => a & b;
    [Stencil] public static long Or(long a, long b) => a | b;
    [Stencil] public static long Xor(long a, long b) => a ^ b;
    [Stencil] public static long Shl(long a, long b) => a << (int)b;
    [Stencil] public static long Sar(long a, long b) => a >> (int)b;
    [Stencil] public static ulong Shr(ulong a, long b) => a >> (int)b;
    [Stencil] public static long Neg(long a) => -a;
    [Stencil] public static long Not(long a) => ~a;
    [Stencil] public static long DivSafe(long a, long b) => b == 0 || (b == -1 && a == long.MinValue) ? 0 : a / b;
    [Stencil] public static ulong RemUnsignedSafe(ulong a, ulong b) => b == 0 ? 0 : a % b;
    [Stencil] public static long Min(long a, long b) => Math.Min(a, b);
    [Stencil] public static ulong MaxUnsigned(ulong a, ulong b) => Math.Max(a, b);
    [Stencil] public static long Select(long condition, long a, long b) => condition != 0 ? a : b;
    [Stencil] public static long LessSigned(long a, long b) => a < b ? 1 : 0;
    [Stencil] public static long LessUnsigned(ulong a, ulong b) => a < b ? 1 : 0;

    // 32-bit and narrower integers (inputs read from the low bits, results sign- or zero-extended).
    [Stencil] public static int AddInt(int a, int b) => a + b;
    [Stencil] public static int MulInt(int a, int b) => a * b;
    [Stencil] public static uint ShrUInt(uint a, int b) => a >> b;
    [Stencil] public static int DivIntSafe(int a, int b) => b == 0 || (b == -1 && a == int.MinValue) ? 0 : a / b;
    [Stencil] public static long SignExtendByte(long a) => (sbyte)a;
    [Stencil] public static long ZeroExtendShort(long a) => (ushort)a;
    [Stencil] public static long IntToLong(int a) => a;

    // Holes: narrow (32-bit immediates) and wide (64-bit) values.
    [Stencil] public static long AddImm(long a, [Hole] long k) => a + k;
    [Stencil] public static long MulImm(long a, [Hole] int k) => a * k;
    [Stencil] public static ulong XorImmUnsigned(ulong a, [Hole] ulong k) => a ^ k;
    [Stencil] public static long ShiftAddImm(long a, [Hole] byte shift, [Hole] long k) => (a << shift) + k;
    [Stencil] public static double MulImmDouble(double a, [Hole] double k) => a * k;
    [Stencil] public static long LoadIndexed(long* p, [Hole] int index) => p[index];

    // Double and float.
    [Stencil] public static double AddDouble(double a, double b) => a + b;
    [Stencil] public static double SubDouble(double a, double b) => a - b;
    [Stencil] public static double MulDouble(double a, double b) => a * b;
    [Stencil] public static double DivDouble(double a, double b) => a / b;
    [Stencil] public static double SqrtDouble(double a) => Math.Sqrt(a);
    [Stencil] public static double MinDouble(double a, double b) => Math.Min(a, b);
    [Stencil] public static double FusedLike(double a, double b) => a * b + a;
    [Stencil] public static long LessDouble(double a, double b) => a < b ? 1 : 0;
    [Stencil] public static long DoubleToLong(double a) => (long)a;
    [Stencil] public static int DoubleToInt(double a) => (int)a;
    [Stencil] public static ulong DoubleToULong(double a) => (ulong)a;
    [Stencil] public static double LongToDouble(long a) => a;
    [Stencil] public static double ULongToDouble(ulong a) => a;
    [Stencil] public static float AddFloat(float a, float b) => a + b;
    [Stencil] public static float MulFloat(float a, float b) => a * b;
    [Stencil] public static float DoubleToFloat(double a) => (float)a;
    [Stencil] public static double FloatToDouble(float a) => a;
    [Stencil] public static int FloatToInt(float a) => (int)a;

    // Branches to blocks (targets).
    [Stencil]
    public static Target JumpIfLess(long a, long b, Target less)
    {
        if (a < b) return less;
        return Target.Next;
    }

    [Stencil]
    public static Target Div(long a, long b, Target divideByZero, Target overflow, out long quotient)
    {
        quotient = 0;
        if (b == 0) return divideByZero;
        if (b == -1 && a == long.MinValue) return overflow;
        quotient = a / b;
        return Target.Next;
    }

    [Stencil]
    public static Target JumpIfNaN(double a, Target nan)
    {
        if (double.IsNaN(a)) return nan;
        return Target.Next;
    }
}
