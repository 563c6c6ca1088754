using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>
/// Differential testing: every [Stencil] of a library is called as managed code (the specification) and as the
/// translated C (compiled by clang into a shared library) on many inputs, and the results must be equal.
/// </summary>
/// <remarks>
/// Each stencil gets two wrappers with one signature, <c>long call_Name(long a0, long a1, long a2, long a3)</c>: a C# one
/// compiled with the library, and a C one compiled with the translation. The wrappers convert the arguments to the
/// parameter types in order (out parameters get locals), and fold the return value and the out values into one
/// 64-bit result. Input conventions, by parameter name and type: a pointer named <c>buf</c> gets the middle of a
/// 64-element long buffer (compared after each call); parameters named <c>i</c>, <c>j</c>, <c>k</c> are small indices
/// (-8..8); <c>n</c>, <c>m</c> are loop counts (-3..200); Target parameters are -1 (Next) to 3; a function pointer
/// parameter gets the address of the native function of the same name (defined in the extra C).
/// Inputs for which the managed stencil throws (division by zero, MinValue / -1) are skipped.
/// </remarks>
internal static unsafe class Differential
{
    public sealed record Outcome(int Stencils, int Calls, int Skipped, Dictionary<string, int> ThrowsByStencil);

    private const int BufferLongs = 64;

    private static readonly long[] s_edges =
    {
        0, 1, -1, 2, -2, 3, 5, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 100, 127, 128, -128, -129, 255, 256,
        32767, 32768, -32768, -32769, 65535, 65536, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, (long)int.MinValue - 1,
        uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue, long.MinValue, long.MinValue + 1, long.MaxValue - 1,
        0x5555_5555_5555_5555, unchecked((long)0xAAAA_AAAA_AAAA_AAAA), 0x1234_5678, -0x1234_5678_9ABC,
    };

    public static Outcome Run(string source, string extraC = "", int maxCallsPerStencil = 2500, int seed = 12345)
    {
        var library = TranslationHarness.Translate(source);
        Assert.True(library.Diagnostics.Count == 0, "Unexpected diagnostics:\n" + string.Join("\n", library.Diagnostics));
        Assert.Equal(library.Stencils.Count, library.Functions.Count);

        // Managed wrappers, compiled with the library.
        var managed = new StringBuilder("using System;\nusing Patchouly;\npublic static unsafe class __Wrappers\n{\n");
        var native = new StringBuilder(library.AllC()).Append("\n/* ---- test support ---- */\n").Append(extraC).Append('\n');
        foreach (var stencil in library.Stencils)
        {
            managed.Append(ManagedWrapper(library.Library, stencil));
            native.Append(NativeWrapper(library.CNames[stencil.Name], stencil));
        }
        managed.Append("}\n");
        var compilation = library.Compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(managed.ToString(), new CSharpParseOptions(LanguageVersion.Latest), path: "Wrappers.cs"));
        var assembly = TranslationHarness.LoadManaged(compilation);
        var wrappers = assembly.GetType("__Wrappers")!;
        IntPtr handle = TranslationHarness.LoadShared(native.ToString());

