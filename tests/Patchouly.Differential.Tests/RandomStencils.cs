using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Patchouly.Differential.Tests;

/// <summary>
/// Generates a stencil library of random expression stencils over every type the translator supports (all integer
/// widths, <c>nint</c>/<c>nuint</c>, <c>char</c>, <c>bool</c>, <c>float</c>, <c>double</c>): arithmetic, bitwise and
/// shift operators, comparisons, conversions (including float to integer saturation), conditionals, intrinsics,
/// compound assignments, increments, small loops and helper calls, with inputs, holes, <c>out</c> parameters and
/// targets. Integer division goes through helpers that never divide by zero or MinValue by -1, so no case throws
/// (Math.Abs(MinValue) and the like may: those cases are skipped).
/// </summary>
internal sealed class RandomStencils
{
    private static readonly string[] s_integers = { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint", "char" };
    private static readonly string[] s_floats = { "float", "double" };
    private static readonly string[] s_numeric = s_integers.Concat(s_floats).ToArray();
    private static readonly string[] s_all = s_numeric.Append("bool").ToArray();
    private static readonly HashSet<string> s_signed = new() { "sbyte", "short", "int", "long", "nint" };
    private static readonly HashSet<string> s_minMax = new() { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint", "float", "double" };
    private static readonly HashSet<string> s_genericMath = new() { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint" };

    private readonly Random _random;
    private readonly List<(string Name, string Type)> _scope = new();
    private int _locals;
    private int _loopDepth;
    private bool _memory;

    public RandomStencils(int seed) => _random = new Random(seed);

    private int R(int n) => _random.Next(n);

    private T Pick<T>(IReadOnlyList<T> items) => items[R(items.Count)];

    private bool Chance(int percent) => R(100) < percent;

    /// <summary>The C# source of a library of <paramref name="count"/> random stencils.</summary>
    public string Library(int count, int registers = 2, IReadOnlyCollection<string>? exclude = null)
    {
        var sb = new StringBuilder();
        sb.Append("using System;\nusing System.Numerics;\nusing System.Runtime.CompilerServices;\nusing Patchouly;\n\nnamespace Random;\n\n");
        sb.Append("[StencilLibrary(Registers = ").Append(registers).Append(")]\npublic static unsafe partial class RandomStencils\n{\n");
        sb.Append(Helpers());
        for (int i = 0; i < count; i++)
        {
            string name = "R" + i.ToString("D3", CultureInfo.InvariantCulture);
            string stencil = Stencil(name); // generated even when excluded, so that the others stay the same
            if (exclude is null || !exclude.Contains(name)) sb.Append(stencil);
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Helpers()
    {
        var sb = new StringBuilder("    // Division helpers: never divide by zero, nor MinValue by -1 (which throws in C#).\n");
        foreach (string t in s_integers)
        {
            string guard = t switch
            {
                "int" => " || (b == -1 && a == int.MinValue)",
                "long" => " || (b == -1 && a == long.MinValue)",
                "nint" => " || (b == -1 && a == nint.MinValue)",
                _ => "",
            };
            sb.Append($"    static {t} Div({t} a, {t} b) => b == 0{guard} ? a : ({t})(a / b);\n");
            sb.Append($"    static {t} Rem({t} a, {t} b) => b == 0{guard} ? a : ({t})(a % b);\n");
        }
        sb.Append("    // NaN payloads and signs are unspecified (which operand's NaN an operation returns is up to the compiler): NaNs are\n");
        sb.Append("    // made canonical before their bits are looked at.\n");
        sb.Append("    static double N(double x) => double.IsNaN(x) ? double.NaN : x;\n    static float N(float x) => float.IsNaN(x) ? float.NaN : x;\n");
        sb.Append("    static double Mix(double a, long b) { double r = a; for (int i = 0; i < (int)(b & 3); i++) r = r * 0.5 + i; return r; }\n\n");
        return sb.ToString();
    }

    private string Stencil(string name)
    {
        _scope.Clear();
        _locals = 0;
        int inputs = R(4), holes = R(3);
        bool targets = Chance(15);
        int outs = Chance(25) ? 1 : 0;
        string returnType = targets ? "Target" : Chance(10) && outs > 0 ? "void" : Pick(s_all);
        int outputs = outs + (returnType is "void" or "Target" ? 0 : 1);
        // Keep variants down: (Registers + 1)^(inputs + outputs), at most 4 values.
        while (inputs + outputs > (Chance(5) ? 4 : 3)) inputs--;
        if (inputs < 0) { inputs = 0; outs = 0; }

        var parameters = new List<string>();
        // Some stencils also read and write memory through a byte pointer (at any alignment).
        _memory = inputs > 0 && Chance(20);
        if (_memory)
        {
            parameters.Add("byte* m");
            inputs--;
        }
        for (int i = 0; i < inputs; i++)
        {
            string t = Pick(s_all);
            parameters.Add(t + " a" + i);
            _scope.Add(("a" + i, t));
        }
        for (int h = 0; h < holes; h++)
        {
            string t = Pick(s_all);
            parameters.Add("[Hole] " + t + " h" + h);
            _scope.Add(("h" + h, t));
        }
        int targetCount = targets ? 1 + R(2) : 0;
        for (int t = 0; t < targetCount; t++) parameters.Add("Target t" + t);
        string outType = Pick(s_all);
        if (outs > 0) parameters.Add("out " + outType + " o0");

        var body = new StringBuilder();
        int statements = R(4);
        for (int s = 0; s < statements; s++) Statement(body, "        ", 2);
        if (_memory)
        {
            string t = Pick(s_numeric);
            string value = t is "float" or "double" ? "N(" + Expr(t, 3) + ")" : Expr(t, 3);
            body.Append("        *(").Append(t).Append("*)(m + ").Append(R(64)).Append(") = ").Append(value).Append(";\n");
        }
        if (outs > 0) body.Append("        o0 = ").Append(Expr(outType, 3)).Append(";\n");
        if (targets)
        {
            body.Append("        if (").Append(Expr("bool", 3)).Append(") return t0;\n");
            if (targetCount > 1) body.Append("        if (").Append(Expr("bool", 2)).Append(") return t1;\n");
            body.Append("        return Target.Next;\n");
        }
        else if (returnType != "void")
        {
            body.Append("        return ").Append(Expr(returnType, 4)).Append(";\n");
        }
        return $"    [Stencil] public static {returnType} {name}({string.Join(", ", parameters)})\n    {{\n        unchecked\n        {{\n{body.ToString().Replace("\n        ", "\n            ").Insert(0, "    ")}        }}\n    }}\n";
    }

    private void Statement(StringBuilder body, string indent, int depth)
    {
        int kind = R(10);
        var locals = _scope.Where(v => v.Name.StartsWith('l')).ToList();
        if (kind < 4 || locals.Count == 0)
        {
            string t = Pick(s_all);
            string name = "l" + _locals++;
            body.Append(indent).Append(t).Append(' ').Append(name).Append(" = ").Append(Expr(t, 3)).Append(";\n");
            _scope.Add((name, t));
            return;
        }
        var (local, type) = Pick(locals);
        switch (kind)
        {
            case 4:
            case 5:
            {
                string op = CompoundOperator(type);
                string operand = op is "<<=" or ">>=" or ">>>=" ? Expr("int", 2) : Expr(type, 2);
                body.Append(indent).Append(local).Append(' ').Append(op).Append(' ').Append(operand).Append(";\n");
                break;
            }
            case 6 when type != "bool":
                body.Append(indent).Append(Pick(new[] { local + "++", local + "--", "++" + local, "--" + local })).Append(";\n");
                break;
            case 7 when depth > 0:
            {
                body.Append(indent).Append("if (").Append(Expr("bool", 2)).Append(")\n").Append(indent).Append("{\n");
                int before = _scope.Count;
                Statement(body, indent + "    ", depth - 1);
                _scope.RemoveRange(before, _scope.Count - before);
                body.Append(indent).Append("}\n");
                if (Chance(50))
                {
                    body.Append(indent).Append("else\n").Append(indent).Append("{\n");
                    Statement(body, indent + "    ", depth - 1);
                    _scope.RemoveRange(before, _scope.Count - before);
                    body.Append(indent).Append("}\n");
                }
                break;
            }
            case 8 when depth > 0 && _loopDepth == 0 && type != "bool":
            {
                string i = "i" + _locals++;
                body.Append(indent).Append("for (int ").Append(i).Append(" = 0; ").Append(i).Append(" < ").Append(1 + R(5)).Append("; ").Append(i).Append("++)\n")
                    .Append(indent).Append("{\n");
                int before = _scope.Count;
                _scope.Add((i, "int"));
                _loopDepth++;
                string op = CompoundOperator(type);
                string operand = op is "<<=" or ">>=" or ">>>=" ? Expr("int", 1) : Expr(type, 2);
                body.Append(indent).Append("    ").Append(local).Append(' ').Append(op).Append(' ').Append(operand).Append(";\n");
                if (Chance(30)) body.Append(indent).Append("    if (").Append(Expr("bool", 1)).Append(") break;\n");
                _loopDepth--;
                _scope.RemoveRange(before, _scope.Count - before);
                body.Append(indent).Append("}\n");
                break;
            }
            default:
                body.Append(indent).Append(local).Append(" = ").Append(Expr(type, 3)).Append(";\n");
                break;
        }
    }

    private string CompoundOperator(string type)
    {
        if (type == "bool") return Pick(new[] { "&=", "|=", "^=" });
        if (type is "float" or "double") return Pick(new[] { "+=", "-=", "*=", "/=" });
        return Pick(new[] { "+=", "-=", "*=", "&=", "|=", "^=", "<<=", ">>=", ">>>=" });
    }

    // ------------------------------------------------------------------ expressions

    private string Expr(string type, int depth)
    {
        if (depth <= 0 || Chance(20)) return Leaf(type);
        return type switch
        {
            "bool" => BoolExpr(depth),
            "float" or "double" => FloatExpr(type, depth),
            _ => IntegerExpr(type, depth),
        };
    }

    private string Leaf(string type)
    {
        if (_memory && type != "bool" && Chance(15)) return "(*(" + type + "*)(m + " + R(64) + "))";
        var same = _scope.Where(v => v.Type == type).ToList();
        if (same.Count > 0 && Chance(70)) return Pick(same).Name;
        var numeric = _scope.Where(v => v.Type != "bool").ToList();
        if (type != "bool" && numeric.Count > 0 && Chance(50)) return "(" + type + ")" + Pick(numeric).Name;
        return Literal(type);
    }

    private string Literal(string type)
    {
        switch (type)
        {
            case "bool":
                return Chance(50) ? "true" : "false";
            case "float":
            case "double":
            {
                double d = Values.RandomDouble(_random);
                if (type == "float") d = (float)d;
                string suffix = type == "float" ? "f" : "";
                if (double.IsNaN(d)) return type + ".NaN";
                if (double.IsPositiveInfinity(d)) return type + ".PositiveInfinity";
                if (double.IsNegativeInfinity(d)) return type + ".NegativeInfinity";
                if (d == 0 && double.IsNegative(d)) return "(-0.0" + suffix + ")";
                string text = type == "float" ? ((float)d).ToString("R", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
                if (!text.Contains('E') && !text.Contains('.')) text += ".0";
                return "(" + text + suffix + ")";
            }
            default:
            {
                ulong v = Values.RandomInteger(s_widths[type].Bits, s_widths[type].Signed, _random);
                return "((" + type + ")0x" + v.ToString("X", CultureInfo.InvariantCulture) + "UL)";
            }
        }
    }

    private static readonly Dictionary<string, (int Bits, bool Signed)> s_widths = new()
    {
        ["sbyte"] = (8, true), ["byte"] = (8, false), ["short"] = (16, true), ["ushort"] = (16, false), ["char"] = (16, false),
        ["int"] = (32, true), ["uint"] = (32, false), ["long"] = (64, true), ["ulong"] = (64, false), ["nint"] = (64, true), ["nuint"] = (64, false),
    };

    private string IntegerExpr(string type, int depth)
    {
        int d = depth - 1;
        switch (R(13))
        {
            case 0:
            case 1:
            {
                string op = Pick(new[] { "+", "-", "*", "&", "|", "^" });
                return "((" + type + ")(" + Expr(type, d) + " " + op + " " + Expr(type, d) + "))";
            }
            case 2:
                return (Chance(50) ? "Div(" : "Rem(") + Expr(type, d) + ", " + Expr(type, d) + ")";
            case 3:
            {
                string op = Pick(new[] { "<<", ">>", ">>>" });
                return "((" + type + ")(" + Expr(type, d) + " " + op + " " + Expr("int", d) + "))";
            }
            case 4:
                if (type is "ulong" or "nuint") return "((" + type + ")(~" + Expr(type, d) + "))";
                return "((" + type + ")(" + Pick(new[] { "-", "~" }) + Expr(type, d) + "))";
            case 5:
                return "(" + Expr("bool", d) + " ? " + Expr(type, d) + " : " + Expr(type, d) + ")";
            case 6:
            case 7:
                return "((" + type + ")" + Expr(Pick(s_numeric), d) + ")";
            case 8 when s_minMax.Contains(type):
                return "Math." + Pick(new[] { "Min", "Max" }) + "(" + Expr(type, d) + ", " + Expr(type, d) + ")";
            case 9 when s_signed.Contains(type):
                return Chance(50) ? "Math.Abs(" + Expr(type, d) + ")" : "((" + type + ")Math.Sign(" + Expr(Pick(new[] { type, "double", "float" }), d) + "))";
            case 10 when s_genericMath.Contains(type):
            {
                string f = Pick(new[] { "PopCount", "LeadingZeroCount", "TrailingZeroCount", "Log2", "RotateLeft", "RotateRight" });
                return f.StartsWith("Rotate", StringComparison.Ordinal)
                    ? type + "." + f + "(" + Expr(type, d) + ", " + Expr("int", d) + ")"
                    : type + "." + f + "(" + Expr(type, d) + ")";
            }
            case 11:
            {
                string u = Pick(new[] { "uint", "ulong", "nuint" });
                string f = Pick(new[] { "PopCount", "LeadingZeroCount", "TrailingZeroCount", "Log2", "RotateLeft" });
                string call = f == "RotateLeft" ? "BitOperations.RotateLeft(" + Expr(u, d) + ", " + Expr("int", d) + ")" : "BitOperations." + f + "(" + Expr(u, d) + ")";
                return "((" + type + ")" + call + ")";
            }
            case 12:
            {
                string call = Pick(new[]
                {
                    "BitConverter.DoubleToInt64Bits(N(" + Expr("double", d) + "))",
                    "BitConverter.SingleToInt32Bits(N(" + Expr("float", d) + "))",
                    "BitConverter.DoubleToUInt64Bits(N(" + Expr("double", d) + "))",
                    "Unsafe.BitCast<float, uint>(N(" + Expr("float", d) + "))",
                    "((long)Mix(" + Expr("double", d) + ", " + Expr("long", d) + "))",
                });
                return "((" + type + ")" + call + ")";
            }
            default:
                return Leaf(type);
        }
    }

    private string FloatExpr(string type, int depth)
    {
        int d = depth - 1;
        string math = type == "float" ? "MathF" : "Math";
        switch (R(10))
        {
            case 0:
            case 1:
                return "((" + type + ")(" + Expr(type, d) + " " + Pick(new[] { "+", "-", "*", "/" }) + " " + Expr(type, d) + "))";
            case 2:
                return "(-" + Expr(type, d) + ")";
            case 3:
                return "(" + Expr("bool", d) + " ? " + Expr(type, d) + " : " + Expr(type, d) + ")";
            case 4:
            case 5:
                return "((" + type + ")" + Expr(Pick(s_numeric), d) + ")";
            case 6:
                return math + "." + Pick(new[] { "Sqrt", "Floor", "Ceiling", "Truncate", "Round", "Abs" }) + "(" + Expr(type, d) + ")";
            case 7:
                return Chance(50)
                    ? math + "." + Pick(new[] { "Min", "Max" }) + "(" + Expr(type, d) + ", " + Expr(type, d) + ")"
                    : Chance(30) ? math + ".CopySign(" + Expr(type, d) + ", N(" + Expr(type, d) + "))"
                    : math + ".Round(" + Expr(type, d) + ", MidpointRounding." + Pick(new[] { "ToEven", "AwayFromZero", "ToZero", "ToNegativeInfinity", "ToPositiveInfinity" }) + ")";
            case 8:
                return type == "double"
                    ? Pick(new[] { "BitConverter.Int64BitsToDouble(" + Expr("long", d) + ")", "Mix(" + Expr("double", d) + ", " + Expr("long", d) + ")" })
                    : "BitConverter.Int32BitsToSingle(" + Expr("int", d) + ")";
            default:
                return Leaf(type);
        }
    }

    private string BoolExpr(int depth)
    {
        int d = depth - 1;
        switch (R(8))
        {
            case 0:
            case 1:
            case 2:
            {
                string t = Pick(s_numeric);
                return "(" + Expr(t, d) + " " + Pick(new[] { "<", "<=", ">", ">=", "==", "!=" }) + " " + Expr(t, d) + ")";
            }
            case 3:
                return "(!" + Expr("bool", d) + ")";
            case 4:
                return "(" + Expr("bool", d) + " " + Pick(new[] { "&&", "||", "^", "&", "|", "==", "!=" }) + " " + Expr("bool", d) + ")";
            case 5:
            {
                string t = Pick(s_floats);
                string f = Pick(new[] { "IsNaN", "IsInfinity", "IsFinite", "IsNegative", "IsPositiveInfinity", "IsNegativeInfinity" });
                return t + "." + f + (f == "IsNegative" ? "(N(" + Expr(t, d) + "))" : "(" + Expr(t, d) + ")");
            }
            case 6:
            {
                string t = Pick(s_genericMath.ToArray());
                return t + ".IsPow2(" + Expr(t, d) + ")";
            }
            default:
                return Leaf("bool");
        }
    }
}

