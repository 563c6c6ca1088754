using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Patchouly.Generators.Translation;

/// <summary>
/// The C text of C#'s predefined operators and conversions: wrapping arithmetic on the unsigned type of the same width,
/// masked shifts, trapping division, pointer arithmetic and comparisons on <c>uintptr_t</c>, increments, and explicit
/// casts with C#'s conversion semantics. They are members of the translator, not a static class, because they register
/// the runtime and intrinsic helpers they call (division, float-to-integer and unsigned-to-float conversions) and need
/// the compilation (<see cref="Promoted"/>).
/// </summary>
internal sealed partial class FunctionTranslator
{
    private ITypeSymbol Promoted(ITypeSymbol type)
    {
        var u = CTypes.Underlying(type);
        return CTypes.IsIntegral(u) && CTypes.BitWidth(u) < 32 ? _model.Compilation.GetSpecialType(SpecialType.System_Int32) : u;
    }

    /// <summary>The C text of a predefined C# binary operator applied to two operand texts, or null if unsupported.</summary>
    private string? BinaryText(BinaryOperatorKind kind, ITypeSymbol lt, ITypeSymbol rt, ITypeSymbol resultType, string l, string r, IOperation rightOperation)
    {
        string? Comparison() => kind switch
        {
            BinaryOperatorKind.Equals => " == ",
            BinaryOperatorKind.NotEquals => " != ",
            BinaryOperatorKind.LessThan => " < ",
            BinaryOperatorKind.LessThanOrEqual => " <= ",
            BinaryOperatorKind.GreaterThan => " > ",
            BinaryOperatorKind.GreaterThanOrEqual => " >= ",
            _ => null,
        };
        string? Bitwise() => kind switch
        {
            BinaryOperatorKind.And => " & ",
            BinaryOperatorKind.Or => " | ",
            BinaryOperatorKind.ExclusiveOr => " ^ ",
            _ => null,
        };

        bool lPointer = lt is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool rPointer = rt is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        if (lPointer || rPointer)
        {
            if (lPointer && rPointer)
            {
                // C# compares addresses as unsigned integers; C's relational operators are undefined across objects.
                if (Comparison() is { } cmp) return "((uintptr_t)" + l + cmp + "(uintptr_t)" + r + ")";
                if (kind == BinaryOperatorKind.Subtract && lt is IPointerTypeSymbol p && rt is IPointerTypeSymbol)
                {
                    // C#: ((long)((byte*)l - (byte*)r)) / sizeof(T), defined for any two pointers.
                    string difference = "(int64_t)((uintptr_t)" + l + " - (uintptr_t)" + r + ")";
                    int? size = ElementSize(p);
                    return size == 1 ? "(" + difference + ")" : "(" + difference + " / (int64_t)sizeof(" + CTypes.Map(p.PointedAtType) + "))";
                }
                return null;
            }
            if (kind == BinaryOperatorKind.Add && lt is IPointerTypeSymbol lp && CTypes.IsIntegral(rt)) return PointerOffset(lp, l, r, "+");
            if (kind == BinaryOperatorKind.Add && rt is IPointerTypeSymbol rp && CTypes.IsIntegral(lt)) return PointerOffset(rp, r, l, "+");
            if (kind == BinaryOperatorKind.Subtract && lt is IPointerTypeSymbol sp && CTypes.IsIntegral(rt)) return PointerOffset(sp, l, r, "-");
            return null;
        }

        if (CTypes.IsBool(lt) && CTypes.IsBool(rt))
        {
            string? op = Bitwise() ?? kind switch
            {
                BinaryOperatorKind.Equals => " == ",
                BinaryOperatorKind.NotEquals => " != ",
                _ => null,
            };
            return op is null ? null : "(" + l + op + r + ")";
        }

        if (CTypes.IsFloatingPoint(lt) && CTypes.IsFloatingPoint(rt))
        {
            if (Comparison() is { } cmp) return "(" + l + cmp + r + ")";
            string? op = kind switch
            {
                BinaryOperatorKind.Add => " + ",
                BinaryOperatorKind.Subtract => " - ",
                BinaryOperatorKind.Multiply => " * ",
                BinaryOperatorKind.Divide => " / ",
                _ => null,
            };
            return op is null ? null : "(" + l + op + r + ")";
        }

        if (!CTypes.IsIntegral(lt) || !CTypes.IsIntegral(rt)) return null;

        if (CTypes.IsEnum(lt) || CTypes.IsEnum(rt))
        {
            // E op E (bitwise, comparisons), E + U, U + E, E - U (result E), E - E (result U): all computed on the
            // underlying values and, for arithmetic, truncated to the underlying type as C# does.
            if (Comparison() is { } cmp) return "(" + l + cmp + r + ")";
            if (Bitwise() is { } bit) return "(" + l + bit + r + ")";
            if (kind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract)
            {
                var underlying = CTypes.Underlying(resultType);
                return Arithmetic(kind == BinaryOperatorKind.Add ? " + " : " - ", underlying, l, r);
            }
            return null;
        }

        // Shifts: the count is an int, masked as C# masks it (to 5 bits for 32-bit operands, 6 bits for 64-bit
        // ones; nint/nuint are 64-bit on every target Patchouly supports).
        if (kind is BinaryOperatorKind.LeftShift or BinaryOperatorKind.RightShift or BinaryOperatorKind.UnsignedRightShift)
        {
            string? c = CTypes.Map(lt);
            int? width = CTypes.BitWidth(lt);
            if (c is null || width is null || width < 32) return null;
            int mask = width == 64 ? 63 : 31;
            string count = rightOperation.ConstantValue is { HasValue: true, Value: { } v }
                ? (CLiterals.ToInt64(v) & mask).ToString(CultureInfo.InvariantCulture)
                : "(" + r + " & " + mask.ToString(CultureInfo.InvariantCulture) + ")";
            bool signed = CTypes.IsSignedInteger(lt);
            string u = CTypes.UnsignedOf(c);
            return kind switch
            {
                // Shifting a negative value left is undefined in C: shift the unsigned bits.
                BinaryOperatorKind.LeftShift => signed ? "((" + c + ")((" + u + ")" + l + " << " + count + "))" : "(" + l + " << " + count + ")",
                // >> on a signed type is arithmetic (clang and gcc define it so for negative values).
                BinaryOperatorKind.RightShift => "(" + l + " >> " + count + ")",
                _ => signed ? "((" + c + ")((" + u + ")" + l + " >> " + count + "))" : "(" + l + " >> " + count + ")",
            };
        }

        if (Comparison() is { } comparison) return "(" + l + comparison + r + ")";
        if (Bitwise() is { } bitwise) return "(" + l + bitwise + r + ")";

        var type = CTypes.Underlying(resultType);
        switch (kind)
        {
            case BinaryOperatorKind.Add: return Arithmetic(" + ", type, l, r);
            case BinaryOperatorKind.Subtract: return Arithmetic(" - ", type, l, r);
            case BinaryOperatorKind.Multiply: return Arithmetic(" * ", type, l, r);
            case BinaryOperatorKind.Divide:
            case BinaryOperatorKind.Remainder:
                return Division(kind == BinaryOperatorKind.Divide, type, l, r, rightOperation);
            default:
                return null;
        }
    }