        long* managedBuffer = (long*)NativeMemory.AlignedAlloc(BufferLongs * 8, 64);
        long* nativeBuffer = (long*)NativeMemory.AlignedAlloc(BufferLongs * 8, 64);
        var random = new Random(seed);
        int calls = 0, skipped = 0;
        var throws = new Dictionary<string, int>();
        try
        {
            foreach (var stencil in library.Stencils)
            {
                var managedCall = wrappers.GetMethod("call_" + stencil.Name)!.CreateDelegate<Func<long, long, long, long, long>>();
                var nativeCall = (delegate* unmanaged<long, long, long, long, long>)NativeLibrary.GetExport(handle, "call_" + stencil.Name);
                var inputs = stencil.Parameters.Where(p => p.RefKind != RefKind.Out).ToList();
                var generators = inputs.Select(p => Generator(p, handle, random)).ToList();
                foreach (var args in Tuples(generators, maxCallsPerStencil, random))
                {
                    for (int a = 0; a < args.Length; a++)
                        if (inputs[a].Name == "buf") args[a] = (long)(managedBuffer + BufferLongs / 2);
                    FillBuffer(managedBuffer);
                    long expected;
                    try
                    {
                        expected = managedCall(Arg(args, 0), Arg(args, 1), Arg(args, 2), Arg(args, 3));
                    }
                    catch (ArithmeticException)
                    {
                        skipped++;
                        throws[stencil.Name] = throws.TryGetValue(stencil.Name, out int t) ? t + 1 : 1;
                        continue;
                    }
                    for (int a = 0; a < args.Length; a++)
                        if (inputs[a].Name == "buf") args[a] = (long)(nativeBuffer + BufferLongs / 2);
                    FillBuffer(nativeBuffer);
                    long actual = nativeCall(Arg(args, 0), Arg(args, 1), Arg(args, 2), Arg(args, 3));
                    calls++;
                    if (expected != actual)
                        Assert.Fail($"{stencil.Name}({string.Join(", ", args.Select((v, ix) => inputs[ix].Name == "buf" ? "buf" : v.ToString()))}): C# gives {expected} (0x{expected:X}), C gives {actual} (0x{actual:X})\n---- C ----\n{library.Functions[stencil.Name]}");
                    for (int b = 0; b < BufferLongs; b++)
                    {
                        // Pointer values stored into the buffer differ between the two buffers; compare them relative to the buffer.
                        long m = managedBuffer[b], n = nativeBuffer[b];
                        if (m != n && m - (long)managedBuffer != n - (long)nativeBuffer)
                            Assert.Fail($"{stencil.Name}({string.Join(", ", args)}): buffer[{b - BufferLongs / 2}] is {m} after C#, {n} after C\n---- C ----\n{library.Functions[stencil.Name]}");
                    }
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(managedBuffer);
            NativeMemory.AlignedFree(nativeBuffer);
        }
        return new Outcome(library.Stencils.Count, calls, skipped, throws);
    }

    private static long Arg(long[] args, int index) => index < args.Length ? args[index] : 0;

    private static void FillBuffer(long* buffer)
    {
        for (int i = 0; i < BufferLongs; i++) buffer[i] = unchecked(i * 0x0101_0101_0101_0101L + (i << 3) - 100);
    }

    private static Func<Random, long[]?> Generator(IParameterSymbol parameter, IntPtr handle, Random _)
    {
        var type = parameter.Type;
        if (type is IFunctionPointerTypeSymbol)
        {
            long address = (long)NativeLibrary.GetExport(handle, parameter.Name);
            return _ => new[] { address };
        }
        if (type is IPointerTypeSymbol || parameter.Name == "buf") return _ => new[] { 0L };
        if (type.Name == "Target") return _ => new long[] { -1, 0, 1, 2, 3 };
        if (parameter.Name is "i" or "j" or "k") return _ => Enumerable.Range(-8, 17).Select(v => (long)v).ToArray();
        if (parameter.Name is "n" or "m") return _ => new long[] { -3, -1, 0, 1, 2, 3, 4, 5, 7, 10, 17, 33, 64, 100, 200 };
        if (type.SpecialType == SpecialType.System_Boolean) return _ => new long[] { 0, 1 };
        return random => s_edges.Concat(Enumerable.Range(0, 12).Select(_ => random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(0, 63))).ToArray();
    }

    /// <summary>All combinations of the first two parameters' values (and a random choice for the others), then random tuples, up to the limit.</summary>
    private static IEnumerable<long[]> Tuples(List<Func<Random, long[]?>> generators, int limit, Random random)
    {
        var values = generators.Select(g => g(random)!).ToList();
        if (values.Count == 0)
        {
            yield return Array.Empty<long>();
            yield break;
        }
        int produced = 0;
        long Pick(int p) => values[p][random.Next(values[p].Length)];
        if (values.Count == 1)
        {
            foreach (var v in values[0]) yield return new[] { v };
            yield break;
        }
        foreach (var a in values[0])
            foreach (var b in values[1])
            {
                if (produced++ >= limit) yield break;
                var t = new long[values.Count];
                t[0] = a;
                t[1] = b;
                for (int p = 2; p < t.Length; p++) t[p] = Pick(p);
                yield return t;
            }
        while (produced++ < limit)
            yield return Enumerable.Range(0, values.Count).Select(Pick).ToArray();
    }

    // ------------------------------------------------------------------ wrappers

    private static string CSharp(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string ManagedWrapper(INamedTypeSymbol library, IMethodSymbol stencil)
    {
        var sb = new StringBuilder();
        sb.Append("    public static long call_").Append(stencil.Name).Append("(long a0, long a1, long a2, long a3)\n    {\n        unchecked\n        {\n");
        var args = new List<string>();
        int input = 0;
        foreach (var p in stencil.Parameters)
        {
            if (p.RefKind == RefKind.Out)
            {
                sb.Append("            ").Append(CSharp(p.Type)).Append(" o_").Append(p.Name).Append(";\n");
                args.Add("out o_" + p.Name);
                continue;
            }
            string a = "a" + input++;
            string value = p.Type.Name == "Target" ? $"({a} == -1 ? global::Patchouly.Target.Next : new global::Patchouly.Target((int){a}))"
                : p.Type.SpecialType == SpecialType.System_Boolean ? $"({a} != 0)"
                : $"(({CSharp(p.Type)}){a})";
            args.Add(value);
        }
        string call = CSharp(library) + "." + stencil.Name + "(" + string.Join(", ", args) + ")";
        if (stencil.ReturnsVoid) sb.Append("            ").Append(call).Append(";\n            ulong r = 0;\n");
        else sb.Append("            var ret = ").Append(call).Append(";\n            ulong r = ").Append(ManagedToWord(stencil.ReturnType, "ret")).Append(";\n");
        foreach (var p in stencil.Parameters.Where(p => p.RefKind == RefKind.Out))
            sb.Append("            r = r * 1000003UL + ").Append(ManagedToWord(p.Type, "o_" + p.Name)).Append(";\n");
        sb.Append("            return (long)r;\n        }\n    }\n");
        return sb.ToString();
    }

    private static string ManagedToWord(ITypeSymbol type, string value) =>
        type.Name == "Target" ? $"(ulong)(long){value}.Id"
        : type.SpecialType == SpecialType.System_Boolean ? $"({value} ? 1UL : 0UL)"
        : type is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? $"(ulong){value}"
        : $"(ulong){value}";

    private static string NativeWrapper(string cName, IMethodSymbol stencil)
    {
        var sb = new StringBuilder();
        sb.Append("__attribute__((visibility(\"default\"))) int64_t call_").Append(stencil.Name)
          .Append("(int64_t a0, int64_t a1, int64_t a2, int64_t a3)\n{\n    (void)a0; (void)a1; (void)a2; (void)a3;\n");
        var args = new List<string>();
        int input = 0;
        foreach (var p in stencil.Parameters)
        {
            string c = p.Type.Name == "Target" ? "int32_t" : Patchouly.Generators.Translation.CTypes.Map(p.Type)!;
            if (p.RefKind == RefKind.Out)
            {
                sb.Append("    ").Append(c).Append(" o_").Append(p.Name).Append(" = 0;\n");
                args.Add("&o_" + p.Name);
                continue;
            }
            string a = "a" + input++;
            args.Add(p.Type is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? $"(({c})(intptr_t){a})"
                : p.Type.SpecialType == SpecialType.System_Boolean ? $"({a} != 0)"
                : $"(({c}){a})");
        }
        string call = cName + "(" + string.Join(", ", args) + ")";
        if (stencil.ReturnsVoid) sb.Append("    ").Append(call).Append(";\n    uint64_t r = 0;\n");
        else
        {
            string c = stencil.ReturnType.Name == "Target" ? "int32_t" : Patchouly.Generators.Translation.CTypes.Map(stencil.ReturnType)!;
            sb.Append("    ").Append(c).Append(" ret = ").Append(call).Append(";\n    uint64_t r = ").Append(NativeToWord(stencil.ReturnType, "ret")).Append(";\n");
        }
        foreach (var p in stencil.Parameters.Where(p => p.RefKind == RefKind.Out))
            sb.Append("    r = r * UINT64_C(1000003) + ").Append(NativeToWord(p.Type, "o_" + p.Name)).Append(";\n");
        sb.Append("    return (int64_t)r;\n}\n");
        return sb.ToString();
    }

    private static string NativeToWord(ITypeSymbol type, string value) =>
        type is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? $"(uint64_t)(uintptr_t){value}" : $"(uint64_t){value}";
}
