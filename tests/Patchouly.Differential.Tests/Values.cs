using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Patchouly.Generators.Translation;

namespace Patchouly.Differential.Tests;

/// <summary>How a value sits in a 64-bit word (the stencil wrappers' convention: signed sign-extended, others
/// zero-extended, float and double as raw bits).</summary>
internal enum WordKind
{
    Signed,
    Unsigned,
    Bool,
    Single,
    Double,
    Pointer,
    FunctionPointer,
}

/// <summary>A C# type carried in a word.</summary>
/// <param name="Symbol">The Roslyn type.</param>
/// <param name="CSharp">Its fully qualified C# spelling.</param>
/// <param name="Bits">Width in bits (1 for bool).</param>
/// <param name="Kind">How it sits in a word.</param>
internal sealed record WordType(ITypeSymbol Symbol, string CSharp, int Bits, WordKind Kind)
{
    private static readonly SymbolDisplayFormat s_format = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    public static WordType Of(ITypeSymbol type)
    {
        string cs = type.ToDisplayString(s_format);
        if (type is IPointerTypeSymbol) return new(type, cs, 64, WordKind.Pointer);
        if (type is IFunctionPointerTypeSymbol) return new(type, cs, 64, WordKind.FunctionPointer);
        var u = CTypes.Underlying(type);
        if (u.SpecialType == SpecialType.System_Boolean) return new(type, cs, 1, WordKind.Bool);
        if (u.SpecialType == SpecialType.System_Single) return new(type, cs, 32, WordKind.Single);
        if (u.SpecialType == SpecialType.System_Double) return new(type, cs, 64, WordKind.Double);
        int bits = CTypes.BitWidth(u) ?? throw new NotSupportedException("type " + cs);
        return new(type, cs, bits, CTypes.IsSignedInteger(u) ? WordKind.Signed : WordKind.Unsigned);
    }

    public bool IsEnum => Symbol.TypeKind == TypeKind.Enum;

    /// <summary>C# converting <c>ulong</c> expression <paramref name="word"/> to this type.</summary>
    public string FromWord(string word) => Kind switch
    {
        WordKind.Bool => $"({word} != 0UL)",
        WordKind.Single => $"global::System.BitConverter.UInt32BitsToSingle((uint){word})",
        WordKind.Double => $"global::System.BitConverter.UInt64BitsToDouble({word})",
        WordKind.Pointer or WordKind.FunctionPointer => $"(({CSharp})(nuint){word})",
        _ => $"(({CSharp}){word})",
    };

    /// <summary>C# converting a value of this type to its canonical word.</summary>
    public string ToWord(string value) => Kind switch
    {
        WordKind.Bool => $"({value} ? 1UL : 0UL)",
        WordKind.Single => $"(ulong)global::System.BitConverter.SingleToUInt32Bits({value})",
        WordKind.Double => $"global::System.BitConverter.DoubleToUInt64Bits({value})",
        WordKind.Pointer or WordKind.FunctionPointer => $"(ulong)(nuint){value}",
        WordKind.Signed => $"(ulong)(long)({UnderlyingCast}{value})",
        _ => $"(ulong)({UnderlyingCast}{value})",
    };

    private string UnderlyingCast => Symbol is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } u } ? "(" + u.ToDisplayString(s_format) + ")" : "";

    /// <summary>The canonical word of <paramref name="word"/>'s low <see cref="Bits"/> bits.</summary>
    public ulong Canonical(ulong word) => Kind switch
    {
        WordKind.Bool => word != 0 ? 1UL : 0UL,
        WordKind.Signed when Bits < 64 => (ulong)((long)(word << (64 - Bits)) >> (64 - Bits)),
        WordKind.Unsigned or WordKind.Single when Bits < 64 => word & ((1UL << Bits) - 1),
        _ => word,
    };

    /// <summary>The hole value of a word: its low bits, zero-extended (what the runtime expects).</summary>
    public ulong HoleBits(ulong word) => Bits >= 64 ? word : Kind == WordKind.Bool ? (word != 0 ? 1UL : 0UL) : word & ((1UL << Bits) - 1);

    /// <summary>True when two output words mean the same value (NaNs of the same type are equal whatever their bits).</summary>
    public bool Same(ulong expected, ulong actual)
    {
        if (expected == actual) return true;
        if (Kind == WordKind.Double) return double.IsNaN(BitConverter.UInt64BitsToDouble(expected)) && double.IsNaN(BitConverter.UInt64BitsToDouble(actual));
        if (Kind == WordKind.Single) return expected >> 32 == 0 && actual >> 32 == 0
            && float.IsNaN(BitConverter.UInt32BitsToSingle((uint)expected)) && float.IsNaN(BitConverter.UInt32BitsToSingle((uint)actual));
        return false;
    }

    public string Show(ulong word) => Kind switch
    {
        WordKind.Single => $"{BitConverter.UInt32BitsToSingle((uint)word):R} (0x{word:X8})",
        WordKind.Double => $"{BitConverter.UInt64BitsToDouble(word):R} (0x{word:X16})",
        WordKind.Signed => $"{(long)word} (0x{word:X})",
        _ => $"{word} (0x{word:X})",
    };
}

