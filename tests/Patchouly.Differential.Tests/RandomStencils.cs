using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Patchouly.Differential.Tests;

/// <summary>
/// Generates a stencil library of random stencils over every type the translator supports (all integer widths,
/// <c>nint</c>/<c>nuint</c>, <c>char</c>, <c>bool</c>, <c>float</c>, <c>double</c>, two user enums): arithmetic, bitwise
/// and shift operators, comparisons, conversions (including float to integer saturation), conditionals, intrinsics,
/// compound assignments, increments, helper calls; statements <c>if</c>/<c>else</c>, <c>switch</c> on integers and
/// enums, <c>for</c>/<c>while</c>/<c>do</c> loops with <c>break</c>/<c>continue</c> (bounded by a counter), small
/// <c>stackalloc</c> buffers indexed in range, <c>&amp;</c> of locals and parameters read and written through the
/// pointer; a pointer (input or hole) to a user struct <c>Cell</c> in the harness's memory, read and written through
/// <c>-&gt;</c>, indexing and struct copies; calls through function-pointer inputs and holes (<c>fl</c>, <c>fd</c>,
/// <c>fp</c>: managed [UnmanagedCallersOnly] callees, see <see cref="Callees"/>); inputs, holes, up to two <c>out</c>
/// parameters and targets. Integer division goes through helpers that never divide by zero or MinValue by -1, so no
/// case throws (Math.Abs(MinValue) and the like may: those cases are skipped).
/// </summary>
internal sealed class RandomStencils
{
    private static readonly string[] s_integers = { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint", "char" };
    private static readonly string[] s_floats = { "float", "double" };
    private static readonly string[] s_numeric = s_integers.Concat(s_floats).ToArray();
    private static readonly string[] s_all = s_numeric.Append("bool").ToArray();
    private static readonly string[] s_enums = { "Kind", "Bits" };
    /// <summary>Types that convert explicitly to any numeric type or enum.</summary>
    private static readonly string[] s_castable = s_numeric.Concat(s_enums).ToArray();
    private static readonly HashSet<string> s_signed = new() { "sbyte", "short", "int", "long", "nint" };
    private static readonly HashSet<string> s_minMax = new() { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint", "float", "double" };
    private static readonly HashSet<string> s_genericMath = new() { "sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint" };

    private static readonly Dictionary<string, string[]> s_members = new()
    {
        ["Kind"] = new[] { "A", "B", "C", "D", "E", "F" },
        ["Bits"] = new[] { "None", "X", "Y", "Z", "W" },
    };

    /// <summary>The fields of <c>Cell</c> (no bool: the harness fills memory with random bytes).</summary>
    private static readonly (string Name, string Type)[] s_cellFields =
    {
        ("A", "int"), ("B", "long"), ("C", "byte"), ("D", "short"), ("K", "Kind"), ("F", "double"), ("U", "uint"), ("G", "float"), ("H", "char"), ("S", "sbyte"),
    };

    /// <summary>The user types the stencils use (declared next to the library class).</summary>
    public const string Types = """
        public enum Kind : short { A = -2, B = 0, C = 1, D = 3, E = 7, F = 300 }
        [Flags] public enum Bits : byte { None = 0, X = 1, Y = 2, Z = 4, W = 0x80 }
        public struct Cell { public int A; public long B; public byte C; public short D; public Kind K; public double F; public uint U; public float G; public char H; public sbyte S; }

        """;

    /// <summary>The function pointers stencils may call, by parameter name: C# type and callee.</summary>
    public static readonly IReadOnlyDictionary<string, string> FunctionPointers = new Dictionary<string, string>
    {
        ["fl"] = "delegate* unmanaged<long, long, long>",
        ["fd"] = "delegate* unmanaged<double, int, double>",
        ["fp"] = "delegate* unmanaged<long*, long, void>",
    };

    private readonly Random _random;
    private readonly List<(string Name, string Type)> _scope = new();
    private int _locals;
    private int _loopDepth;
    private bool _memory;
    /// <summary>What an early return returns: "" (void), "t0" (a target), a value type, or null (no early returns: the stencil has out parameters).</summary>
    private string? _earlyReturn;

    public RandomStencils(int seed) => _random = new Random(seed);

    private int R(int n) => _random.Next(n);

    private T Pick<T>(IReadOnlyList<T> items) => items[R(items.Count)];

    private bool Chance(int percent) => R(100) < percent;

    /// <summary>The C# source of a library of <paramref name="count"/> random stencils.</summary>
    public string Library(int count, int registers = 2, IReadOnlyCollection<string>? exclude = null)
    {
        var sb = new StringBuilder();
        sb.Append("using System;\nusing System.Numerics;\nusing System.Runtime.CompilerServices;\nusing Patchouly;\n\nnamespace Random;\n\n");
        sb.Append(Types);
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
        sb.Append("    static double Mix(double a, long b) { double r = a; for (int i = 0; i < (int)(b & 3); i++) r = r * 0.5 + i; return r; }\n");
        sb.Append("    static void Twice(long* p, long v) { *p += v; *p *= 2; }\n");
        sb.Append("    static void Acc(ref long x, long v) { x = x * 3 + v; }\n");
        sb.Append("    static bool TryHalve(long x, out long half) { half = x >> 1; return (x & 1) == 0; }\n");
        sb.Append("    static int Sum3(int a, int b, int c) => a - b * 2 + c * 3;\n\n");
        return sb.ToString();
    }

    private string ValueType(int enumPercent = 12) => Chance(enumPercent) ? Pick(s_enums) : Pick(s_all);

    private static bool IsValue(string type) => !type.Contains(':') && type != "Cell*" && !FunctionPointers.ContainsKey(type);

    private bool InScope(string type) => _scope.Any(v => v.Type == type);

    private string Stencil(string name)
    {
        _scope.Clear();
        _locals = 0;
        _loopDepth = 0;
        int inputs = R(4), holes = R(3);
        bool targets = Chance(15);
        int outs = Chance(25) ? 1 + (Chance(40) ? 1 : 0) : 0;
        string returnType = targets ? "Target" : Chance(outs > 1 ? 40 : 10) && outs > 0 ? "void" : ValueType();
        int outputs = outs + (returnType is "void" or "Target" ? 0 : 1);
        // Keep variants down: (Registers + 1)^(inputs + outputs), at most 4 values.
        while (inputs + outputs > (Chance(5) ? 4 : 3)) inputs--;
        if (inputs < 0) { inputs = 0; }

        var parameters = new List<string>();
        // Some stencils also read and write memory through a byte pointer (at any alignment).
        _memory = inputs > 0 && Chance(20);
        if (_memory)
        {
            parameters.Add("byte* m");
            inputs--;
        }
        // Some read and write Cells through a pointer input or hole (into the harness's buffers).
        if (Chance(20))
        {
            if (inputs > 0 && Chance(50))
            {
                parameters.Add("Cell* c");
                inputs--;
            }
            else
            {
                parameters.Add("[Hole] Cell* c");
                holes = Math.Max(0, holes - 1);
            }
            _scope.Add(("c", "Cell*"));
        }
        // Some call through function pointers (holes, or inputs).
        foreach (var f in FunctionPointers.Keys)
        {
            if (!Chance(10)) continue;
            if (inputs > 0 && Chance(30))
            {
                parameters.Add(FunctionPointers[f] + " " + f);
                inputs--;
            }
            else parameters.Add("[Hole] " + FunctionPointers[f] + " " + f);
            _scope.Add((f, f));
        }
        for (int i = 0; i < inputs; i++)
        {
            string t = ValueType();
            parameters.Add(t + " a" + i);
            _scope.Add(("a" + i, t));
        }
        for (int h = 0; h < holes; h++)
        {
            string t = ValueType();
            parameters.Add("[Hole] " + t + " h" + h);
            _scope.Add(("h" + h, t));
        }
        int targetCount = targets ? 1 + R(2) : 0;
        _earlyReturn = outs > 0 ? null : targets ? "t" + R(targetCount) : returnType == "void" ? "" : returnType;
        for (int t = 0; t < targetCount; t++) parameters.Add("Target t" + t);
        var outTypes = Enumerable.Range(0, outs).Select(_ => ValueType()).ToArray();
        for (int o = 0; o < outs; o++) parameters.Add("out " + outTypes[o] + " o" + o);

        var body = new StringBuilder();
        int statements = R(6);
        for (int s = 0; s < statements; s++) Statement(body, "        ", 2);
        // Every function pointer a stencil has is called at least once.
        if (InScope("fl")) Declare(body, "long", "fl(" + Expr("long", 2) + ", " + Expr("long", 2) + ")");
        if (InScope("fd")) Declare(body, "double", "fd(" + Expr("double", 2) + ", " + Expr("int", 2) + ")");
        if (InScope("fp"))
        {
            string local = Declare(body, "long", Expr("long", 2));
            body.Append("        fp(&").Append(local).Append(", ").Append(Expr("long", 2)).Append(");\n");
        }
        if (_memory)
        {
            string t = Pick(s_numeric);
            string value = Canonical(t, Expr(t, 3));
            int at = R(64);
            body.Append("        ").Append(R(3) switch
            {
                0 => "*(" + t + "*)(m + " + at + ") = " + value,
                1 => "Unsafe.WriteUnaligned(m + " + at + ", " + value + ")",
                _ => "Unsafe.Write(Unsafe.Add<short>(m, " + at / 2 + "), " + value + ")",
            }).Append(";\n");
        }
        for (int o = 0; o < outs; o++)
        {
            body.Append("        o").Append(o).Append(" = ").Append(Expr(outTypes[o], 3)).Append(";\n");
            _scope.Add(("o" + o, outTypes[o]));
        }
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

    /// <summary>Declares a local at the top level of the body.</summary>
    private string Declare(StringBuilder body, string type, string value)
    {
        string name = "l" + _locals++;
        body.Append("        ").Append(type).Append(' ').Append(name).Append(" = ").Append(value).Append(";\n");
        _scope.Add((name, type));
        return name;
    }

    /// <summary>A value to store to memory the harness compares: floating point with canonical NaNs.</summary>
    private static string Canonical(string type, string value) => type is "float" or "double" ? "N(" + value + ")" : value;

    private string CellAt() => Pick(new[] { "c->", "c->", "c[1].", "c[2].", "c[-1].", "(*c).", "(c + 3)->" });

    /// <summary>A block of 1-<paramref name="count"/> statements in braces (locals declared inside leave scope after it).</summary>
    private void Block(StringBuilder body, string indent, int depth, int count, string? first = null, bool exits = false)
    {
        body.Append(indent).Append("{\n");
        int before = _scope.Count;
        if (first is not null) body.Append(indent).Append("    ").Append(first).Append('\n');
        int n = 1 + R(count);
        // In a loop body, often a conditional break or continue somewhere among the statements.
        int exit = exits && Chance(60) ? R(n + 1) : -1;
        for (int i = 0; i <= n; i++)
        {
            if (i == exit) body.Append(indent).Append("    if (").Append(Expr("bool", 2)).Append(") ").Append(Chance(50) ? "break;\n" : "continue;\n");
            if (i < n) Statement(body, indent + "    ", depth);
        }
        _scope.RemoveRange(before, _scope.Count - before);
        body.Append(indent).Append("}\n");
    }

    private void Statement(StringBuilder body, string indent, int depth)
    {
        int kind = R(25);
        var locals = _scope.Where(v => v.Name.StartsWith('l') && IsValue(v.Type)).ToList();
        if (kind < 4 || locals.Count == 0)
        {
            string t = ValueType();
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
                body.Append(indent).Append(local).Append(' ').Append(CompoundAssignment(type, 2)).Append(";\n");
                return;
            case 6 when type is not ("bool" or "Bits"):
                body.Append(indent).Append(Pick(new[] { local + "++", local + "--", "++" + local, "--" + local })).Append(";\n");
                return;
            case 7 when depth > 0:
                body.Append(indent).Append("if (").Append(Expr("bool", 2)).Append(")\n");
                Block(body, indent, depth - 1, 2);
                if (Chance(50))
                {
                    body.Append(indent).Append("else\n");
                    Block(body, indent, depth - 1, 2);
                }
                return;
            case 8 when depth > 0 && _loopDepth < 2:
                Loop(body, indent, depth);
                return;
            case 9 when depth > 0:
                Switch(body, indent, depth);
                return;
            case 10 when _loopDepth > 0:
                body.Append(indent).Append("if (").Append(Expr("bool", 2)).Append(") ").Append(Chance(50) ? "break;\n" : "continue;\n");
                return;
            case 11 when _loopDepth == 0 && _scope.Count(v => v.Type.StartsWith("buf:", StringComparison.Ordinal)) < 2:
            {
                // A small stackalloc buffer (zeroed, or initialized), indexed in range.
                string t = Chance(80) ? Pick(s_integers) : Pick(s_floats);
                int length = Pick(new[] { 2, 4, 8 });
                string name = "b" + _locals++;
                body.Append(indent).Append(t).Append("* ").Append(name).Append(" = stackalloc ").Append(t);
                if (Chance(40)) body.Append("[] { ").Append(string.Join(", ", Enumerable.Range(0, length).Select(_ => Expr(t, 1)))).Append(" };\n");
                else body.Append('[').Append(length).Append("];\n");
                _scope.Add((name, "buf:" + t + ":" + length));
                return;
            }
            case 12 when _scope.FirstOrDefault(v => v.Type.StartsWith("buf:", StringComparison.Ordinal)) is { Name: not null } buffer:
            {
                string element = Element(buffer.Name, buffer.Type);
                string t = buffer.Type.Split(':')[1];
                body.Append(indent).Append(element).Append(' ').Append(Chance(50) ? "= " + Expr(t, 2) : CompoundAssignment(t, 2)).Append(";\n");
                return;
            }
            case 13:
            {
                // The address of a local, a parameter, a buffer element or a Cell field.
                var targets = _scope.Where(v => (v.Name[0] is 'l' or 'a' || (v.Name[0] == 'h' && Chance(30))) && IsValue(v.Type) && v.Type != "bool")
                    .Select(v => (Address: "&" + v.Name, v.Type)).ToList();
                foreach (var b in _scope.Where(v => v.Type.StartsWith("buf:", StringComparison.Ordinal)))
                    targets.Add(("&" + Element(b.Name, b.Type), b.Type.Split(':')[1]));
                if (InScope("Cell*"))
                    foreach (var f in s_cellFields.Where(f => f.Type is not ("float" or "double")))
                        targets.Add(("&" + CellAt() + f.Name, f.Type));
                if (targets.Count == 0) goto default;
                var (address, t) = Pick(targets);
                string name = "p" + _locals++;
                body.Append(indent).Append(t).Append("* ").Append(name).Append(" = ").Append(address).Append(";\n");
                _scope.Add((name, "ptr:" + t));
                return;
            }
            case 14 when _scope.FirstOrDefault(v => v.Type.StartsWith("ptr:", StringComparison.Ordinal)) is { Name: not null } pointer:
            {
                string t = pointer.Type[4..];
                body.Append(indent).Append("*").Append(pointer.Name).Append(' ').Append(Chance(50) ? "= " + Expr(t, 2) : CompoundAssignment(t, 2)).Append(";\n");
                return;
            }
            case 15 when InScope("Cell*"):
            case 16 when InScope("Cell*"):
            {
                var (field, t) = Pick(s_cellFields);
                string at = CellAt() + field;
                if (t is "float" or "double") body.Append(indent).Append(at).Append(" = N(").Append(Expr(t, 2)).Append(");\n");
                else if (Chance(20) && t != "Kind") body.Append(indent).Append(at).Append(Chance(50) ? "++" : "--").Append(";\n");
                else body.Append(indent).Append(at).Append(' ').Append(Chance(50) ? "= " + Expr(t, 2) : CompoundAssignment(t, 2)).Append(";\n");
                return;
            }
            case 17 when InScope("Cell*"):
            {
                // A struct copy through a local.
                string name = "s" + _locals++;
                var (field, t) = Pick(s_cellFields);
                body.Append(indent).Append("Cell ").Append(name).Append(" = ").Append(Chance(70) ? Pick(new[] { "*c", "c[1]", "c[2]", "c[-1]", "c[3]", "*(c + 1)" }) : "default").Append(";\n");
                body.Append(indent).Append(name).Append('.').Append(field).Append(" = ").Append(Canonical(t, Expr(t, 2))).Append(";\n");
                body.Append(indent).Append(Pick(new[] { "c[1]", "*c", "c[2]", "c[-1]" })).Append(" = ").Append(name).Append(";\n");
                return;
            }
            case 18 when InScope("fp"):
            {
                // A call through a function pointer that writes through its pointer argument.
                var longs = _scope.Where(v => v.Type == "long" && v.Name[0] is 'l' or 'a').Select(v => "&" + v.Name).ToList();
                if (InScope("Cell*")) longs.Add("&" + CellAt() + "B");
                if (longs.Count == 0) goto default;
                body.Append(indent).Append("fp(").Append(Pick(longs)).Append(", ").Append(Expr("long", 2)).Append(");\n");
                return;
            }
            case 20:
            {
                // A helper with a ref parameter: a local, a parameter, a buffer element, a Cell field or through a pointer.
                var longs = _scope.Where(v => v.Type == "long" && v.Name[0] is 'l' or 'a').Select(v => v.Name)
                    .Concat(_scope.Where(v => v.Type == "ptr:long").Select(v => "*" + v.Name))
                    .Concat(_scope.Where(v => v.Type.StartsWith("buf:long:", StringComparison.Ordinal)).Select(v => Element(v.Name, v.Type))).ToList();
                if (InScope("Cell*")) longs.Add(CellAt() + "B");
                if (longs.Count == 0) goto default;
                body.Append(indent).Append("Acc(ref ").Append(Pick(longs)).Append(", ").Append(Expr("long", 2)).Append(");\n");
                return;
            }
            case 21 when depth < 2 && _earlyReturn is not null:
            {
                // An early return from inside a block, loop or switch.
                string value = _earlyReturn == "" ? "" : _earlyReturn.StartsWith('t') && _earlyReturn.Length == 2 ? " " + _earlyReturn : " " + Expr(_earlyReturn, 2);
                body.Append(indent).Append("if (").Append(Expr("bool", 2)).Append(") return").Append(value).Append(";\n");
                return;
            }
            case 22 when s_sizes.ContainsKey(type):
            {
                // A write through Unsafe.As<TFrom, TTo>(ref local).
                var narrower = s_sizes.Where(s => s.Value <= s_sizes[type]).Select(s => s.Key).ToList();
                string to = Pick(narrower);
                body.Append(indent).Append("Unsafe.As<").Append(type).Append(", ").Append(to).Append(">(ref ").Append(local).Append(") = ").Append(Expr(to, 2)).Append(";\n");
                return;
            }
            case 19:
            {
                // A helper that writes through a pointer to a local.
                var longs = _scope.Where(v => v.Type == "long" && v.Name[0] is 'l').ToList();
                if (longs.Count == 0) goto default;
                body.Append(indent).Append("Twice(&").Append(Pick(longs).Name).Append(", ").Append(Expr("long", 2)).Append(");\n");
                return;
            }
            default:
                body.Append(indent).Append(local).Append(" = ").Append(Expr(type, 3)).Append(";\n");
                return;
        }
    }

    /// <summary>An element of a stackalloc buffer, at an index in range.</summary>
    private string Element(string name, string bufferType)
    {
        int length = int.Parse(bufferType.Split(':')[2], CultureInfo.InvariantCulture);
        return Chance(30) ? name + "[" + R(length) + "]" : name + "[" + Expr("int", 1) + " & " + (length - 1) + "]";
    }

    /// <summary>A compound assignment operator and operand for a variable of <paramref name="type"/>.</summary>
    private string CompoundAssignment(string type, int depth)
    {
        if (type == "Kind") return Pick(new[] { "+=", "-=" }) + " " + Expr("short", depth);
        if (type == "Bits") return Pick(new[] { "|=", "&=", "^=" }) + " " + Expr("Bits", depth);
        string op = CompoundOperator(type);
        return op + " " + (op is "<<=" or ">>=" or ">>>=" ? Expr("int", depth) : Expr(type, depth));
    }

    /// <summary>A bounded loop: for, while, do or while (true), with a counter that advances before any continue.</summary>
    private void Loop(StringBuilder body, string indent, int depth)
    {
        string i = "i" + _locals++;
        int limit = 1 + R(5);
        _loopDepth++;
        int before = _scope.Count;
        switch (R(5))
        {
            case 4:
            {
                // A counter of a narrow (or 32-bit) type that wraps around its maximum before reaching the limit.
                string ct = Pick(new[] { "byte", "sbyte", "ushort", "short", "char", "uint", "int" });
                var (bits, signed) = s_widths[ct];
                long start = (signed ? (1L << (bits - 1)) : (1L << bits)) - 1 - R(3);
                body.Append(indent).Append("for (").Append(ct).Append(' ').Append(i).Append(" = (").Append(ct).Append(')').Append(start)
                    .Append("; ").Append(i).Append(" != (").Append(ct).Append(')').Append(start + limit).Append("; ").Append(i).Append("++)\n");
                _scope.Add((i, ct));
                Block(body, indent, depth - 1, 3, exits: true);
                _scope.RemoveRange(before, _scope.Count - before);
                break;
            }
            case 0:
                body.Append(indent).Append("for (int ").Append(i).Append(" = 0; ").Append(i).Append(" < ").Append(limit).Append("; ").Append(i).Append("++)\n");
                _scope.Add((i, "int"));
                Block(body, indent, depth - 1, 3, exits: true);
                _scope.RemoveRange(before, _scope.Count - before);
                break;
            case 1:
                body.Append(indent).Append("int ").Append(i).Append(" = 0;\n");
                body.Append(indent).Append("while (").Append(i).Append(" < ").Append(limit).Append(")\n");
                _scope.Add((i, "int"));
                Block(body, indent, depth - 1, 3, i + "++;", exits: true);
                break;
            case 2:
                body.Append(indent).Append("int ").Append(i).Append(" = 0;\n");
                body.Append(indent).Append("do\n");
                _scope.Add((i, "int"));
                Block(body, indent, depth - 1, 3, i + "++;", exits: true);
                body.Append(indent).Append("while (").Append(i).Append(" < ").Append(limit).Append(" && ").Append(Expr("bool", 2)).Append(");\n");
                break;
            default:
                body.Append(indent).Append("int ").Append(i).Append(" = 0;\n");
                body.Append(indent).Append("while (true)\n");
                _scope.Add((i, "int"));
                Block(body, indent, depth - 1, 3, "if (++" + i + " > " + limit + ") break;", exits: true);
                break;
        }
        _loopDepth--;
    }

    /// <summary>A switch on an integer (masked, so that cases match often) or on an enum.</summary>
    private void Switch(StringBuilder body, string indent, int depth)
    {
        string type = Chance(35) ? Pick(s_enums) : Pick(s_integers);
        List<string> labels;
        string subject;
        if (s_enums.Contains(type))
        {
            subject = Expr(type, 2);
            labels = s_members[type].Where(_ => Chance(60)).Select(m => type + "." + m).ToList();
        }
        else
        {
            subject = Chance(70) ? "((" + type + ")(" + Expr(type, 2) + " & 7))" : Expr(type, 2);
            var values = Enumerable.Range(0, 8).Where(_ => Chance(40)).Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList();
            if (s_signed.Contains(type) && Chance(30)) values.Add("-1");
            labels = values.Select(v => "(" + type + ")(" + v + ")").ToList();
        }
        body.Append(indent).Append("switch (").Append(subject).Append(")\n").Append(indent).Append("{\n");
        var sections = new List<List<string>>();
        foreach (var label in labels)
        {
            if (sections.Count > 0 && Chance(25)) sections[^1].Add(label); // several labels for one section
            else sections.Add(new List<string> { label });
        }
        if (Chance(50)) sections.Insert(R(sections.Count + 1), new List<string> { "default" });
        foreach (var section in sections)
        {
            foreach (var label in section) body.Append(indent).Append("    ").Append(label == "default" ? "default:" : "case " + label + ":").Append('\n');
            Block(body, indent + "    ", depth - 1, 2);
            body.Append(indent).Append("        ").Append(_loopDepth > 0 && Chance(15) ? "continue;\n" : "break;\n");
        }
        body.Append(indent).Append("}\n");
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
        if (Chance(5) && SideEffect(type, depth) is { } effect) return effect;
        return type switch
        {
            "bool" => BoolExpr(depth),
            "Kind" or "Bits" => EnumExpr(type, depth),
            "float" or "double" => FloatExpr(type, depth),
            _ => IntegerExpr(type, depth),
        };
    }

    /// <summary>An assignment, compound assignment or increment of a local (or through a pointer) used as a value, which
    /// C# evaluates in left-to-right order with the operands around it.</summary>
    private string? SideEffect(string type, int depth)
    {
        var targets = _scope.Where(v => v.Name[0] == 'l' && v.Type == type).Select(v => v.Name)
            .Concat(_scope.Where(v => v.Type == "ptr:" + type).Select(v => "*" + v.Name)).ToList();
        if (targets.Count == 0) return null;
        string target = Pick(targets);
        switch (R(3))
        {
            case 0:
                return "(" + target + " = " + Expr(type, depth - 1) + ")";
            case 1:
                return "(" + target + " " + CompoundAssignment(type, depth - 1) + ")";
            default:
                if (type is "bool" or "Bits") goto case 0;
                string operand = target[0] == '*' ? "(" + target + ")" : target;
                return "(" + Pick(new[] { operand + "++", operand + "--", "++" + operand, "--" + operand }) + ")";
        }
    }

    private string Leaf(string type)
    {
        if (_memory && type != "bool" && Chance(15))
        {
            int at = R(64);
            return R(3) switch
            {
                0 => "(*(" + type + "*)(m + " + at + "))",
                1 => "Unsafe.ReadUnaligned<" + type + ">(m + " + at + ")",
                _ => "Unsafe.Read<" + type + ">(Unsafe.Add<byte>(m, " + at + "))",
            };
        }
        // A local reinterpreted in place: Unsafe.As<TFrom, TTo>(ref local), TTo no larger than TFrom.
        if (s_sizes.TryGetValue(type, out int size) && Chance(4))
        {
            var wider = _scope.Where(v => v.Name[0] == 'l' && s_sizes.TryGetValue(v.Type, out int s) && s >= size).ToList();
            if (wider.Count > 0)
            {
                var (name, from) = Pick(wider);
                return "Unsafe.As<" + from + ", " + type + ">(ref " + name + ")";
            }
        }
        if (s_widths.ContainsKey(type) && Chance(2)) return "((" + type + ")" + Pick(new[] { "sizeof(Cell)", "Unsafe.SizeOf<Cell>()", "sizeof(Kind)" }) + ")";
        // Memory and variables of the type: Cell fields, pointers to locals, buffer elements, locals and parameters.
        var same = new List<string>();
        if (InScope("Cell*")) same.AddRange(s_cellFields.Where(f => f.Type == type).Select(f => CellAt() + f.Name));
        foreach (var (name, t) in _scope)
        {
            if (t == type) same.Add(name);
            else if (t == "ptr:" + type) same.Add("(*" + name + ")");
            else if (t.StartsWith("buf:" + type + ":", StringComparison.Ordinal)) same.Add(Element(name, t));
        }
        if (same.Count > 0 && Chance(70)) return Pick(same);
        var numeric = _scope.Where(v => IsValue(v.Type) && v.Type != "bool").ToList();
        if (type != "bool" && numeric.Count > 0 && Chance(50)) return "(" + type + ")" + Pick(numeric).Name;
        return Literal(type);
    }

    private string Literal(string type)
    {
        switch (type)
        {
            case "bool":
                return Chance(50) ? "true" : "false";
            case "Kind":
            case "Bits":
                return Chance(70) ? type + "." + Pick(s_members[type]) : "((" + type + ")0x" + Values.RandomInteger(type == "Kind" ? 16 : 8, type == "Kind", _random).ToString("X", CultureInfo.InvariantCulture) + "UL)";
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

    /// <summary>Sizes in bytes of the types Unsafe.As may reinterpret (no bool or enums).</summary>
    private static readonly Dictionary<string, int> s_sizes = new()
    {
        ["sbyte"] = 1, ["byte"] = 1, ["short"] = 2, ["ushort"] = 2, ["char"] = 2, ["int"] = 4, ["uint"] = 4, ["float"] = 4,
        ["long"] = 8, ["ulong"] = 8, ["nint"] = 8, ["nuint"] = 8, ["double"] = 8,
    };

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
                if (Chance(8)) return "((" + type + ")Sum3(" + Expr("int", d) + ", " + Expr("int", d) + ", " + Expr("int", d) + "))";
                if (Chance(8))
                {
                    string half = "l" + _locals++;
                    return "(TryHalve(" + Expr("long", d) + ", out long " + half + ") ? (" + type + ")" + half + " : " + Expr(type, d) + ")";
                }
                if (InScope("fl") && Chance(25)) return "((" + type + ")fl(" + Expr("long", d) + ", " + Expr("long", d) + "))";
                if (Chance(10)) return "((" + type + ")(" + Expr("Kind", d) + " - " + Expr("Kind", d) + "))";
                return "((" + type + ")" + Expr(Pick(s_castable), d) + ")";
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
                if (InScope("fd") && Chance(30)) return "((" + type + ")fd(" + Expr("double", d) + ", " + Expr("int", d) + "))";
                return "((" + type + ")" + Expr(Pick(s_castable), d) + ")";
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
            case 7 when Chance(40):
            {
                string t = Pick(s_enums);
                if (t == "Bits" && Chance(50)) return "((" + Expr(t, d) + " & Bits." + Pick(s_members[t]) + ") " + Pick(new[] { "!=", "==" }) + " 0)";
                return "(" + Expr(t, d) + " " + Pick(new[] { "<", "<=", ">", ">=", "==", "!=" }) + " " + Expr(t, d) + ")";
            }
            default:
                return Leaf("bool");
        }
    }

    private string EnumExpr(string type, int depth)
    {
        int d = depth - 1;
        switch (R(6))
        {
            case 0:
                return "(" + Expr("bool", d) + " ? " + Expr(type, d) + " : " + Expr(type, d) + ")";
            case 1:
            case 2:
                return "((" + type + ")" + Expr(Pick(s_castable), d) + ")";
            case 3:
            case 4:
                return type == "Kind"
                    ? "(" + Expr(type, d) + " " + Pick(new[] { "+", "-" }) + " " + Expr("short", d) + ")"
                    : Chance(25) ? "(~" + Expr(type, d) + ")" : "(" + Expr(type, d) + " " + Pick(new[] { "|", "&", "^" }) + " " + Expr(type, d) + ")";
            default:
                return Leaf(type);
        }
    }
}
