using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Intrinsics: calls to a documented set of BCL methods that are translated to C builtins or to prelude helpers with
/// the same results (<see cref="CIntrinsics"/>). See <c>docs/authoring.md</c> for the list.
/// </summary>
internal sealed partial class FunctionTranslator
{
    private const string UnsafeType = "System.Runtime.CompilerServices.Unsafe";

    /// <summary>Math methods that need the C math library (transcendental functions and the like).</summary>
    private static readonly HashSet<string> s_libmMethods = new()
    {
        "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atan2", "Atanh", "Cbrt", "Cos", "Cosh", "Exp", "IEEERemainder", "ILogB",
        "Log", "Log10", "Log2", "Pow", "ScaleB", "Sin", "SinCos", "Sinh", "Tan", "Tanh", "FusedMultiplyAdd", "BitDecrement",
        "BitIncrement", "ReciprocalEstimate", "ReciprocalSqrtEstimate", "MaxMagnitude", "MinMagnitude",
    };

    private static bool IsPrimitiveNumber(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_SByte or SpecialType.System_Byte
        or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
        or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_IntPtr or SpecialType.System_UIntPtr
        or SpecialType.System_Single or SpecialType.System_Double;

    /// <summary>
    /// Translates <paramref name="invocation"/> when it calls an intrinsic (or a BCL method stencils cannot call, which
    /// is reported here with a precise message). Returns false for every other call.
    /// </summary>
    private bool TryIntrinsic(IInvocationOperation invocation, out CExpr? result)
    {
        result = null;
        var method = invocation.TargetMethod;
        var containing = method.ContainingType;
        if (containing is null || !method.IsStatic) return false;
        string type = containing.ToDisplayString();
        var location = invocation.Syntax.GetLocation();
        string display = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

        if (type == UnsafeType)
        {
            result = UnsafeIntrinsic(invocation, display, location);
            return true;
        }
        if (type == "System.BitConverter")
        {
            result = BitConverterIntrinsic(invocation, display, location);
            return true;
        }
        bool math = type is "System.Math" or "System.MathF";
        bool bits = type == "System.Numerics.BitOperations";
        bool primitive = IsPrimitiveNumber(containing);
        if (!math && !bits && !primitive) return false;

        var parameters = method.Parameters;
        if (parameters.Any(p => p.RefKind != RefKind.None) || method.ReturnsVoid)
        {
            result = NotAvailable(location, display, "");
            return true;
        }
        if (s_libmMethods.Contains(method.Name) && parameters.Any(p => CTypes.IsFloatingPoint(p.Type)))
        {
            result = NotAvailable(location, display, " (it needs the C math library, which stencils cannot call)");
            return true;
        }

        string? op = method.Name switch
        {
            "Abs" => "abs",
            "Min" => "min",
            "Max" => "max",
            "Clamp" => "clamp",
            "Sign" => "sign",
            "Sqrt" => "sqrt",
            "Floor" => "floor",
            "Ceiling" => "ceil",
            "Truncate" => "trunc",
            "Round" => "round",
            "CopySign" => "copysign",
            "IsNaN" => "isnan",
            "IsInfinity" => "isinf",
            "IsPositiveInfinity" => "isposinf",
            "IsNegativeInfinity" => "isneginf",
            "IsFinite" => "isfinite",
            "IsNegative" => "isneg",
            "PopCount" => "popcnt",
            "LeadingZeroCount" => "lzcnt",
            "TrailingZeroCount" => "tzcnt",
            "Log2" => "log2",
            "RotateLeft" => "rotl",
            "RotateRight" => "rotr",
            "IsPow2" => "ispow2",
            _ => null,
        };
        if (op is null || parameters.Length == 0 || !IsPrimitiveNumber(parameters[0].Type))
        {
            result = NotAvailable(location, display, "");
            return true;
        }

        var valueType = parameters[0].Type;
        bool isFloat = CTypes.IsFloatingPoint(valueType);
        bool signed = CTypes.IsSignedInteger(valueType);
        string suffix = CIntrinsics.Suffix(CTypes.Map(valueType)!)!;
        int valueArguments = 1;
        string? extraArgument = null;
        bool hasMode = false;
        switch (op)
        {
            case "min" or "max" or "copysign":
                valueArguments = 2;
                break;
            case "clamp":
                valueArguments = 3;
                break;
            case "rotl" or "rotr":
                extraArgument = "int32_t";
                break;
            case "round" when parameters.Length == 2:
                // Math.Round(x, MidpointRounding mode) with a constant mode.
                if (parameters[1].Type is INamedTypeSymbol { TypeKind: TypeKind.Enum, Name: "MidpointRounding" }
                    && invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 1)?.Value.ConstantValue is { HasValue: true, Value: { } mode })
                {
                    op = CLiterals.ToInt64(mode) switch { 0 => "round", 1 => "roundaway", 2 => "trunc", 3 => "floor", 4 => "ceil", _ => null };
                }
                else op = null;
                if (op is null)
                {
                    result = NotAvailable(location, display,
                        " (rounding to a number of digits needs the C math library; Round(x) and Round(x, mode) with a constant MidpointRounding are available)");
                    return true;
                }
                hasMode = true;
                break;
        }
        int expected = valueArguments + (extraArgument is null ? 0 : 1) + (hasMode ? 1 : 0);
        bool floatOnly = op is "sqrt" or "floor" or "ceil" or "trunc" or "round" or "roundaway" or "copysign"
            or "isnan" or "isinf" or "isposinf" or "isneginf" or "isfinite";
        bool integerOnly = op is "popcnt" or "lzcnt" or "tzcnt" or "log2" or "rotl" or "rotr" or "ispow2";
        if (parameters.Length != expected
            || (floatOnly && !isFloat) || (integerOnly && isFloat) || (op == "isneg" && !isFloat)
            || parameters.Take(valueArguments).Any(p => !SymbolEqualityComparer.Default.Equals(p.Type, valueType)))
        {
            result = NotAvailable(location, display, "");
            return true;
        }

        // Unsigned Abs is the identity (uint.Abs, nuint.Abs...).
        if (op == "abs" && !isFloat && !signed)
        {
            result = Expr(invocation.Arguments[0].Value);
            return true;
        }

        // The helper's operand type: bit operations work on the unsigned bits; Log2 of a signed type checks the sign.
        string helperSuffix = integerOnly && signed && op != "log2" && op != "ispow2" ? "u" + suffix.Substring(1) : suffix;
        string helper = "pr_" + op + "_" + helperSuffix;
        string helperType = CIntrinsics.CType(helperSuffix);
        string helperReturn = op switch
        {
            "sign" or "popcnt" or "lzcnt" or "tzcnt" or "log2" => "int32_t",
            "isnan" or "isinf" or "isposinf" or "isneginf" or "isfinite" or "isneg" or "ispow2" => "_Bool",
            _ => helperType,
        };

        var arguments = OrderedArguments(invocation);
        if (arguments is null) return true;
        var argumentTypes = Enumerable.Repeat(helperType, valueArguments).Concat(extraArgument is null ? Enumerable.Empty<string>() : new[] { extraArgument }).ToList();
        arguments = arguments.Take(argumentTypes.Count).ToList();
        _owner.UseIntrinsic(helper);
        string? resultType = CTypes.Map(method.ReturnType);
        if (resultType is null)
        {
            result = TypeError(method.ReturnType, location, "");
            return true;
        }
        result = HelperCall(helper, arguments, argumentTypes, helperReturn, resultType);
        return true;
    }