    /// <summary>Wrapping + - * in <paramref name="type"/>: signed operations are done on the unsigned type of the same width;
    /// types narrower than int are computed in int and truncated.</summary>
    private static string? Arithmetic(string op, ITypeSymbol type, string l, string r)
    {
        string? c = CTypes.Map(type);
        int? width = CTypes.BitWidth(type);
        if (c is null || width is null || CTypes.IsBool(type)) return null;
        if (width < 32) return Truncate("(" + l + op + r + ")", type);
        if (!CTypes.IsSignedInteger(type)) return "(" + l + op + r + ")";
        string u = CTypes.UnsignedOf(c);
        return "((" + c + ")((" + u + ")" + l + op + "(" + u + ")" + r + "))";
    }

    private string? Division(bool divide, ITypeSymbol type, string l, string r, IOperation rightOperation)
    {
        string? c = CTypes.Map(type);
        int? width = CTypes.BitWidth(type);
        if (c is null || width is null || width < 32) return null;
        bool signed = CTypes.IsSignedInteger(type);
        // A constant divisor other than 0 and -1 cannot trap: use the C operator (it truncates toward zero like C#).
        if (rightOperation.ConstantValue is { HasValue: true, Value: { } v })
        {
            bool safe = signed ? CLiterals.ToInt64(v) is not 0 and not -1 : CLiterals.ToUInt64(v) != 0;
            if (safe) return "(" + l + (divide ? " / " : " % ") + r + ")";
        }
        string helper = "pr_" + (divide ? "div" : "rem") + "_" + (signed ? "i" : "u") + (width == 64 ? "64" : "32");
        _owner.UseRuntime(helper);
        string helperType = (signed ? "int" : "uint") + (width == 64 ? "64" : "32") + "_t";
        if (helperType == c) return helper + "(" + Unparenthesized(l) + ", " + Unparenthesized(r) + ")";
        return "((" + c + ")" + helper + "((" + helperType + ")" + l + ", (" + helperType + ")" + r + "))";
    }

