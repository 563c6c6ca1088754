using System;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Translation;

/// <summary>C spellings of C# constants, each with its exact C type.</summary>
internal static class CLiterals
{
    /// <summary>The C literal for constant <paramref name="value"/> of C# type <paramref name="type"/>, or null when the type has no C literal.</summary>
    public static string? For(ITypeSymbol type, object? value)
    {
        if (type is IPointerTypeSymbol or IFunctionPointerTypeSymbol)
            return value is null && CTypes.Map(type) is { } c ? "((" + c + ")0)" : null;
        if (value is null) return null;

        var u = CTypes.Underlying(type);
        switch (u.SpecialType)
        {
            case SpecialType.System_Boolean:
                return (bool)value ? "((_Bool)1)" : "((_Bool)0)";
            case SpecialType.System_Char:
                return "((uint16_t)" + ((int)Convert.ToChar(value, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture) + ")";
            case SpecialType.System_SByte:
                return "((int8_t)" + I(ToInt64(value)) + ")";
            case SpecialType.System_Int16:
                return "((int16_t)" + I(ToInt64(value)) + ")";
            case SpecialType.System_Byte:
                return "((uint8_t)" + I(ToInt64(value)) + ")";
            case SpecialType.System_UInt16:
                return "((uint16_t)" + I(ToInt64(value)) + ")";
            case SpecialType.System_Int32:
                return Int32(ToInt64(value));
            case SpecialType.System_UInt32:
                return I(ToInt64(value)) + "u";
            case SpecialType.System_Int64:
                return Int64(ToInt64(value));
            case SpecialType.System_UInt64:
                return "UINT64_C(" + ToUInt64(value).ToString(CultureInfo.InvariantCulture) + ")";
            case SpecialType.System_IntPtr:
                return "((intptr_t)" + Int64(ToInt64(value)) + ")";
            case SpecialType.System_UIntPtr:
                return "((uintptr_t)UINT64_C(" + ToUInt64(value).ToString(CultureInfo.InvariantCulture) + "))";
            case SpecialType.System_Single:
                return Floating(Convert.ToSingle(value, CultureInfo.InvariantCulture), isFloat: true);
            case SpecialType.System_Double:
                return Floating(Convert.ToDouble(value, CultureInfo.InvariantCulture), isFloat: false);
            default:
                return null;
        }
    }

    /// <summary>An int32_t literal (C's <c>int</c>, 32 bits on every supported target).</summary>
    public static string Int32(long n) =>
        n == int.MinValue ? "(-2147483647 - 1)" : n < 0 ? "(" + I(n) + ")" : I(n);

    public static string Int64(long n) =>
        n == long.MinValue ? "(-INT64_C(9223372036854775807) - 1)"
        : n < 0 ? "(-INT64_C(" + I(-n) + "))"
        : "INT64_C(" + I(n) + ")";

    private static string I(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A boxed integral constant (including IntPtr/UIntPtr and enums' underlying values) as a long, bits preserved.</summary>
    public static long ToInt64(object value) => value switch
    {
        IntPtr p => p.ToInt64(),
        UIntPtr p => unchecked((long)p.ToUInt64()),
        ulong ul => unchecked((long)ul),
        char c => c,
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    public static ulong ToUInt64(object value) => value switch
    {
        IntPtr p => unchecked((ulong)p.ToInt64()),
        UIntPtr p => p.ToUInt64(),
        long l => unchecked((ulong)l),
        int i => unchecked((ulong)i),
        sbyte sb => unchecked((ulong)sb),
        short sh => unchecked((ulong)sh),
        char c => c,
        _ => Convert.ToUInt64(value, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A float or double constant, exact: built from its bits by the prelude's <c>pr_f64</c>/<c>pr_f32</c> (with the
    /// readable value in a comment). A literal would land in a .rodata constant pool, which stencils cannot refer to;
    /// even +0.0, which clang could materialise with xorps: knowing an operand is zero lets clang rewrite x * 0.0 into a
    /// sign-mask operation with a mask from a pool.
    /// </summary>
    public static string Floating(double d, bool isFloat)
    {
        string readable = double.IsNaN(d) ? "NaN" : d.ToString("R", CultureInfo.InvariantCulture);
        return isFloat
            ? $"pr_f32(0x{BitConverter.ToInt32(BitConverter.GetBytes((float)d), 0):X8}U /* {readable}f */)"
            : $"pr_f64(0x{BitConverter.DoubleToInt64Bits(d):X16}ULL /* {readable} */)";
    }
}
