using System.Linq;
using Microsoft.CodeAnalysis;
using Patchouly.Generators.Translation;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>Unit tests of <see cref="CTypes"/>, <see cref="CNames"/> and the prelude's structure.</summary>
public class NamesAndTypesTests
{
    private const string Source = TranslationHarness.Usings + """
        public enum E8 : sbyte { A }
        public enum E64 : ulong { A }
        public struct S { public int X; }

        [StencilLibrary]
        public static unsafe partial class Types
        {
            public static void M(
                bool a, char b, sbyte c, byte d, short e, ushort f, int g, uint h, long i, ulong j, nint k, nuint l,
                float m, double n, E8 o, E64 p, Target q, int* r, void* s, byte** t, delegate* unmanaged<int, long> u,
                delegate* unmanaged[Cdecl]<void> v, delegate* unmanaged[Stdcall]<int> w, delegate*<int> x,
                delegate* unmanaged<bool, int> y, S z, S* za, string zb, decimal zc, delegate* unmanaged[SuppressGCTransition]<long*, int> zd,
                delegate* unmanaged<delegate* unmanaged<int>, E64> ze, bool* zf)
            { }
        }
        """;

    private static IMethodSymbol Method()
    {
        var compilation = TranslationHarness.Compile(Source);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation.GetTypeByMetadataName("Types")!.GetMembers("M").OfType<IMethodSymbol>().Single();
    }

    [Fact]
    public void MapsEveryType()
    {
        var m = Method();
        string? Map(string name) => CTypes.Map(m.Parameters.Single(p => p.Name == name).Type);
        Assert.Equal("_Bool", Map("a"));
        Assert.Equal("uint16_t", Map("b"));
        Assert.Equal("int8_t", Map("c"));
        Assert.Equal("uint8_t", Map("d"));
        Assert.Equal("int16_t", Map("e"));
        Assert.Equal("uint16_t", Map("f"));
        Assert.Equal("int32_t", Map("g"));
        Assert.Equal("uint32_t", Map("h"));
        Assert.Equal("int64_t", Map("i"));
        Assert.Equal("uint64_t", Map("j"));
        Assert.Equal("intptr_t", Map("k"));
        Assert.Equal("uintptr_t", Map("l"));
        Assert.Equal("float", Map("m"));
        Assert.Equal("double", Map("n"));
        Assert.Equal("int8_t", Map("o"));
        Assert.Equal("uint64_t", Map("p"));
        Assert.Equal("int32_t", Map("q"));
        Assert.Equal("int32_t*", Map("r"));
        Assert.Equal("void*", Map("s"));
        Assert.Equal("uint8_t**", Map("t"));
        Assert.Equal("__typeof__(int64_t (*)(int32_t))", Map("u"));
        Assert.Equal("__typeof__(void (*)(void))", Map("v"));
        Assert.Null(Map("w"));   // stdcall
        Assert.Null(Map("x"));   // managed calling convention
        Assert.Null(Map("y"));   // bool is marshalled
        Assert.Equal("struct s_S", Map("z"));   // unmanaged structs declared in source
        Assert.Equal("struct s_S*", Map("za"));
        Assert.Null(Map("zb"));
        Assert.Null(Map("zc"));
        Assert.Equal("__typeof__(int32_t (*)(int64_t*))", Map("zd"));
        Assert.Equal("__typeof__(uint64_t (*)(__typeof__(int32_t (*)(void))))", Map("ze"));
        Assert.Equal("_Bool*", Map("zf"));
        Assert.Equal("void", CTypes.Map(m.ReturnType));
    }

    [Fact]
    public void BitWidthsAndSignedness()
    {
        var m = Method();
        ITypeSymbol T(string name) => m.Parameters.Single(p => p.Name == name).Type;
        Assert.Equal(1, CTypes.BitWidth(T("a")));
        Assert.Equal(16, CTypes.BitWidth(T("b")));
        Assert.Equal(8, CTypes.BitWidth(T("c")));
        Assert.Equal(32, CTypes.BitWidth(T("h")));
        Assert.Equal(64, CTypes.BitWidth(T("k")));
        Assert.Equal(8, CTypes.BitWidth(T("o")));
        Assert.Equal(64, CTypes.BitWidth(T("p")));
        Assert.Equal(64, CTypes.BitWidth(T("r")));
        Assert.Equal(64, CTypes.BitWidth(T("u")));
        Assert.Null(CTypes.BitWidth(T("m")));
        Assert.Null(CTypes.BitWidth(T("z")));
        Assert.Null(CTypes.BitWidth(T("x")));

        Assert.True(CTypes.IsSignedInteger(T("c")));
        Assert.True(CTypes.IsSignedInteger(T("g")));
        Assert.True(CTypes.IsSignedInteger(T("k")));
        Assert.True(CTypes.IsSignedInteger(T("o")));
        Assert.False(CTypes.IsSignedInteger(T("b")));
        Assert.False(CTypes.IsSignedInteger(T("l")));
        Assert.False(CTypes.IsSignedInteger(T("p")));
        Assert.False(CTypes.IsSignedInteger(T("a")));
        Assert.False(CTypes.IsSignedInteger(T("r")));
        Assert.False(CTypes.IsSignedInteger(T("m")));
    }

