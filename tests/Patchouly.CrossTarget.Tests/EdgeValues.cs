using System;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// A deterministic input generator (SplitMix64, so every platform and run sees the same sequence) that mixes edge
/// values of each type with random bits. Words are canonical register words: signed types sign-extended, unsigned
/// ones zero-extended, floats as their bits (a <c>float</c> zero-extended).
/// </summary>
public sealed class EdgeValues(ulong seed)
{
    private ulong _state = seed;

    private static readonly long[] s_longs =
    [
        0, 1, -1, 2, -2, 3, 7, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, -128, -129, 1000, -1000,
        short.MaxValue, short.MinValue, ushort.MaxValue, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        (long)int.MinValue - 1, uint.MaxValue, 1L << 32, 1L << 52, 1L << 53, (1L << 53) + 1, 1L << 62,
        long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1, 0x5555_5555_5555_5555, unchecked((long)0xAAAA_AAAA_AAAA_AAAA),
    ];

    private static readonly double[] s_doubles =
    [
        0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, 3.75, -7.25, 100.0, 1e-300, -1e-300, 1e300, -1e300,
        double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, double.NaN, -double.NaN,
        double.PositiveInfinity, double.NegativeInfinity, 2147483647.0, 2147483647.5, 2147483648.0, -2147483648.0,
        -2147483648.9, -2147483649.0, 4294967295.0, 4294967296.0, 9223372036854775807.0, -9223372036854775808.0,
        9223372036854774784.0, 18446744073709551615.0, 18446744073709549568.0, 3.4028234663852886e38, 3.5e38,
        1.401298464324817e-45, 0.1, 1.0 / 3.0, Math.PI, -Math.E,
    ];

    /// <summary>The next 64 random bits.</summary>
    public ulong NextBits()
    {
        ulong z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>A number in [0, n).</summary>
    public int Next(int n) => (int)(NextBits() % (ulong)n);

    /// <summary>A 64-bit integer: an edge value, a small number, or random bits.</summary>
    public long NextLong() => Next(8) switch
    {
        0 or 1 or 2 or 3 => s_longs[Next(s_longs.Length)],
        4 => Next(201) - 100,
        5 => s_longs[Next(s_longs.Length)] + Next(5) - 2,
        6 => (long)(NextBits() >> Next(64)),
        _ => (long)NextBits(),
    };

    /// <summary>A double: an edge value, a simple fraction, a value near an integer limit, or random bits.</summary>
    public double NextDouble() => Next(8) switch
    {
        0 or 1 or 2 => s_doubles[Next(s_doubles.Length)],
        3 => (Next(2001) - 1000) / 8.0,
        4 => (double)NextLong() * (Next(2) == 0 ? 1.0 : 0.999999),
        5 => BitConverter.Int64BitsToDouble(unchecked((long)NextBits()) & ~(0x7FFL << 52) | ((long)(0x3FF + Next(140) - 70) << 52)),
        _ => BitConverter.Int64BitsToDouble((long)NextBits()),
    };

    /// <summary>A float (its bits), drawn like <see cref="NextDouble"/>.</summary>
    public float NextFloat() => Next(4) == 0 ? BitConverter.Int32BitsToSingle((int)NextBits()) : (float)NextDouble();

    /// <summary>A canonical register word for a value of <paramref name="type"/>.</summary>
    public ulong NextWord(Type type)
    {
        if (type == typeof(double)) return BitConverter.DoubleToUInt64Bits(NextDouble());
        if (type == typeof(float)) return BitConverter.SingleToUInt32Bits(NextFloat());
        long v = NextLong();
        return Canonical(type, unchecked((ulong)v));
    }

    /// <summary>The register word that carries the low bits of <paramref name="word"/> as a <paramref name="type"/>.</summary>
    public static ulong Canonical(Type type, ulong word) => type switch
    {
        _ when type == typeof(long) || type == typeof(ulong) || type == typeof(double) => word,
        _ when type == typeof(int) => unchecked((ulong)(long)(int)word),
        _ when type == typeof(uint) || type == typeof(float) => (uint)word,
        _ when type == typeof(short) => unchecked((ulong)(long)(short)word),
        _ when type == typeof(ushort) => (ushort)word,
        _ when type == typeof(sbyte) => unchecked((ulong)(long)(sbyte)word),
        _ when type == typeof(byte) => (byte)word,
        _ => throw new NotSupportedException(type.Name),
    };

    /// <summary>The hole word (zero-extended bits for types of 32 bits or less) of a value of <paramref name="type"/>.</summary>
    public static ulong HoleWord(Type type, ulong canonical) => type switch
    {
        _ when type == typeof(int) || type == typeof(uint) || type == typeof(float) => (uint)canonical,
        _ when type == typeof(short) || type == typeof(ushort) => (ushort)canonical,
        _ when type == typeof(sbyte) || type == typeof(byte) => (byte)canonical,
        _ => canonical,
    };

    /// <summary>The boxed C# value of <paramref name="type"/> a canonical word stands for.</summary>
    public static object Box(Type type, ulong word) => type switch
    {
        _ when type == typeof(long) => (object)unchecked((long)word),
        _ when type == typeof(ulong) => (object)word,
        _ when type == typeof(int) => (object)unchecked((int)word),
        _ when type == typeof(uint) => (object)unchecked((uint)word),
        _ when type == typeof(short) => (object)unchecked((short)word),
        _ when type == typeof(ushort) => (object)unchecked((ushort)word),
        _ when type == typeof(sbyte) => (object)unchecked((sbyte)word),
        _ when type == typeof(byte) => (object)unchecked((byte)word),
        _ when type == typeof(double) => (object)BitConverter.UInt64BitsToDouble(word),
        _ when type == typeof(float) => (object)BitConverter.UInt32BitsToSingle((uint)word),
        _ => throw new NotSupportedException(type.Name),
    };

    /// <summary>The canonical word of a boxed C# value.</summary>
    public static ulong Unbox(object value) => value switch
    {
        long v => unchecked((ulong)v),
        ulong v => v,
        int v => unchecked((ulong)(long)v),
        uint v => v,
        short v => unchecked((ulong)(long)v),
        ushort v => v,
        sbyte v => unchecked((ulong)(long)v),
        byte v => v,
        double v => BitConverter.DoubleToUInt64Bits(v),
        float v => BitConverter.SingleToUInt32Bits(v),
        _ => throw new NotSupportedException(value.GetType().Name),
    };
}