    /// <summary>p ± n, as C# computes it: the address plus or minus n * sizeof(T), wrapping (no C pointer arithmetic,
    /// which is undefined outside an object and on null).</summary>
    private static string PointerOffset(IPointerTypeSymbol pointerType, string pointer, string offset, string op)
    {
        string c = CTypes.Map(pointerType)!;
        int? size = ElementSize(pointerType);
        string scaled = size == 1 ? "(uintptr_t)" + offset : "(uintptr_t)" + offset + " * sizeof(" + CTypes.Map(pointerType.PointedAtType) + ")";
        return "((" + c + ")((uintptr_t)" + pointer + " " + op + " " + scaled + "))";
    }

    private static int? ElementSize(IPointerTypeSymbol pointerType)
    {
        var element = pointerType.PointedAtType;
        if (element is IPointerTypeSymbol or IFunctionPointerTypeSymbol) return 8;
        if (CTypes.IsBool(element)) return 1;
        if (element.SpecialType == SpecialType.System_Single) return 4;
        if (element.SpecialType == SpecialType.System_Double) return 8;
        return CTypes.BitWidth(element) / 8;
    }

    /// <summary>x + 1 or x - 1 in the type of x (++ and --).</summary>
    private static string? Step(ITypeSymbol type, string x, bool increment)
    {
        string op = increment ? " + " : " - ";
        if (type is IPointerTypeSymbol pointer)
        {
            if (pointer.PointedAtType.SpecialType == SpecialType.System_Void) return null;
            return "((" + CTypes.Map(pointer) + ")((uintptr_t)" + x + op + "sizeof(" + CTypes.Map(pointer.PointedAtType) + ")))";
        }
        // 1.0 is built from its bits like every float constant (a literal would land in a constant pool).
        if (type.SpecialType == SpecialType.System_Single) return "(" + x + op + CLiterals.Floating(1.0, isFloat: true) + ")";
        if (type.SpecialType == SpecialType.System_Double) return "(" + x + op + CLiterals.Floating(1.0, isFloat: false) + ")";
        var u = CTypes.Underlying(type);
        if (!CTypes.IsIntegral(u)) return null;
        string c = CTypes.Map(u)!;
        int width = CTypes.BitWidth(u)!.Value;
        if (width < 32) return Truncate("(" + x + op + "1)", u);
        string one = width == 64 ? (c is "intptr_t" or "uintptr_t" ? "(uintptr_t)1" : "UINT64_C(1)") : "1u";
        if (!CTypes.IsSignedInteger(u)) return "(" + x + op + one + ")";
        return "((" + c + ")((" + CTypes.UnsignedOf(c) + ")" + x + op + one + "))";
    }

    /// <summary>Truncates an int-valued C expression to a type narrower than int (through the unsigned type for signed targets).</summary>
    private static string Truncate(string text, ITypeSymbol type)
    {
        var u = CTypes.Underlying(type);
        string c = CTypes.Map(u)!;
        if (CTypes.BitWidth(u) >= 32) return text;
        return CTypes.IsSignedInteger(u) ? "((" + c + ")(" + CTypes.UnsignedOf(c) + ")" + text + ")" : "((" + c + ")" + text + ")";
    }

    private static bool CanOverflow(ITypeSymbol source, ITypeSymbol target)
    {
        if (CTypes.IsFloatingPoint(target)) return false;
        if (CTypes.IsFloatingPoint(source)) return true;
        bool sourcePointer = source is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool targetPointer = target is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        if (sourcePointer && targetPointer) return false;
        if (sourcePointer || targetPointer) return true;
        if (!CTypes.IsIntegral(source) || !CTypes.IsIntegral(target)) return false;
        int ws = CTypes.BitWidth(source)!.Value, wt = CTypes.BitWidth(target)!.Value;
        bool ss = CTypes.IsSignedInteger(source), st = CTypes.IsSignedInteger(target);
        if (ss == st) return wt < ws;
        if (!ss) return wt <= ws; // unsigned to signed needs a wider target
        return true;              // signed to unsigned: negative values overflow
    }

