using System;
using System.Collections.Generic;
using System.Globalization;

namespace Patchouly.Generators.Translation;

/// <summary>
/// The C helpers (prefix <c>pr_</c>) behind the intrinsics (<c>Math</c>, <c>MathF</c>, <c>BitOperations</c>, the static
/// methods of the primitive types) and behind the float operations whose plain C form would make clang use a constant
/// pool (negation, <c>ulong</c> to floating point). Every helper is exactly the .NET method's result, NaN payloads
/// aside, and compiles to instructions only: no libm call, no <c>.rodata</c> constant (masks and constants are built in
/// integer registers, hidden from clang by an empty <c>asm</c>).
/// </summary>
/// <remarks>
/// Names are <c>pr_{operation}_{type}</c> with the type suffix <c>i8 u8 i16 u16 i32 u32 i64 u64 f32 f64</c>.
/// Operations: <c>neg abs copysign min max clamp sign sqrt floor ceil trunc round roundaway isnan isinf isposinf
/// isneginf isfinite isneg popcnt lzcnt tzcnt log2 rotl rotr ispow2</c>, and <c>pr_tof64_u64</c>/<c>pr_tof32_u64</c>
/// (<c>ulong</c> to <c>double</c>/<c>float</c>).
/// </remarks>
internal static class CIntrinsics
{
    private const string Inline = "static inline __attribute__((always_inline)) ";

    public const string Comment =
        "/* Intrinsics (Math, MathF, BitOperations, the primitive types' static methods) with .NET's exact results, and float\n" +
        "   operations whose plain C would need a constant pool. Built from integer instructions where clang would otherwise\n" +
        "   call libm or load a constant from .rodata, which stencils cannot do. Where .NET throws, they trap. */\n";

    /// <summary>The C type of a suffix.</summary>
    public static string CType(string suffix) => suffix switch
    {
        "i8" => "int8_t",
        "u8" => "uint8_t",
        "i16" => "int16_t",
        "u16" => "uint16_t",
        "i32" => "int32_t",
        "u32" => "uint32_t",
        "i64" => "int64_t",
        "u64" => "uint64_t",
        "f32" => "float",
        "f64" => "double",
        _ => throw new ArgumentException(suffix),
    };

    /// <summary>The suffix of a C type (<c>intptr_t</c> is <c>i64</c>), or null.</summary>
    public static string? Suffix(string cType) => cType switch
    {
        "int8_t" => "i8",
        "uint8_t" => "u8",
        "int16_t" => "i16",
        "uint16_t" => "u16",
        "int32_t" => "i32",
        "uint32_t" => "u32",
        "int64_t" or "intptr_t" => "i64",
        "uint64_t" or "uintptr_t" => "u64",
        "float" => "f32",
        "double" => "f64",
        _ => null,
    };

    private static (string Operation, string Suffix) Split(string name)
    {
        int last = name.LastIndexOf('_');
        return (name.Substring(3, last - 3), name.Substring(last + 1));
    }

    private static int Width(string suffix) => int.Parse(suffix.Substring(1), CultureInfo.InvariantCulture);

    private static string U(string suffix) => "u" + suffix.Substring(1);

    /// <summary>Other intrinsic helpers that <paramref name="name"/>'s definition calls.</summary>
    public static IEnumerable<string> Dependencies(string name)
    {
        var (op, suffix) = Split(name);
        switch (op)
        {
            case "neg" or "abs" when suffix[0] == 'f':
            case "copysign":
                yield return suffix == "f64" ? "pr_hide_u64" : "pr_hide_u32";
                break;
            case "min" or "max" when suffix[0] == 'f':
                yield return "pr_isneg_" + suffix;
                break;
            case "isinf" or "isposinf" or "isneginf" or "isfinite" or "isneg" or "roundm":
                yield return suffix == "f64" ? "pr_hide_u64" : "pr_hide_u32";
                break;
            case "floor" or "ceil" or "trunc" or "round" or "roundaway":
                yield return suffix == "f64" ? "pr_roundm_f64" : "pr_" + op + "_f64";
                break;
            case "log2" when suffix[0] == 'i':
                yield return "pr_log2_" + U(suffix);
                break;
        }
    }

    /// <summary>Runtime helpers (<see cref="CRuntime"/>) that <paramref name="name"/>'s definition calls.</summary>
    public static IEnumerable<string> RuntimeDependencies(string name)
    {
        _ = name;
        yield break;
    }