/// <summary>Test values: edge values of every type, and random ones.</summary>
internal static class Values
{
    private static readonly double[] s_doubles =
    {
        0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.49999999999999994, -0.49999999999999994, 4503599627370495.5,
        4503599627370496.0, 9007199254740993.0, double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity,
        double.MaxValue, double.MinValue, double.Epsilon, -double.Epsilon, 2.2250738585072014E-308, 2.2250738585072009E-308,
        2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0, 2147483647.5, 4294967295.0, 4294967296.0, 4294967295.9,
        9223372036854775807.0, 9223372036854775808.0, -9223372036854775808.0, -9223372036854777856.0, 18446744073709551615.0,
        18446744073709551616.0, 1e300, -1e300, 1e-300, 3.0e38, 3.5e38, 1.401298464324817E-45, 7e-46, 65535.0, 65536.0,
        -129.0, 255.5, -0.9999999999999999, 0.1, 123456.789,
    };

    private static readonly long[] s_integers =
    {
        0, 1, -1, 2, -2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769,
        65535, 65536, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, (long)int.MinValue - 1, uint.MaxValue, (long)uint.MaxValue + 1,
        long.MaxValue, long.MinValue, long.MinValue + 1, long.MaxValue - 1, 0x5555_5555_5555_5555, unchecked((long)0xAAAA_AAAA_AAAA_AAAA),
        0x1234_5678, -0x1234_5678_9ABC, 1L << 52, 1L << 53, (1L << 53) + 1, 1L << 62, 1000000007,
    };

    /// <summary>A random word for <paramref name="type"/>: an edge value half of the time (canonical form).</summary>
    public static ulong Random(WordType type, Random random)
    {
        switch (type.Kind)
        {
            case WordKind.Bool:
                return (ulong)random.Next(2);
            case WordKind.Double:
                return BitConverter.DoubleToUInt64Bits(RandomDouble(random));
            case WordKind.Single:
                return BitConverter.SingleToUInt32Bits(RandomSingle(random));
        }
        return RandomInteger(type.Bits, type.Kind == WordKind.Signed, random);
    }

    /// <summary>A random integer of a width (canonical: sign- or zero-extended).</summary>
    public static ulong RandomInteger(int bits, bool signed, Random random)
    {
        ulong word = random.Next(2) == 0
            ? unchecked((ulong)s_integers[random.Next(s_integers.Length)] + (ulong)(random.Next(5) == 0 ? random.Next(-2, 3) : 0))
            : random.Next(4) switch
            {
                0 => (ulong)random.NextInt64(-300, 300),
                1 => (ulong)random.NextInt64() >> random.Next(64),
                2 => unchecked((ulong)-(random.NextInt64() >> random.Next(64))),
                _ => (ulong)random.NextInt64() * 2 + (ulong)random.Next(2),
            };
        if (bits >= 64) return word;
        return signed ? (ulong)((long)(word << (64 - bits)) >> (64 - bits)) : word & ((1UL << bits) - 1);
    }

    public static double RandomDouble(Random random) => random.Next(3) switch
    {
        0 => s_doubles[random.Next(s_doubles.Length)],
        1 => (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 70)),
        _ => random.Next(4) == 0 ? BitConverter.UInt64BitsToDouble((ulong)random.NextInt64() * 2 + (ulong)random.Next(2))
            : Math.Round((random.NextDouble() - 0.5) * 1000, random.Next(3)) + (random.Next(2) == 0 ? 0.5 : 0),
    };

    public static float RandomSingle(Random random) => random.Next(5) switch
    {
        0 => BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)),
        1 => float.Epsilon * random.Next(1, 1000) * (random.Next(2) == 0 ? 1 : -1),
        _ => (float)RandomDouble(random),
    };

    /// <summary>Random values for a hole: both small ones (narrow variants) and ones that need 64 bits (wide variants).</summary>
    public static ulong RandomHole(WordType type, Random random) => type.HoleBits(Random(type, random));

    public static IEnumerable<ulong> Edges(WordType type) => type.Kind switch
    {
        WordKind.Double => Array.ConvertAll(s_doubles, BitConverter.DoubleToUInt64Bits),
        WordKind.Single => Array.ConvertAll(s_doubles, d => (ulong)BitConverter.SingleToUInt32Bits((float)d)),
        WordKind.Bool => new ulong[] { 0, 1 },
        _ => Array.ConvertAll(s_integers, i => type.Canonical(unchecked((ulong)i))),
    };
}