    [Fact]
    public void NamesArePrefixedAndInjective()
    {
        Assert.Equal("v_int", CNames.Variable("int"));
        Assert.Equal("v_auto", CNames.Variable("auto"));
        Assert.Equal("v_my_var", CNames.Variable("my_var"));
        Assert.Equal("p_Add", CNames.Stencil("Add", 3));
        Assert.Equal("h_Add", CNames.Helper("Add"));
        Assert.Equal("t_4", CNames.Temporary(4));

        // Non-ASCII names are escaped injectively, with a prefix no ASCII name produces.
        var names = new[] { "é", "_x00E9", "é_", "_é", "éé", "a_b", "a__b", "ab", "Ω", "x\u0301", "v_é" };
        var variables = names.Select(CNames.Variable).ToList();
        Assert.Equal(variables.Count, variables.Distinct().Count());
        var stencils = names.Select(n => CNames.Stencil(n, 0)).ToList();
        Assert.Equal(stencils.Count, stencils.Distinct().Count());
        Assert.All(variables.Concat(stencils), n => Assert.True(CNames.IsPlainAscii(n), n));
        Assert.Equal("u__x00E9", CNames.Variable("é"));
        Assert.Equal("p_0_x00E9t_x00E9", CNames.Stencil("été", 0));
    }

    [Fact]
    public void OverloadedHelpersGetDistinctNamesAndPreludeDeclaresBeforeDefining()
    {
        var library = TranslationHarness.Translate(TranslationHarness.Usings + """
            [StencilLibrary]
            public static partial class Overloads
            {
                static int Abs(int x) => x < 0 ? -x : x;
                static long Abs(long x) => x < 0 ? -x : x;
                static int Abs_2() => 2;
                static int Unused(int x) => x;
                static int Outer(int x) => Inner(x) + 1;
                static int Inner(int x) => x * 2;
                [Stencil] public static long S(int a, long b) => Abs(a) + Abs(b) + Abs_2() + Outer(a);
            }
            """);
        Assert.Empty(library.Diagnostics);
        string prelude = library.Prelude;
        Assert.Contains("int32_t h_Abs(int32_t v_x);", prelude);
        Assert.Contains("int64_t h_Abs_2(int64_t v_x);", prelude);
        Assert.Contains("int32_t h_Abs_2_2(void);", prelude);
        Assert.DoesNotContain("h_Unused", prelude);
        // Prototypes of all helpers come before any definition, so definition order does not matter.
        var lines = prelude.Split('\n').ToList();
        int lastPrototype = lines.FindLastIndex(l => l.StartsWith("static inline __attribute__((always_inline))", System.StringComparison.Ordinal) && l.EndsWith(';') && l.Contains(" h_"));
        int firstDefinition = lines.FindIndex(l => l.StartsWith("static inline __attribute__((always_inline))", System.StringComparison.Ordinal) && !l.EndsWith(';') && l.Contains(" h_"));
        Assert.True(lastPrototype >= 0 && lastPrototype < firstDefinition);
        Assert.Contains("h_Inner(", prelude);
        Assert.StartsWith("/* Prelude of stencil library Overloads", prelude);
        Assert.Contains("#include <stdint.h>", prelude);
        TranslationHarness.AssertCompiles(library.AllC());
    }

    [Fact]
    public void StencilFunctionHasTheDocumentedSignature()
    {
        var library = TranslationHarness.Translate(TranslationHarness.Usings + """
            [StencilLibrary]
            public static unsafe partial class Sig
            {
                [Stencil] public static Target S(long a, [Hole] int h, Target yes, out byte o, delegate* unmanaged<int, int> f, Target no)
                {
                    o = (byte)a;
                    return a > h ? yes : no;
                }
            }
            """);
        Assert.Empty(library.Diagnostics);
        Assert.StartsWith("static inline __attribute__((always_inline)) int32_t p_S(int64_t v_a, int32_t v_h, int32_t v_yes, uint8_t* v_o, __typeof__(int32_t (*)(int32_t)) v_f, int32_t v_no)\n{\n",
            library.Functions["S"]);
    }
}