    /// <summary>The C definition of helper <paramref name="name"/>.</summary>
    public static string Definition(string name)
    {
        if (name == "pr_hide_u64") return Inline + "uint64_t pr_hide_u64(uint64_t b) { __asm__(\"\" : \"+r\"(b)); return b; }\n";
        if (name == "pr_hide_u32") return Inline + "uint32_t pr_hide_u32(uint32_t b) { __asm__(\"\" : \"+r\"(b)); return b; }\n";
        var (op, s) = Split(name);
        string t = CType(s);
        bool isFloat = s[0] == 'f';
        bool signed = s[0] == 'i';
        string bits = s == "f64" ? "uint64_t" : "uint32_t";
        string hide = s == "f64" ? "pr_hide_u64" : "pr_hide_u32";
        string sign = s == "f64" ? "0x8000000000000000ULL" : "0x80000000U";
        string magnitude = s == "f64" ? "0x7FFFFFFFFFFFFFFFULL" : "0x7FFFFFFFU";
        string exponent = s == "f64" ? "0x7FF0000000000000ULL" : "0x7F800000U";
        // The bits are hidden from clang once extracted: it would turn tests of them back into floating-point comparisons
        // with constants (x == +inf, |x| >= 2^52) loaded from .rodata.
        string Bits(string x) => hide + "(__builtin_bit_cast(" + bits + ", " + x + "))";
        string FromBits(string x) => "__builtin_bit_cast(" + t + ", " + x + ")";
        string F(string signature, string body) => Inline + signature + "\n{\n" + body + "}\n";

        switch (op)
        {
            case "neg" when isFloat:
                return F($"{t} {name}({t} x)", $"    return {FromBits(Bits("x") + " ^ " + hide + "(" + sign + ")")};\n");
            case "abs" when isFloat:
                return F($"{t} {name}({t} x)", $"    return {FromBits(Bits("x") + " & " + hide + "(" + magnitude + ")")};\n");
            case "copysign":
                return F($"{t} {name}({t} x, {t} y)",
                    $"    {bits} m = {hide}({sign});\n    return {FromBits("(" + Bits("x") + " & ~m) | (" + Bits("y") + " & m)")};\n");
            case "abs":
            {
                string min = s switch { "i8" => "INT8_MIN", "i16" => "INT16_MIN", "i32" => "INT32_MIN", _ => "INT64_MIN" };
                return F($"{t} {name}({t} x)", $"    if (x == {min}) __builtin_trap(); /* Math.Abs(MinValue) throws OverflowException */\n    return ({t})(x < 0 ? -x : x);\n");
            }
            case "min" when isFloat:
                return F($"{t} {name}({t} a, {t} b)",
                    "    /* IEEE 754-2019 minimum, as .NET: NaN propagates, -0 < +0 */\n" +
                    "    if (a != b) return a == a ? (a < b ? a : b) : a;\n" +
                    $"    return pr_isneg_{s}(a) ? a : b;\n");
            case "max" when isFloat:
                return F($"{t} {name}({t} a, {t} b)",
                    "    /* IEEE 754-2019 maximum, as .NET: NaN propagates, -0 < +0 */\n" +
                    "    if (a != b) return a == a ? (b < a ? a : b) : a;\n" +
                    $"    return pr_isneg_{s}(b) ? a : b;\n");
            case "min":
                return F($"{t} {name}({t} a, {t} b)", "    return a <= b ? a : b;\n");
            case "max":
                return F($"{t} {name}({t} a, {t} b)", "    return a >= b ? a : b;\n");
            case "clamp":
                return F($"{t} {name}({t} value, {t} min, {t} max)",
                    "    if (min > max) __builtin_trap(); /* Math.Clamp throws ArgumentException */\n" +
                    "    if (value < min) return min;\n    if (value > max) return max;\n    return value;\n");
            case "sign":
                return F($"int32_t {name}({t} x)",
                    (isFloat ? "    if (x != x) __builtin_trap(); /* Math.Sign(NaN) throws ArithmeticException */\n" : "")
                    + "    return (x > 0) - (x < 0);\n");
            case "sqrt":
                return F($"{t} {name}({t} x)", "    return __builtin_elementwise_sqrt(x); /* sqrtsd/sqrtss, without errno handling */\n");
            case "roundm":
                return F("double pr_roundm_f64(double x, int mode)",
                    "    /* mode 0: to even (Math.Round), 1: away from zero, 2: toward zero, 3: down, 4: up */\n" +
                    "    uint64_t b = pr_hide_u64(__builtin_bit_cast(uint64_t, x)); /* hidden: see pr_hide_u64 */\n" +
                    "    uint64_t s = b & 0x8000000000000000ULL;\n" +
                    "    int e = (int)((b >> 52) & 0x7FF);\n" +
                    "    if (e == 0x7FF) return x + x; /* infinite, or NaN: quieted as roundsd does */\n" +
                    "    if (e >= 1075) return x; /* |x| >= 2^52: already an integer */\n" +
                    "    uint64_t ip, frac, half;\n" +
                    "    if (e < 1022) { ip = 0; frac = (b << 1) != 0; half = 2; } /* |x| < 0.5 */\n" +
                    "    else\n    {\n" +
                    "        int sh = 1075 - e; /* 1..53 fraction bits */\n" +
                    "        uint64_t m = (b & 0x000FFFFFFFFFFFFFULL) | 0x0010000000000000ULL;\n" +
                    "        ip = m >> sh;\n        frac = m & ((UINT64_C(1) << sh) - 1);\n        half = UINT64_C(1) << (sh - 1);\n" +
                    "    }\n" +
                    "    int up;\n" +
                    "    switch (mode)\n    {\n" +
                    "    case 0: up = frac > half || (frac == half && (ip & 1) != 0); break;\n" +
                    "    case 1: up = frac >= half; break;\n" +
                    "    case 3: up = s != 0 && frac != 0; break;\n" +
                    "    case 4: up = s == 0 && frac != 0; break;\n" +
                    "    default: up = 0; break;\n" +
                    "    }\n" +
                    "    double r = (double)(int64_t)(ip + (uint64_t)up); /* at most 2^53: exact */\n" +
                    "    return __builtin_bit_cast(double, __builtin_bit_cast(uint64_t, r) | s);\n");
            case "round" or "roundaway" or "trunc" or "floor" or "ceil":
            {
                int mode = op switch { "round" => 0, "roundaway" => 1, "trunc" => 2, "floor" => 3, _ => 4 };
                return s == "f64"
                    ? F($"double {name}(double x)", $"    return pr_roundm_f64(x, {mode});\n")
                    : F($"float {name}(float x)", $"    return (float)pr_{op}_f64((double)x); /* exact: the result is an integer no wider than x */\n");
            }
            case "isnan":
                return F($"_Bool {name}({t} x)", "    return x != x;\n");
            case "isinf":
                return F($"_Bool {name}({t} x)", $"    return ({Bits("x")} & {magnitude}) == {exponent};\n");
            case "isposinf":
                return F($"_Bool {name}({t} x)", $"    return {Bits("x")} == {exponent};\n");
            case "isneginf":
                return F($"_Bool {name}({t} x)", $"    return {Bits("x")} == ({exponent} | {sign});\n");
            case "isfinite":
                return F($"_Bool {name}({t} x)", $"    return ({Bits("x")} & {exponent}) != {exponent};\n");
            case "isneg":
                return F($"_Bool {name}({t} x)", $"    return ({Bits("x")} & {sign}) != 0;\n");
            case "popcnt":
                return F($"int32_t {name}({t} x)", s == "u64" ? "    return __builtin_popcountll(x);\n" : "    return __builtin_popcount(x);\n");
            case "lzcnt":
            {
                int w = Width(s);
                return F($"int32_t {name}({t} x)", w == 64
                    ? "    return x == 0 ? 64 : __builtin_clzll(x);\n"
                    : $"    return x == 0 ? {w} : __builtin_clz((uint32_t)x) - {32 - w};\n");
            }
            case "tzcnt":
            {
                int w = Width(s);
                return F($"int32_t {name}({t} x)", $"    return x == 0 ? {w} : {(w == 64 ? "__builtin_ctzll(x)" : "__builtin_ctz(x)")};\n");
            }
            case "log2" when signed:
                return F($"int32_t {name}({t} x)",
                    "    if (x < 0) __builtin_trap(); /* Log2 of a negative number throws ArgumentOutOfRangeException */\n" +
                    $"    return pr_log2_{U(s)}(({CType(U(s))})x);\n");
            case "log2":
                return F($"int32_t {name}({t} x)", Width(s) == 64 ? "    return 63 - __builtin_clzll(x | 1);\n" : "    return 31 - __builtin_clz((uint32_t)x | 1);\n");
            case "rotl" or "rotr":
            {
                int w = Width(s);
                string wide = w == 64 ? "uint64_t" : "uint32_t";
                string first = op == "rotl" ? "<<" : ">>", second = op == "rotl" ? ">>" : "<<";
                return F($"{t} {name}({t} x, int32_t n)",
                    $"    {wide} v = x;\n    int32_t k = n & {w - 1};\n" +
                    $"    return ({t})((v {first} k) | (v {second} (({w} - k) & {w - 1})));\n");
            }
            case "ispow2":
                return F($"_Bool {name}({t} x)", signed ? "    return x > 0 && (x & (x - 1)) == 0;\n" : "    return x != 0 && (x & (x - 1)) == 0;\n");
            case "tof64" or "tof32":
            {
                string r = op == "tof64" ? "double" : "float";
                return F($"{r} {name}(uint64_t x)",
                    "    /* Without the constant pool clang's own unsigned conversion uses: halve (keeping the lost bit sticky), convert, double. */\n" +
                    $"    if ((int64_t)x >= 0) return ({r})pr_opaque_i64((int64_t)x);\n" +
                    $"    {r} d = ({r})pr_opaque_i64((int64_t)((x >> 1) | (x & 1)));\n    return d + d;\n");
            }
            default:
                throw new KeyNotFoundException(name);
        }
    }
}