    /// <summary>The C text converting <paramref name="x"/> from <paramref name="source"/> to <paramref name="target"/> (unchecked), or null.</summary>
    private string? ConvertText(string x, ITypeSymbol source, ITypeSymbol target)
    {
        if (s_symbols.Equals(source, target)) return x;
        string? sc = CTypes.Map(source), tc = CTypes.Map(target);
        if (sc is null || tc is null) return null;
        if (CTypes.IsTarget(source) || CTypes.IsTarget(target) || CTypes.IsBool(source) || CTypes.IsBool(target))
            return CTypes.IsTarget(source) == CTypes.IsTarget(target) && CTypes.IsBool(source) == CTypes.IsBool(target) ? x : null;

        bool sourcePointer = source is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool targetPointer = target is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool sourceInt = CTypes.IsIntegral(source), targetInt = CTypes.IsIntegral(target);
        bool sourceFloat = CTypes.IsFloatingPoint(source), targetFloat = CTypes.IsFloatingPoint(target);

        if (sourceInt && targetInt) return IntegerConversion(x, sc, CTypes.IsSignedInteger(source), CTypes.BitWidth(source)!.Value, target);
        if (sourceInt && targetFloat && !CTypes.IsSignedInteger(source) && CTypes.BitWidth(source) == 64)
        {
            // clang converts a 64-bit unsigned integer with constants from a constant pool: use the prelude's helper.
            string helper = target.SpecialType == SpecialType.System_Single ? "pr_tof32_u64" : "pr_tof64_u64";
            _owner.UseIntrinsic(helper);
            return helper + "((uint64_t)" + x + ")";
        }
        // Every integer fits in int64_t exactly (ulong was handled above), and converting the same value from a wider type
        // rounds the same way; the value is hidden from clang first (see pr_opaque_i64).
        if (sourceInt && targetFloat) return "((" + tc + ")pr_opaque_i64((int64_t)" + x + "))";
        if (sourceFloat && targetFloat) return "((" + tc + ")" + x + ")";
        if (sourceFloat && targetInt) return FloatToInteger(x, source, target);
        if (sourcePointer && targetPointer) return "((" + tc + ")" + x + ")";
        if (sourcePointer && targetInt) return IntegerConversion("((uintptr_t)" + x + ")", "uintptr_t", false, 64, target);
        // Integer to pointer: the integer is sign- or zero-extended to 64 bits according to its own type.
        if (sourceInt && targetPointer) return "((" + tc + ")(uintptr_t)" + x + ")";
        return null;
    }

    private static string IntegerConversion(string x, string sourceC, bool sourceSigned, int sourceWidth, ITypeSymbol target)
    {
        var t = CTypes.Underlying(target);
        string tc = CTypes.Map(t)!;
        int tw = CTypes.BitWidth(t)!.Value;
        if (tc == sourceC) return x;
        // Narrowing to a signed type goes through the unsigned type of the target's width (the truncation is then
        // defined by C; the final same-width conversion is the two's complement reinterpretation clang defines).
        if (CTypes.IsSignedInteger(t) && tw < sourceWidth) return "((" + tc + ")(" + CTypes.UnsignedOf(tc) + ")" + x + ")";
        // Otherwise C's conversion is C#'s: widening extends according to the source's signedness, narrowing to an
        // unsigned type truncates.
        _ = sourceSigned;
        return "((" + tc + ")" + x + ")";
    }

    /// <summary>Float to integer, saturating as .NET does (NaN to 0); types narrower than int go through int.</summary>
    private string FloatToInteger(string x, ITypeSymbol source, ITypeSymbol target)
    {
        var t = CTypes.Underlying(target);
        string tc = CTypes.Map(t)!;
        int tw = CTypes.BitWidth(t)!.Value;
        bool signed = CTypes.IsSignedInteger(t);
        string argument = source.SpecialType == SpecialType.System_Single ? "(double)" + x : Unparenthesized(x);
        string helper = tw == 64 ? (signed ? "pr_f2i64" : "pr_f2u64") : tw == 32 && !signed ? "pr_f2u32" : "pr_f2i32";
        _owner.UseRuntime(helper);
        string call = helper + "(" + argument + ")";
        if (tw >= 32) return tc is "int32_t" or "uint32_t" or "int64_t" or "uint64_t" ? call : "((" + tc + ")" + call + ")";
        return IntegerConversion(call, "int32_t", true, 32, t);
    }
}
