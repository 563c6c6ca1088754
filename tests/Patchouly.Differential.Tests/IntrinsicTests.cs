using System;
using System.Collections.Generic;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>Every intrinsic, natively and as managed code, on edge values (NaN, ±∞, -0.0, subnormals, MinValue...).</summary>
public class IntrinsicTests : DifferentialLibrary
{
    public IntrinsicTests(ITestOutputHelper output) : base(output) { }

    internal const string Source = """
        using System;
        using System.Numerics;
        using System.Runtime.CompilerServices;
        using Patchouly;

        namespace Lang;

        [StencilLibrary(Registers = 2)]
        public static unsafe partial class Intrinsics
        {
            [Stencil] public static int AbsI(int a) => Math.Abs(a);
            [Stencil] public static long AbsL(long a, [Hole] sbyte b) => Math.Abs(a) + Math.Abs(b) + sbyte.Abs(b) + short.Abs((short)a);
            [Stencil] public static nint AbsN(nint a) => Math.Abs(a) + nint.Abs(a >> 1);
            [Stencil] public static double AbsD(double a) => Math.Abs(a);
            [Stencil] public static float AbsF(float a) => MathF.Abs(a) + Math.Abs(-a);
            [Stencil] public static long MinMaxI(int a, long b) => Math.Min(a, (int)b) * 3L + Math.Max(a, b) + int.Max(a, 5) + long.Min(b, -7);
            [Stencil] public static ulong MinMaxU(uint a, ulong b) => Math.Min(a, (uint)b) + Math.Max((ulong)a, b) + (ulong)Math.Max((byte)a, (byte)b) + (ulong)Math.Min((ushort)a, (ushort)b) + nuint.Max((nuint)a, 3);
            [Stencil] public static int MinMaxSmall(sbyte a, short b) => Math.Min(a, (sbyte)b) + Math.Max((short)a, b) * 1000;
            [Stencil] public static double MinD(double a, double b) => Math.Min(a, b);
            [Stencil] public static double MaxD(double a, double b) => Math.Max(a, b);
            [Stencil] public static float MinMaxF(float a, float b) => MathF.Min(a, b) * 2 + MathF.Max(b, a) + float.Max(a, 1f);
            [Stencil] public static long Clamp(long a, [Hole] int lo) => Math.Clamp(a, lo, lo + 100L) + Math.Clamp((int)a, -5, 5) + (long)Math.Clamp((uint)a, 3u, 9u);
            [Stencil] public static double ClampD(double a, double lo) => Math.Clamp(a, lo, lo + 1.0) + MathF.Min(MathF.Max((float)a, -1f), 1f);
            [Stencil] public static int Signs(long a, double b) => Math.Sign(a) * 10 + Math.Sign((int)a) * 100 + Math.Sign((sbyte)a) * 1000 + Math.Sign(b) + Math.Sign((float)b) * 3 + nint.Sign((nint)a) * 7;
            [Stencil] public static double Sqrt(double a) => Math.Sqrt(a);
            [Stencil] public static float SqrtF(float a) => MathF.Sqrt(a) + (float)double.Sqrt(a);
            [Stencil] public static double Floor(double a) => Math.Floor(a);
            [Stencil] public static double Ceiling(double a) => Math.Ceiling(a);
            [Stencil] public static double Truncate(double a) => Math.Truncate(a);
            [Stencil] public static double Round(double a) => Math.Round(a);
            [Stencil] public static double RoundModes(double a) => Math.Round(a, MidpointRounding.AwayFromZero) * 3 + Math.Round(a, MidpointRounding.ToEven) + Math.Round(a, MidpointRounding.ToZero) * 5 + Math.Round(a, MidpointRounding.ToNegativeInfinity) * 7 + Math.Round(a, MidpointRounding.ToPositiveInfinity) * 11;
            [Stencil] public static float RoundingF(float a) => MathF.Floor(a) + MathF.Ceiling(a) * 3 + MathF.Truncate(a) * 5 + MathF.Round(a) * 7 + MathF.Round(a, MidpointRounding.AwayFromZero) * 11;
            [Stencil] public static double RoundingD(double a) => double.Floor(a) + double.Ceiling(a) * 3 + double.Truncate(a) * 5 + double.Round(a) * 7;
            [Stencil] public static double CopySign(double a, double b) => Math.CopySign(a, b) + MathF.CopySign((float)b, (float)a);
            [Stencil] public static int Classify(double a, float b) =>
                (double.IsNaN(a) ? 1 : 0) | (double.IsInfinity(a) ? 2 : 0) | (double.IsFinite(a) ? 4 : 0) | (double.IsNegative(a) ? 8 : 0)
                | (double.IsPositiveInfinity(a) ? 16 : 0) | (double.IsNegativeInfinity(a) ? 32 : 0) | (float.IsNaN(b) ? 64 : 0) | (float.IsInfinity(b) ? 128 : 0)
                | (float.IsFinite(b) ? 256 : 0) | (float.IsNegative(b) ? 512 : 0) | (float.IsPositiveInfinity(b) ? 1024 : 0) | (float.IsNegativeInfinity(b) ? 2048 : 0);
            [Stencil] public static int PopCounts(ulong a) => BitOperations.PopCount(a) + BitOperations.PopCount((uint)a) * 100 + (int)ulong.PopCount(a >> 3) * 10000 + byte.PopCount((byte)a) * 1000000 + (int)nuint.PopCount((nuint)a);
            [Stencil] public static long LeadingZeros(ulong a) => BitOperations.LeadingZeroCount(a) + BitOperations.LeadingZeroCount((uint)a) * 100L + (long)long.LeadingZeroCount((long)a >> 7) * 10000 + ushort.LeadingZeroCount((ushort)a) * 1000000L + sbyte.LeadingZeroCount((sbyte)a) * 100000000L;
            [Stencil] public static long TrailingZeros(long a) => BitOperations.TrailingZeroCount(a) + BitOperations.TrailingZeroCount((int)a) * 100L + (long)ulong.TrailingZeroCount((ulong)a << 5) * 10000 + short.TrailingZeroCount((short)a) * 1000000L + (long)nint.TrailingZeroCount((nint)a);
            [Stencil] public static long Log2s(ulong a) => BitOperations.Log2(a) + BitOperations.Log2((uint)a) * 100L + (long)uint.Log2((uint)(a >> 2)) * 10000 + byte.Log2((byte)a) * 1000000L + (long)nuint.Log2((nuint)a) * 100000000L;
            [Stencil] public static long SignedLog2(long a) => long.Log2(a) + int.Log2((int)a & int.MaxValue) * 100;
            [Stencil] public static ulong Rotates(ulong a, int n) => BitOperations.RotateLeft(a, n) ^ BitOperations.RotateRight(a, n * 3) ^ BitOperations.RotateLeft((uint)a, n) ^ (ulong)(uint)int.RotateRight((int)a, n) ^ (ulong)byte.RotateLeft((byte)a, n) ^ (ulong)(ushort)short.RotateRight((short)a, n) ^ (ulong)nuint.RotateLeft((nuint)a, n);
            [Stencil] public static int Pow2(long a) => (BitOperations.IsPow2(a) ? 1 : 0) + (BitOperations.IsPow2((uint)a) ? 2 : 0) + (int.IsPow2((int)a) ? 4 : 0) + (ulong.IsPow2((ulong)a) ? 8 : 0) + (sbyte.IsPow2((sbyte)a) ? 16 : 0);
            [Stencil] public static long Bits(double a, float b) => BitConverter.DoubleToInt64Bits(a) ^ (long)BitConverter.DoubleToUInt64Bits(-a) ^ BitConverter.SingleToInt32Bits(b) ^ BitConverter.SingleToUInt32Bits(b * 2);
            [Stencil] public static double FromBits(long a, int b) => BitConverter.Int64BitsToDouble(a) + BitConverter.UInt64BitsToDouble((ulong)a >> 1) + BitConverter.Int32BitsToSingle(b) + BitConverter.UInt32BitsToSingle((uint)b >> 1);
            [Stencil] public static long NativeLimits(nint a) => (a == nint.MaxValue ? 1 : 0) + (a == nint.MinValue ? 2 : 0) + (long)(nuint.MaxValue >> 60) + nint.Size + (long)nuint.MinValue;
        }
        """;

    private static readonly Lazy<Harness> s_harness = new(() => Harness.Create([Source]));

    public static IEnumerable<object[]> Stencils => StencilNames(Source);

    [Theory]
    [MemberData(nameof(Stencils))]
    public void Agrees_with_managed_code(string stencil) => Check(s_harness.Value, stencil, functions: 12, inputs: 20);
}