    /// <summary>The argument values in parameter order (C# evaluates them in the order written).</summary>
    private List<CExpr>? OrderedArguments(IInvocationOperation invocation)
    {
        var values = new CExpr[invocation.Arguments.Length];
        var written = new List<(int Ordinal, CExpr Value)>();
        foreach (var argument in invocation.Arguments)
        {
            var value = Argument(argument);
            if (value is null) return null;
            written.Add((argument.Parameter?.Ordinal ?? written.Count, value));
        }
        foreach (var (ordinal, value) in written) values[ordinal] = value;
        return values.ToList();
    }

    /// <summary>A call of a pure prelude helper: arguments converted to its parameter types, the result to <paramref name="resultType"/>.</summary>
    private CExpr HelperCall(string helper, IReadOnlyList<CExpr> arguments, IReadOnlyList<string> parameterTypes, string helperReturn, string resultType)
    {
        string text = Sequence(arguments, t =>
        {
            var converted = t.Select((x, i) => arguments[i].CType == parameterTypes[i] ? Unparenthesized(x) : "(" + parameterTypes[i] + ")" + x);
            return helper + "(" + string.Join(", ", converted) + ")";
        });
        if (helperReturn != resultType) text = "((" + resultType + ")" + text + ")";
        return Derived(text, resultType, arguments.ToArray());
    }

