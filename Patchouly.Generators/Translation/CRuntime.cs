using System.Collections.Generic;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Runtime helper functions (prefix <c>pr_</c>) that translated code calls where a C operator alone would not mean what
/// the C# operator means. The prelude defines the ones a library uses, in the order of <see cref="Order"/>.
/// </summary>
internal static class CRuntime
{
    private const string Inline = "static inline __attribute__((always_inline)) ";

    /// <summary>Comment placed before the division helpers.</summary>
    private const string DivisionComment =
        "/* Integer division and remainder. C# throws DivideByZeroException when the divisor is 0 and OverflowException for\n" +
        "   MinValue / -1 and MinValue % -1; in C those are undefined behaviour. A stencil cannot throw, so these helpers\n" +
        "   stop the program with a defined trap (__builtin_trap) in exactly the cases where C# would throw. */\n";

    private const string FloatComment =
        "/* Floating-point to integer conversions. .NET (since .NET 9, on every platform) saturates: NaN converts to 0 and\n" +
        "   out-of-range values to the nearest representable value; in C out-of-range conversions are undefined behaviour.\n" +
        "   Conversions to types narrower than int convert to int first and then truncate, as .NET does. */\n";

    /// <summary>
    /// Floating-point constants are built from their bits in an integer register (the empty asm hides the value from
    /// clang), so clang never puts them in a read-only data section, which stencils cannot refer to.
    /// </summary>
    public const string FloatConstants =
        "/* Float constants are materialised from their bits (movabs + movq) instead of a .rodata constant pool. */\n" +
        Inline + "double pr_f64(uint64_t b) { __asm__(\"\" : \"+r\"(b)); return __builtin_bit_cast(double, b); }\n" +
        Inline + "float pr_f32(uint32_t b) { __asm__(\"\" : \"+r\"(b)); return __builtin_bit_cast(float, b); }\n" +
        "/* Integers are hidden the same way before they are converted to floating point, so that clang cannot fold a conversion\n" +
        "   of a value it knows (a loop counter, a constant argument) into a floating-point constant in .rodata. */\n" +
        Inline + "int64_t pr_opaque_i64(int64_t x) { __asm__(\"\" : \"+r\"(x)); return x; }\n";

    /// <summary>Every helper name, in the order the prelude defines them.</summary>
    public static readonly IReadOnlyList<string> Order = new[]
    {
        "pr_div_i32", "pr_rem_i32", "pr_div_u32", "pr_rem_u32", "pr_div_i64", "pr_rem_i64", "pr_div_u64", "pr_rem_u64",
        "pr_f2i32", "pr_f2u32", "pr_f2i64", "pr_f2u64",
    };

    /// <summary>Comment that precedes the first helper of a group.</summary>
    public static string? GroupComment(string name) => name switch
    {
        "pr_div_i32" or "pr_rem_i32" or "pr_div_u32" or "pr_rem_u32" or "pr_div_i64" or "pr_rem_i64" or "pr_div_u64" or "pr_rem_u64" => DivisionComment,
        _ => FloatComment,
    };

    /// <summary>The C definition of helper <paramref name="name"/>.</summary>
    public static string Definition(string name) => name switch
    {
        "pr_div_i32" => Signed("div", "int32_t", "INT32_MIN", "/"),
        "pr_rem_i32" => Signed("rem", "int32_t", "INT32_MIN", "%"),
        "pr_div_i64" => Signed("div", "int64_t", "INT64_MIN", "/"),
        "pr_rem_i64" => Signed("rem", "int64_t", "INT64_MIN", "%"),
        "pr_div_u32" => Unsigned("div", "uint32_t", "/"),
        "pr_rem_u32" => Unsigned("rem", "uint32_t", "%"),
        "pr_div_u64" => Unsigned("div", "uint64_t", "/"),
        "pr_rem_u64" => Unsigned("rem", "uint64_t", "%"),
        "pr_f2i32" => Inline + "int32_t pr_f2i32(double x)\n{\n    if (x != x) return 0;\n    if (x <= pr_f64(0xC1E0000000200000ULL)) return INT32_MIN; /* -2147483649.0 */\n    if (x >= pr_f64(0x41E0000000000000ULL)) return INT32_MAX; /* 2147483648.0 */\n    return (int32_t)x;\n}\n",
        "pr_f2u32" => Inline + "uint32_t pr_f2u32(double x)\n{\n    if (!(x > pr_f64(0xBFF0000000000000ULL))) return 0; /* -1.0: NaN, or truncates below 0 */\n    if (x >= pr_f64(0x41F0000000000000ULL)) return UINT32_MAX; /* 4294967296.0 */\n    return (uint32_t)x;\n}\n",
        "pr_f2i64" => Inline + "int64_t pr_f2i64(double x)\n{\n    if (x != x) return 0;\n    if (x < pr_f64(0xC3E0000000000000ULL)) return INT64_MIN; /* -9223372036854775808.0 */\n    if (x >= pr_f64(0x43E0000000000000ULL)) return INT64_MAX; /* 9223372036854775808.0 */\n    return (int64_t)x;\n}\n",
        "pr_f2u64" => Inline + "uint64_t pr_f2u64(double x)\n{\n    if (!(x > pr_f64(0xBFF0000000000000ULL))) return 0; /* -1.0: NaN, or truncates below 0 */\n    if (x >= pr_f64(0x43F0000000000000ULL)) return UINT64_MAX; /* 18446744073709551616.0 */\n    double t = pr_f64(0x43E0000000000000ULL); /* 2^63: (uint64_t)x would use a constant pool */\n    if (x < t) return (uint64_t)(int64_t)x;\n    return (uint64_t)(int64_t)(x - t) ^ 0x8000000000000000ULL;\n}\n",
        _ => throw new KeyNotFoundException(name),
    };

    private static string Suffix(string cType) => cType switch
    {
        "int32_t" => "i32",
        "uint32_t" => "u32",
        "int64_t" => "i64",
        _ => "u64",
    };

    private static string Signed(string what, string cType, string min, string op) =>
        $"{Inline}{cType} pr_{what}_{Suffix(cType)}({cType} a, {cType} b)\n{{\n    if (b == 0 || (a == {min} && b == -1)) __builtin_trap();\n    return a {op} b;\n}}\n";

    private static string Unsigned(string what, string cType, string op) =>
        $"{Inline}{cType} pr_{what}_{Suffix(cType)}({cType} a, {cType} b)\n{{\n    if (b == 0) __builtin_trap();\n    return a {op} b;\n}}\n";
}