    private CExpr? NotAvailable(Location location, string display, string why) =>
        Fail(DiagnosticDescriptors.IntrinsicNotSupported, location, display, why);

    // ------------------------------------------------------------------ BitConverter

    /// <summary><c>BitConverter.DoubleToInt64Bits</c> and the other same-size bit casts.</summary>
    private CExpr? BitConverterIntrinsic(IInvocationOperation invocation, string display, Location location)
    {
        var method = invocation.TargetMethod;
        if (method.Parameters.Length != 1 || method.ReturnsVoid || !method.Name.Contains("Bits")
            || !IsPrimitiveNumber(method.Parameters[0].Type) || !IsPrimitiveNumber(method.ReturnType)
            || ByteSize(method.Parameters[0].Type) != ByteSize(method.ReturnType))
            return NotAvailable(location, display, "");
        var value = Expr(invocation.Arguments[0].Value);
        if (value is null) return null;
        string target = CTypes.Map(method.ReturnType)!;
        return Derived(BitCast(target, CTypes.Map(method.Parameters[0].Type)!, value.Text), target, value);
    }

    /// <summary>
    /// <c>__builtin_bit_cast(to, value)</c>; an integer becoming a float or double goes through <c>pr_f64</c>/<c>pr_f32</c>,
    /// which hide the bits from clang (a known bit pattern would become a constant in <c>.rodata</c>). A float or double
    /// becoming an integer is hidden too (<c>pr_hide_u64</c>/<c>pr_hide_u32</c>): otherwise clang may keep the integer in
    /// the floating-point domain, and where it meets an integer constant (a branch of <c>?:</c>, a variable assigned on
    /// two paths) turn that constant into a double loaded from <c>.rodata</c>.
    /// </summary>
    private string BitCast(string to, string from, string value)
    {
        bool fromFloat = from is "float" or "double" || from.StartsWith("struct ", System.StringComparison.Ordinal);
        if (to == "double" && !fromFloat) return "pr_f64((uint64_t)" + value + ")";
        if (to == "float" && !fromFloat) return "pr_f32((uint32_t)" + value + ")";
        if (from is "float" or "double" && to is not ("float" or "double"))
            return HiddenBits(to, from == "double", "__builtin_bit_cast(" + (from == "double" ? "uint64_t" : "uint32_t") + ", " + Unparenthesized(value) + ")");
        return "__builtin_bit_cast(" + to + ", " + Unparenthesized(value) + ")";
    }

    private int? ByteSize(ITypeSymbol type)
    {
        if (CTypes.IsStruct(type)) return _owner.Layout((INamedTypeSymbol)type) is { Error: null } layout ? layout.Size : null;
        if (type is IPointerTypeSymbol or IFunctionPointerTypeSymbol) return 8;
        if (CTypes.IsBool(type)) return 1;
        if (type.SpecialType == SpecialType.System_Single) return 4;
        if (type.SpecialType == SpecialType.System_Double) return 8;
        return CTypes.BitWidth(type) is { } bits ? bits / 8 : null;
    }

    // ------------------------------------------------------------------ Unsafe

    /// <summary>True for <c>Unsafe.AsRef&lt;T&gt;(void*)</c> and <c>Unsafe.As&lt;TFrom, TTo&gt;(ref TFrom)</c>, which denote locations.</summary>
    private static bool IsLValueIntrinsic(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (method.ContainingType?.ToDisplayString() != UnsafeType || !method.ReturnsByRef) return false;
        return (method.Name == "AsRef" && method.Parameters.Length == 1 && method.Parameters[0].Type is IPointerTypeSymbol)
            || (method.Name == "As" && method.TypeArguments.Length == 2 && method.Parameters.Length == 1 && method.Parameters[0].RefKind == RefKind.Ref);
    }

    /// <summary><c>Unsafe.AsRef&lt;T&gt;(p)</c> is <c>*(T*)p</c>; <c>Unsafe.As&lt;TFrom, TTo&gt;(ref x)</c> is <c>*(TTo*)&amp;x</c>.</summary>
    private LValue? IntrinsicLValue(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var location = invocation.Syntax.GetLocation();
        CExpr? pointer;
        if (method.Name == "AsRef")
        {
            pointer = Expr(invocation.Arguments[0].Value);
        }
        else
        {
            var source = LValueOf(invocation.Arguments[0].Value);
            pointer = source is null ? null : AddressOf(source, null);
        }
        if (pointer is null) return null;
        var target = method.Name == "AsRef" ? method.TypeArguments[0] : method.TypeArguments[1];
        if (method.Name == "As" && !(ByteSize(target) <= ByteSize(method.TypeArguments[0])))
        {
            Report(DiagnosticDescriptors.IntrinsicNotSupported, location,
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), " (the target type is larger than the source, so it would read past it)");
            return null;
        }
        var lv = Dereference(pointer, target, location);
        if (lv is not null && method.Name == "As" && CTypes.IsFloatingPoint(method.TypeArguments[0]) && !CTypes.IsFloatingPoint(target)) lv.HideStores = true;
        return lv;
    }

    private CExpr? UnsafeIntrinsic(IInvocationOperation invocation, string display, Location location)
    {
        var method = invocation.TargetMethod;
        var parameters = method.Parameters;
        var typeArguments = method.TypeArguments;
        if (IsLValueIntrinsic(invocation)) return IntrinsicLValue(invocation)?.Read();

        switch (method.Name)
        {
            case "SizeOf" when parameters.Length == 0 && typeArguments.Length == 1:
            {
                string? c = CTypes.Map(typeArguments[0]);
                if (c is null || c == "void") return TypeError(typeArguments[0], location, "");
                return new CExpr("((int32_t)sizeof(" + c + "))", "int32_t", invariant: true);
            }
            case "Read" or "ReadUnaligned" when parameters.Length == 1 && parameters[0].Type is IPointerTypeSymbol:
            {
                var pointer = Expr(invocation.Arguments[0].Value);
                if (pointer is null) return null;
                return Dereference(pointer, typeArguments[0], location)?.Read();
            }
            case "Write" or "WriteUnaligned" when parameters.Length == 2 && parameters[0].Type is IPointerTypeSymbol:
            {
                var arguments = OrderedArguments(invocation);
                if (arguments is null) return null;
                var lv = Dereference(arguments[0], typeArguments[0], location);
                if (lv is null) return null;
                var store = Store(lv, arguments[1]);
                return new CExpr("((void)" + store.Text + ")", "void", stable: false, hasCalls: store.HasCalls, hasWrites: true);
            }
            case "Add" or "Subtract" when parameters.Length == 2 && parameters[0].Type is IPointerTypeSymbol:
            {
                var arguments = OrderedArguments(invocation);
                if (arguments is null) return null;
                string? c = CTypes.Map(typeArguments[0]);
                if (c is null || c == "void") return TypeError(typeArguments[0], location, "");
                string op = method.Name == "Add" ? " + " : " - ";
                // (byte*)source ± elementOffset * (nint)sizeof(T), wrapping like C#.
                string text = Sequence(arguments, t => "((void*)((uintptr_t)" + t[0] + op + "(uintptr_t)(intptr_t)" + t[1] + " * sizeof(" + c + ")))");
                return Derived(text, "void*", arguments.ToArray());
            }
            case "AsPointer" when parameters.Length == 1 && parameters[0].RefKind != RefKind.None:
            {
                var lv = LValueOf(invocation.Arguments[0].Value);
                if (lv is null) return null;
                var address = AddressOf(lv, null);
                return new CExpr("((void*)" + address.Text + ")", "void*", address.Invariant, address.Stable, address.HasCalls, address.HasWrites);
            }
            case "BitCast" when parameters.Length == 1 && typeArguments.Length == 2:
            {
                var from = typeArguments[0];
                var to = typeArguments[1];
                string? fromC = CTypes.Map(from), toC = CTypes.Map(to);
                if (fromC is null || fromC == "void") return TypeError(from, location, "");
                if (toC is null || toC == "void") return TypeError(to, location, "");
                int? fromSize = ByteSize(from), toSize = ByteSize(to);
                if (fromSize is null || fromSize != toSize)
                    return NotAvailable(location, display, " (the two types have different sizes, so it throws NotSupportedException)");
                var value = Expr(invocation.Arguments[0].Value);
                if (value is null) return null;
                string source = CTypes.IsBool(from) ? "(uint8_t)" + value.Text : value.Text;
                string text = CTypes.IsBool(to)
                    ? "(__builtin_bit_cast(uint8_t, " + Unparenthesized(source) + ") != 0)"
                    : BitCast(toC, CTypes.IsBool(from) ? "uint8_t" : fromC, source);
                return Derived(text, toC, value);
            }
            default:
                return NotAvailable(location, display, "");
        }
    }
}
