using System.Collections.Generic;
using System.Linq;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>What a hand-corpus case must produce besides "no exception".</summary>
internal enum Expect
{
    /// <summary>A problem in a stencil: at least one PATCH diagnostic, or a C# error the user already sees.</summary>
    Problem,
    /// <summary>A problem only Patchouly can see: the C# is fine, so at least one PATCH diagnostic.</summary>
    PatchOnly,
    /// <summary>Valid stencils: no PATCH diagnostic, no C# error, and the generated code compiles.</summary>
    Clean,
    /// <summary>Code that is not about stencils: no PATCH diagnostic, whatever C# says.</summary>
    Unrelated,
    /// <summary>Debatable code: only "nothing throws".</summary>
    Any,
}

/// <summary>A hand-written source that stresses the parser, translator, generator or analyzer.</summary>
/// <param name="Ids">When not empty, one of these PATCH ids must be among the diagnostics.</param>
internal sealed record HandCase(string Name, string Source, Expect Expect, params string[] Ids)
{
    public override string ToString() => Name;
}

/// <summary>
/// The hand-written corpus: broken syntax, wrong attribute arguments, every wrong stencil shape, constructs a
/// stencil body cannot have, and valid but unusual code (keywords as names, unusual places for the attributes).
/// </summary>
internal static class HandCorpus
{
    private static string Lib(string members, string attribute = "[StencilLibrary]", string head = "public static unsafe partial class Lib") => $$"""
        using System;
        using Patchouly;
        namespace T;
        {{attribute}}
        {{head}}
        {
        {{members}}
        }
        """;

    public static IEnumerable<HandCase> Cases()
    {
        // ---- broken syntax ----
        yield return new("unclosed class", "using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static long A(long a) => a;", Expect.Problem);
        yield return new("unclosed method", Lib("[Stencil] public static long A(long a) { return a;"), Expect.Problem);
        yield return new("extra brace", Lib("[Stencil] public static long A(long a) { return a; } }"), Expect.Problem);
        yield return new("missing semicolon", Lib("[Stencil] public static long A(long a) => a"), Expect.Problem);
        yield return new("missing parameter type", Lib("[Stencil] public static long A(a) => a;"), Expect.Problem);
        yield return new("missing parameter name", Lib("[Stencil] public static long A(long) => 1;"), Expect.Problem);
        yield return new("missing return type", Lib("[Stencil] public static A(long a) => a;"), Expect.Problem);
        yield return new("missing method name", Lib("[Stencil] public static long (long a) => a;"), Expect.Problem);
        yield return new("unclosed attribute", Lib("[Stencil public static long A(long a) => a;"), Expect.Problem);
        yield return new("attribute on nothing", Lib("[Stencil]"), Expect.Problem);
        yield return new("hole on nothing", Lib("[Stencil] public static long A(long a, [Hole]) => a;"), Expect.Problem);
        yield return new("unclosed parameter list", Lib("[Stencil] public static long A(long a => a;"), Expect.Problem);
        yield return new("unclosed expression", Lib("[Stencil] public static long A(long a) => (a + ;"), Expect.Problem);
        yield return new("unclosed if", Lib("[Stencil] public static long A(long a) { if (a > 0 { return 1; } return 0; }"), Expect.Problem);
        yield return new("dangling else", Lib("[Stencil] public static long A(long a) { else return 1; }"), Expect.Problem);
        yield return new("unclosed string", Lib("[Stencil] public static long A(long a) => \"abc;"), Expect.Problem);
        yield return new("unclosed comment", Lib("[Stencil] public static long A(long a) => a; /* forever"), Expect.Problem);
        yield return new("unclosed char", Lib("[Stencil] public static char A(long a) => 'x;"), Expect.Problem);
        yield return new("only the attribute", "[Patchouly.StencilLibrary]", Expect.Problem);
        yield return new("library keyword only", "using Patchouly; [StencilLibrary] public static partial class", Expect.Problem);
        yield return new("empty library", Lib(""), Expect.Clean);
        yield return new("empty file", "", Expect.Unrelated);
        yield return new("garbage", "}}}} ((( [[[ ;;; static partial class [Stencil] => => =>", Expect.Unrelated);
        yield return new("stray preprocessor", Lib("#if X\n[Stencil] public static long A(long a) => a;"), Expect.Problem);
        yield return new("conditional stencil", Lib("#if NEVER\n[Stencil] public static long A(long a) => a;\n#endif\n[Stencil] public static long B(long b) => b;"), Expect.Clean);
        yield return new("deeply nested parentheses", Lib("[Stencil] public static long A(long a) => " + new string('(', 300) + "a" + new string(')', 300) + ";"), Expect.Any);
        yield return new("deeply nested blocks", Lib("[Stencil] public static long A(long a) { " + string.Concat(System.Linq.Enumerable.Repeat("if (a > 0) { ", 150)) + "a++;" + new string('}', 150) + " return a; }"), Expect.Any);
        yield return new("long expression", Lib("[Stencil] public static long A(long a) => " + string.Join(" + ", System.Linq.Enumerable.Repeat("a", 2000)) + ";"), Expect.PatchOnly, "PATCH0019");
        yield return new("very long expression", Lib("[Stencil] public static long A(long a) => " + string.Join(" + ", System.Linq.Enumerable.Repeat("a", 30000)) + ";"), Expect.PatchOnly, "PATCH0019");
        yield return new("long expression in a helper", Lib("static long H(long a) => " + string.Join(" ^ ", System.Linq.Enumerable.Repeat("a", 400)) + "; [Stencil] public static long A(long a) => H(a);"), Expect.PatchOnly, "PATCH0019");
        yield return new("expression of 100 terms", Lib("[Stencil] public static long A(long a) => " + string.Join(" + ", System.Linq.Enumerable.Repeat("a", 100)) + ";"), Expect.Clean);
        yield return new("deeply nested ifs", Lib("[Stencil] public static long A(long a) { " + string.Concat(System.Linq.Enumerable.Repeat("if (a > 0) { ", 300)) + "a++;" + new string('}', 300) + " return a; }"), Expect.PatchOnly, "PATCH0019");
        yield return new("deeply nested conditionals", Lib("[Stencil] public static long A(long a) => " + string.Concat(System.Linq.Enumerable.Repeat("a > 0 ? a : ", 3000)) + "0;"), Expect.PatchOnly, "PATCH0019");

        // ---- attribute arguments ----
        yield return new("registers missing value", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = )]"), Expect.Problem);
        yield return new("registers string", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = \"four\")]"), Expect.Problem);
        yield return new("registers long", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = 4L)]"), Expect.Problem);
        yield return new("registers twice", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = 4, Registers = 5)]"), Expect.Problem);
        yield return new("library positional argument", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(4)]"), Expect.Problem);
        yield return new("library unknown named argument", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Bogus = 1)]"), Expect.Problem);
        yield return new("registers zero", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = 0)]"), Expect.PatchOnly, "PATCH0012");
        yield return new("registers 12", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = 12)]"), Expect.PatchOnly, "PATCH0012");
        yield return new("registers int.MinValue", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = int.MinValue)]"), Expect.PatchOnly, "PATCH0012");
        yield return new("registers int.MaxValue", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = int.MaxValue)]"), Expect.PatchOnly, "PATCH0012");
        yield return new("registers from constant", Lib("const int N = 3; [Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = Lib.N)]"), Expect.Clean);
        yield return new("registers from undefined constant", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Registers = Nope.N)]"), Expect.Problem);
        yield return new("optimization int", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Optimization = 3)]"), Expect.Problem);
        yield return new("optimization cast out of range", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary(Optimization = (StencilOptimization)77)]"), Expect.Any);
        yield return new("library attribute twice", Lib("[Stencil] public static long A(long a) => a;", "[StencilLibrary, StencilLibrary(Registers = 2)]"), Expect.Problem);
        yield return new("returns-to-caller string", Lib("[Stencil(ReturnsToCaller = \"yes\")] public static long A(long a) => a;"), Expect.Problem);
        yield return new("returns-to-caller twice", Lib("[Stencil(ReturnsToCaller = true, ReturnsToCaller = false)] public static long A(long a) => a;"), Expect.Problem);
        yield return new("stencil unknown argument", Lib("[Stencil(Bogus = 1)] public static long A(long a) => a;"), Expect.Problem);
        yield return new("stencil positional argument", Lib("[Stencil(true)] public static long A(long a) => a;"), Expect.Problem);
        yield return new("stencil attribute twice", Lib("[Stencil, Stencil] public static long A(long a) => a;"), Expect.Problem);
        yield return new("hole argument", Lib("[Stencil] public static long A(long a, [Hole(3)] long c) => a + c;"), Expect.Problem);
        yield return new("hole twice", Lib("[Stencil] public static long A(long a, [Hole, Hole] long c) => a + c;"), Expect.Problem);
        yield return new("hole and target", Lib("[Stencil] public static void A([Hole, Target] Target t) { }"), Expect.PatchOnly, "PATCH0011");
        yield return new("hole on return", Lib("[Stencil] [return: Hole] public static long A(long a) => a;"), Expect.Problem);
        yield return new("stencil on parameter", Lib("[Stencil] public static long A([Stencil] long a) => a;"), Expect.Problem);
        yield return new("attribute from another namespace", "namespace Other { public class StencilAttribute : System.Attribute { } public class StencilLibraryAttribute : System.Attribute { } [StencilLibrary] public class Lib { [Stencil] public long A(long a) => a; } }", Expect.Unrelated);
        yield return new("library attribute on struct", "using Patchouly; [StencilLibrary] public partial struct S { [Stencil] public static long A(long a) => a; }", Expect.Problem);
        yield return new("library attribute on interface", "using Patchouly; [StencilLibrary] public partial interface I { [Stencil] public static long A(long a) => a; }", Expect.Problem);
        yield return new("library attribute on record", "using Patchouly; [StencilLibrary] public static partial record R { }", Expect.Problem);
        yield return new("library attribute on enum", "using Patchouly; [StencilLibrary] public enum E { A }", Expect.Problem);
        yield return new("library attribute on method", "using Patchouly; public static class C { [StencilLibrary] public static void M() { } }", Expect.Problem);

        // ---- library shape ----
        yield return new("library not static", Lib("[Stencil] public static long A(long a) => a;", head: "public partial class Lib"), Expect.PatchOnly, "PATCH0001");
        yield return new("library not partial", Lib("[Stencil] public static long A(long a) => a;", head: "public static class Lib"), Expect.PatchOnly, "PATCH0001");
        yield return new("library abstract", Lib("[Stencil] public static long A(long a) => a;", head: "public abstract partial class Lib"), Expect.PatchOnly, "PATCH0001");
        yield return new("library generic", Lib("[Stencil] public static long A(long a) => a;", head: "public static partial class Lib<T>"), Expect.PatchOnly, "PATCH0002");
        yield return new("library nested", "using Patchouly; public static partial class Outer { [StencilLibrary] public static partial class Inner { [Stencil] public static long A(long a) => a; } }", Expect.PatchOnly, "PATCH0002");
        yield return new("library nested in non-partial", "using Patchouly; public static class Outer { [StencilLibrary] public static partial class Inner { [Stencil] public static long A(long a) => a; } }", Expect.PatchOnly, "PATCH0002");
        yield return new("library in two parts, one not partial", Lib("[Stencil] public static long A(long a) => a;") + "\nnamespace T { public static class Lib { } }", Expect.Problem);
        yield return new("library in two parts", Lib("[Stencil] public static long A(long a) => a;") + "\npublic static partial class Lib { [Stencil] public static long B(long b) => b; }", Expect.Clean);
        yield return new("library attribute on both parts", Lib("[Stencil] public static long A(long a) => a;") + "\n[StencilLibrary] public static partial class Lib { }", Expect.Problem);
        yield return new("library file-local", Lib("[Stencil] public static long A(long a) => a;", head: "file static partial class Lib"), Expect.Any);
        yield return new("library private in namespace", Lib("[Stencil] public static long A(long a) => a;", head: "private static partial class Lib"), Expect.Problem);
        yield return new("library in global namespace", "using Patchouly; [StencilLibrary] public static partial class G { [Stencil] public static long A(long a) => a; }", Expect.Clean);
        yield return new("library in block namespace", "using Patchouly; namespace N.M { [StencilLibrary] internal static partial class G { [Stencil] public static long A(long a) => a; } }", Expect.Clean);
        yield return new("two libraries same name different namespaces", "using Patchouly; namespace A { [StencilLibrary] static partial class L { [Stencil] public static long X(long a) => a; } } namespace B { [StencilLibrary] static partial class L { [Stencil] public static long X(long a) => a; } }", Expect.Clean);
        yield return new("two libraries differing only in case", "using Patchouly; namespace N; [StencilLibrary] static partial class Lib { [Stencil] public static long X(long a) => a; } [StencilLibrary] static partial class LIB { [Stencil] public static long X(long a) => a; }", Expect.PatchOnly, "PATCH0020");
        yield return new("library and plain class differing only in case", "using Patchouly; namespace N; [StencilLibrary] static partial class Lib { [Stencil] public static long X(long a) => a; } static class LIB { }", Expect.Clean);
        yield return new("namespaces differing only in case", "using Patchouly; namespace A.b { [StencilLibrary] static partial class L { [Stencil] public static long X(long a) => a; } } namespace A.B { [StencilLibrary] static partial class L { [Stencil] public static long X(long a) => a; } }", Expect.PatchOnly, "PATCH0020");
        yield return new("library keyword name", "using Patchouly; namespace N; [StencilLibrary] public static partial class @class { [Stencil] public static long A(long a) => a; }", Expect.Clean);
        yield return new("library keyword namespace", "using Patchouly; namespace @namespace.@int; [StencilLibrary] public static partial class L { [Stencil] public static long A(long a) => a; }", Expect.Clean);
        yield return new("library unicode name", "using Patchouly; namespace Ü; [StencilLibrary] public static partial class Bibliothèque { [Stencil] public static long Ajouter(long a, long b) => a + b; }", Expect.Clean);
        yield return new("library member named Emitter", Lib("public static int Emitter; [Stencil] public static long A(long a) => a;"), Expect.Problem, "PATCH0016");
        yield return new("library member named Library", Lib("public static int Library; [Stencil] public static long A(long a) => a;"), Expect.PatchOnly, "PATCH0016");
        yield return new("library member named PatchoulyTables", Lib("private static class PatchoulyTables { } [Stencil] public static long A(long a) => a;"), Expect.PatchOnly, "PATCH0016");
        yield return new("library method named PatchoulyModelHash", Lib("static void PatchoulyModelHash() { } [Stencil] public static long A(long a) => a;"), Expect.PatchOnly, "PATCH0016");
        yield return new("library member named Builder", Lib("public static int Builder; [Stencil] public static long A(long a) => a;"), Expect.Clean);

        // ---- stencil shape ----
        yield return new("stencil outside library", "using Patchouly; public static class Plain { [Stencil] public static long Lost(long a) => a; }", Expect.PatchOnly, "PATCH0003");
        yield return new("stencil in nested class of library", Lib("public static class Inner { [Stencil] public static long A(long a) => a; }"), Expect.PatchOnly, "PATCH0003");
        yield return new("stencil in struct", "using Patchouly; public struct S { [Stencil] public static long A(long a) => a; }", Expect.PatchOnly, "PATCH0003");
        yield return new("stencil in interface", "using Patchouly; public interface I { [Stencil] static long A(long a) => a; }", Expect.PatchOnly, "PATCH0003");
        yield return new("stencil abstract in interface", "using Patchouly; public interface I { [Stencil] static abstract long A(long a); }", Expect.PatchOnly, "PATCH0003");
        yield return new("stencil as local function", Lib("public static void M() { [Stencil] static long L(long a) => a; }"), Expect.PatchOnly, "PATCH0017");
        yield return new("stencil as local function outside library", "using Patchouly; public static class C { public static void M() { [Stencil] static long L(long a) => a; } }", Expect.PatchOnly, "PATCH0017");
        yield return new("stencil as local function in a stencil", Lib("[Stencil] public static long A(long a) { return L(a); [Stencil] static long L(long x) => x; }"), Expect.PatchOnly, "PATCH0017");
        yield return new("stencil lambda", "using Patchouly; public static class C { public static System.Func<long, long> F = [Stencil] (long a) => a; }", Expect.PatchOnly, "PATCH0017");
        yield return new("instance stencil", Lib("[Stencil] public long A(long a) => a;", head: "public partial class Lib"), Expect.PatchOnly);
        yield return new("instance stencil in static class", Lib("[Stencil] public long A(long a) => a;"), Expect.Problem);
        yield return new("generic stencil", Lib("[Stencil] public static long A<T>(long a) => a;"), Expect.PatchOnly, "PATCH0004");
        yield return new("generic stencil using T", Lib("[Stencil] public static T A<T>(T a) => a;"), Expect.PatchOnly, "PATCH0004");
        yield return new("generic stencil unmanaged", Lib("[Stencil] public static long A<T>(T* p) where T : unmanaged => sizeof(T);"), Expect.PatchOnly, "PATCH0004");
        yield return new("extern stencil", Lib("[Stencil] public static extern long A(long a);"), Expect.PatchOnly, "PATCH0004");
        yield return new("partial stencil without body", Lib("[Stencil] public static partial long A(long a);"), Expect.Problem);
        yield return new("partial stencil with body", Lib("[Stencil] public static partial long A(long a); public static partial long A(long a) => a;"), Expect.Any);
        yield return new("stencil static constructor", Lib("[Stencil] static Lib() { }"), Expect.PatchOnly, "PATCH0004");
        yield return new("stencil accessor", Lib("public static long P { [Stencil] get => 1; }"), Expect.PatchOnly, "PATCH0004");
        yield return new("stencil on property", Lib("[Stencil] public static long P => 1;"), Expect.Problem);
        yield return new("stencil on field", Lib("[Stencil] public static long F;"), Expect.Problem);
        yield return new("stencil without body", Lib("[Stencil] public static long A(long a);"), Expect.Problem);
        yield return new("stencil missing return", Lib("[Stencil] public static long A(long a) { }"), Expect.Problem);
        yield return new("stencil missing return on a path", Lib("[Stencil] public static long A(long a) { if (a > 0) return 1; }"), Expect.Problem);
        yield return new("stencil returns nothing from value method", Lib("[Stencil] public static long A(long a) { return; }"), Expect.Problem);
        yield return new("stencil returns value from void", Lib("[Stencil] public static void A(long a) { return a; }"), Expect.Problem);
        yield return new("overloaded stencil", Lib("[Stencil] public static long A(long a) => a; [Stencil] public static long A(int a) => a;"), Expect.PatchOnly, "PATCH0005");
        yield return new("duplicate stencil", Lib("[Stencil] public static long A(long a) => a; [Stencil] public static long A(long a) => a;"), Expect.Problem);
        yield return new("reserved name", Lib("[Stencil] public static long __move(long a) => a;"), Expect.PatchOnly, "PATCH0006");
        yield return new("stencil named Emitter", Lib("[Stencil] public static long Emitter(long a) => a;"), Expect.PatchOnly, "PATCH0006");
        yield return new("stencil named like the library", Lib("[Stencil] public static long Lib(long a) => a;"), Expect.Problem);
        yield return new("stencil named Builder", Lib("[Stencil] public static long Builder(long a) => a;"), Expect.PatchOnly, "PATCH0006");
        yield return new("stencil keyword name", Lib("[Stencil] public static long @int(long a) => a;"), Expect.Clean);
        yield return new("stencil keyword parameter names", Lib("[Stencil] public static long A(long @class, [Hole] long @event, Target @if, out long @out) { @out = @class; return @event; }"), Expect.Clean);
        yield return new("stencil keyword parameters valid", Lib("[Stencil] public static Target A(long @class, [Hole] long @event, Target @if, out long @out) { @out = @class + @event; return @if; }"), Expect.Clean);
        yield return new("parameter named result", Lib("[Stencil] public static long A(long result, long result_) => result + result_;"), Expect.Clean);
        yield return new("parameter named _builder", Lib("[Stencil] public static long A(long _builder) => _builder;"), Expect.Clean);
        yield return new("parameter named Library", Lib("[Stencil] public static long A(long Library) => Library;"), Expect.Clean);
        yield return new("parameter named builder", Lib("[Stencil] public static long A(long builder, [Hole] int global) => builder + global;"), Expect.Clean);
        yield return new("parameter named like the stencil", Lib("[Stencil] public static long A(long A) => A;"), Expect.Clean);

        // ---- parameters and return types ----
        yield return new("ref parameter", Lib("[Stencil] public static void A(ref long a) { a++; }"), Expect.PatchOnly, "PATCH0009");
        yield return new("in parameter", Lib("[Stencil] public static long A(in long a) => a;"), Expect.PatchOnly, "PATCH0009");
        yield return new("ref readonly parameter", Lib("[Stencil] public static long A(ref readonly long a) => a;"), Expect.PatchOnly, "PATCH0009");
        yield return new("scoped ref parameter", Lib("[Stencil] public static long A(scoped ref long a) => a;"), Expect.PatchOnly, "PATCH0009");
        yield return new("out hole", Lib("[Stencil] public static void A([Hole] out long a) { a = 1; }"), Expect.PatchOnly, "PATCH0011");
        yield return new("out target", Lib("[Stencil] public static void A(out Target t) { t = Target.Next; }"), Expect.PatchOnly, "PATCH0007");
        yield return new("target hole", Lib("[Stencil] public static Target A([Hole] Target t) => t;"), Expect.PatchOnly, "PATCH0011");
        yield return new("target attribute on long", Lib("[Stencil] public static void A([Target] long t) { }"), Expect.PatchOnly, "PATCH0010");
        yield return new("params parameter", Lib("[Stencil] public static long A(params long[] a) => a[0];"), Expect.PatchOnly);
        yield return new("params span parameter", Lib("[Stencil] public static long A(params ReadOnlySpan<long> a) => a[0];"), Expect.PatchOnly);
        yield return new("this parameter", Lib("[Stencil] public static long A(this long a) => a;"), Expect.Any);
        yield return new("optional parameter", Lib("[Stencil] public static long A(long a = 3) => a;"), Expect.Any);
        yield return new("string parameter", Lib("[Stencil] public static long A(string s) => 1;"), Expect.PatchOnly, "PATCH0007");
        yield return new("object parameter", Lib("[Stencil] public static long A(object o) => 1;"), Expect.PatchOnly, "PATCH0007");
        yield return new("dynamic parameter", Lib("[Stencil] public static long A(dynamic d) => 1;"), Expect.Problem);
        yield return new("decimal parameter", Lib("[Stencil] public static long A(decimal d) => 1;"), Expect.PatchOnly, "PATCH0007");
        yield return new("Int128 parameter", Lib("[Stencil] public static long A(Int128 d) => 1;"), Expect.PatchOnly, "PATCH0007");
        yield return new("struct parameter", Lib("public struct P { public long X; } [Stencil] public static long A(P p) => p.X;"), Expect.PatchOnly, "PATCH0007");
        yield return new("array parameter", Lib("[Stencil] public static long A(long[] a) => a[0];"), Expect.PatchOnly, "PATCH0007");
        yield return new("tuple parameter", Lib("[Stencil] public static long A((long, long) t) => t.Item1;"), Expect.PatchOnly, "PATCH0007");
        yield return new("nullable parameter", Lib("[Stencil] public static long A(long? a) => a ?? 0;"), Expect.PatchOnly, "PATCH0007");
        yield return new("undefined parameter type", Lib("[Stencil] public static long A(Nope a) => 1;"), Expect.Problem);
        yield return new("undefined return type", Lib("[Stencil] public static Nope A(long a) => default;"), Expect.Problem);
        yield return new("pointer to struct parameter", Lib("public struct P { public long X; } [Stencil] public static long A(P* p) => p->X;"), Expect.Clean);
        yield return new("pointer to pointer parameter", Lib("[Stencil] public static long A(long** p) => **p;"), Expect.Clean);
        yield return new("void pointer parameter", Lib("[Stencil] public static long A(void* p) => *(long*)p;"), Expect.Clean);
        yield return new("managed function pointer hole", Lib("[Stencil] public static long A(long a, [Hole] delegate*<long, long> f) => f(a);"), Expect.PatchOnly);
        yield return new("enum hole", Lib("public enum Op : byte { A, B } [Stencil] public static long A(long a, [Hole] Op op) => op == Op.A ? a : -a;"), Expect.Clean);
        yield return new("private enum hole", Lib("private enum Op : byte { A, B } [Stencil] public static long A(long a, [Hole] Op op) => op == Op.A ? a : -a;"), Expect.Problem);
        yield return new("private struct pointer hole", Lib("private struct P { public long X; } [Stencil] public static long A([Hole] P* p) => p->X;"), Expect.Problem);
        yield return new("every word type", Lib("[Stencil] public static double A(sbyte a, byte b, short c, ushort d, int e) => a + b + c + d + e; [Stencil] public static double B(uint f, long g, ulong h, nint i, nuint j) => f + g + (double)h + i + j; [Stencil] public static double C(char k, bool l, float m, double n) => k + (l ? 1 : 0) + m + n;", "[StencilLibrary(Registers = 2)]"), Expect.Clean);
        yield return new("every hole type", Lib("[Stencil] public static double A(long x, [Hole] sbyte a, [Hole] byte b, [Hole] short c, [Hole] ushort d, [Hole] int e, [Hole] uint f, [Hole] long g, [Hole] ulong h, [Hole] nint i, [Hole] nuint j, [Hole] char k, [Hole] bool l, [Hole] float m, [Hole] double n, [Hole] long* o) => x + a + b + c + d + e + f + g + (double)h + i + j + k + (l ? 1 : 0) + m + n + *o;"), Expect.Clean);
        yield return new("decimal return", Lib("[Stencil] public static decimal A(long a) => a;"), Expect.PatchOnly, "PATCH0008");
        yield return new("string return", Lib("[Stencil] public static string A(long a) => \"\";"), Expect.PatchOnly);
        yield return new("ref return", Lib("static long s; [Stencil] public static ref long A(long a) => ref s;"), Expect.PatchOnly, "PATCH0008");
        yield return new("tuple return", Lib("[Stencil] public static (long, long) A(long a) => (a, a);"), Expect.PatchOnly, "PATCH0008");
        yield return new("nullable return", Lib("[Stencil] public static long? A(long a) => a;"), Expect.PatchOnly, "PATCH0008");
        yield return new("iterator stencil", Lib("[Stencil] public static System.Collections.Generic.IEnumerable<long> A(long a) { yield return a; }"), Expect.PatchOnly, "PATCH0008");
        yield return new("async task stencil", Lib("[Stencil] public static async System.Threading.Tasks.Task<long> A(long a) { await System.Threading.Tasks.Task.Yield(); return a; }"), Expect.PatchOnly, "PATCH0008");
        yield return new("async void stencil with await", Lib("[Stencil] public static async void A(long a) { await System.Threading.Tasks.Task.Yield(); a++; }"), Expect.PatchOnly, "PATCH0018");
        yield return new("async void stencil without await", Lib("[Stencil] public static async void A(long a) { a++; }"), Expect.PatchOnly, "PATCH0018");
        yield return new("async pointer stencil", Lib("[Stencil] public static async void A(long* p) { *p = 1; }"), Expect.Problem);
        yield return new("return stencil with target", Lib("[Stencil(ReturnsToCaller = true)] public static long A(long a, Target t) => a;"), Expect.PatchOnly, "PATCH0014");
        yield return new("return stencil returning target", Lib("[Stencil(ReturnsToCaller = true)] public static Target A(long a) => Target.Next;"), Expect.PatchOnly, "PATCH0014");
        yield return new("return stencil with out", Lib("[Stencil(ReturnsToCaller = true)] public static long A(long a, out long b) { b = a; return a; }"), Expect.PatchOnly, "PATCH0014");
        yield return new("too many variants", Lib("[Stencil] public static long A(long a, long b, long c, long d, long e, long f, out long g, out long h) { g = a; h = b; return c + d + e + f; }", "[StencilLibrary(Registers = 11)]"), Expect.PatchOnly, "PATCH0013");
        yield return new("too many holes", Lib("[Stencil] public static long A(" + string.Join(", ", System.Linq.Enumerable.Range(0, 300).Select(i => $"[Hole] long h{i}")) + ") => h0;"), Expect.PatchOnly, "PATCH0015");
        yield return new("too many targets", Lib("[Stencil] public static Target A(" + string.Join(", ", System.Linq.Enumerable.Range(0, 300).Select(i => $"Target t{i}")) + ") => t0;"), Expect.PatchOnly, "PATCH0015");

        // ---- bodies ----
        yield return new("recursive stencil", Lib("[Stencil] public static long A(long a) => a == 0 ? 0 : A(a - 1);"), Expect.PatchOnly);
        yield return new("recursive helper", Lib("static long H(long a) => a == 0 ? 0 : H(a - 1); [Stencil] public static long A(long a) => H(a);"), Expect.PatchOnly, "PATCH0105");
        yield return new("mutually recursive helpers", Lib("static long H(long a) => a == 0 ? 0 : G(a - 1); static long G(long a) => H(a); [Stencil] public static long A(long a) => G(a);"), Expect.PatchOnly, "PATCH0105");
        yield return new("stencil calling a stencil", Lib("[Stencil] public static long B(long b) => b + 1; [Stencil] public static long A(long a) => B(a);"), Expect.Any);
        yield return new("helper calling a stencil that calls it", Lib("static long H(long a) => A(a); [Stencil] public static long A(long a) => a == 0 ? 0 : H(a - 1);"), Expect.PatchOnly);
        yield return new("helper without body", Lib("static extern long H(long a); [Stencil] public static long A(long a) => H(a);"), Expect.PatchOnly);
        yield return new("helper in another class", "using Patchouly; static class Help { public static long H(long a) => a * 2; } [StencilLibrary] public static partial class Lib { [Stencil] public static long A(long a) => Help.H(a); }", Expect.Any);
        yield return new("helper generic", Lib("static T H<T>(T a) => a; [Stencil] public static long A(long a) => H(a);"), Expect.PatchOnly);
        yield return new("helper with ref", Lib("static void H(ref long a) { a++; } [Stencil] public static long A(long a) { H(ref a); return a; }"), Expect.Any);
        yield return new("helper with out", Lib("static void H(out long a) { a = 1; } [Stencil] public static long A(long a) { H(out var b); return a + b; }"), Expect.Any);
        yield return new("helper with default argument", Lib("static long H(long a, long b = 2) => a + b; [Stencil] public static long A(long a) => H(a);"), Expect.Any);
        yield return new("helper with params", Lib("static long H(params long[] a) => a.Length; [Stencil] public static long A(long a) => H(a, a);"), Expect.PatchOnly);
        yield return new("helper with named arguments", Lib("static long H(long a, long b) => a - b; [Stencil] public static long A(long a) => H(b: 1, a: a);"), Expect.Any);
        yield return new("helper undefined", Lib("[Stencil] public static long A(long a) => Nope(a);"), Expect.Problem);
        yield return new("undefined identifier", Lib("[Stencil] public static long A(long a) => a + zz;"), Expect.Problem);
        yield return new("undefined member", Lib("[Stencil] public static long A(long a) => a.Nope;"), Expect.Problem);
        yield return new("wrong argument count", Lib("static long H(long a) => a; [Stencil] public static long A(long a) => H(a, a);"), Expect.Problem);
        yield return new("type error", Lib("[Stencil] public static long A(long a) => a + true;"), Expect.Problem);
        yield return new("assignment to parameter of wrong type", Lib("[Stencil] public static long A(long a) { a = \"x\"; return a; }"), Expect.Problem);
        yield return new("lambda", Lib("[Stencil] public static long A(long a) { Func<long, long> f = x => x + 1; return f(a); }"), Expect.PatchOnly);
        yield return new("static lambda", Lib("[Stencil] public static long A(long a) { var f = static (long x) => x + 1; return f(a); }"), Expect.PatchOnly);
        yield return new("lambda to function pointer", Lib("[Stencil] public static long A(long a) { delegate*<long, long> f = &H; return f(a); } static long H(long x) => x;"), Expect.Any);
        yield return new("local function", Lib("[Stencil] public static long A(long a) { return L(a); static long L(long x) => x + 1; }"), Expect.Any);
        yield return new("capturing local function", Lib("[Stencil] public static long A(long a) { long b = 2; return L(); long L() => a + b; }"), Expect.Any);
        yield return new("recursive local function", Lib("[Stencil] public static long A(long a) { return L(a); static long L(long x) => x == 0 ? 0 : L(x - 1); }"), Expect.PatchOnly);
        yield return new("anonymous method", Lib("[Stencil] public static long A(long a) { Func<long> f = delegate { return a; }; return f(); }"), Expect.PatchOnly);
        yield return new("await in body", Lib("[Stencil] public static long A(long a) { await System.Threading.Tasks.Task.Yield(); return a; }"), Expect.Problem);
        yield return new("yield in void stencil", Lib("[Stencil] public static void A(long a) { yield return; }"), Expect.Problem);
        yield return new("throw", Lib("[Stencil] public static long A(long a) => a == 0 ? throw new InvalidOperationException() : a;"), Expect.PatchOnly);
        yield return new("try catch", Lib("[Stencil] public static long A(long a) { try { return a; } catch { return 0; } }"), Expect.PatchOnly);
        yield return new("try finally", Lib("[Stencil] public static long A(long a) { try { return a; } finally { a++; } }"), Expect.PatchOnly);
        yield return new("using statement", Lib("[Stencil] public static long A(long a) { using (var d = new System.IO.MemoryStream()) { } return a; }"), Expect.PatchOnly);
        yield return new("lock", Lib("[Stencil] public static long A(long a) { lock (typeof(Lib)) { return a; } }"), Expect.PatchOnly);
        yield return new("foreach", Lib("[Stencil] public static long A(long* p) { long s = 0; foreach (var x in new long[3]) s += x; return s; }"), Expect.PatchOnly);
        yield return new("goto", Lib("[Stencil] public static long A(long a) { top: a--; if (a > 0) goto top; return a; }"), Expect.Any);
        yield return new("goto undefined label", Lib("[Stencil] public static long A(long a) { goto nowhere; }"), Expect.Problem);
        yield return new("switch statement", Lib("[Stencil] public static long A(long a) { switch (a) { case 0: return 1; case 1: case 2: return 3; default: return a; } }"), Expect.Any);
        yield return new("switch fallthrough", Lib("[Stencil] public static long A(long a) { switch (a) { case 0: a++; case 1: return 3; } return a; }"), Expect.Problem);
        yield return new("switch expression", Lib("[Stencil] public static long A(long a) => a switch { 0 => 1, < 0 => -1, _ => a };"), Expect.Any);
        yield return new("switch expression not exhaustive", Lib("[Stencil] public static long A(long a) => a switch { 0 => 1 };"), Expect.Any);
        yield return new("pattern matching", Lib("[Stencil] public static long A(long a) => a is > 0 and < 10 or 20 ? 1 : 0;"), Expect.Any);
        yield return new("is type pattern on object", Lib("[Stencil] public static long A(long a) { object o = a; return o is long l ? l : 0; }"), Expect.PatchOnly);
        yield return new("string", Lib("[Stencil] public static long A(long a) => \"abc\".Length + a;"), Expect.PatchOnly, "PATCH0101");
        yield return new("interpolated string", Lib("[Stencil] public static long A(long a) => $\"{a}\".Length;"), Expect.PatchOnly, "PATCH0101");
        yield return new("new object", Lib("[Stencil] public static long A(long a) => new object().GetHashCode();"), Expect.PatchOnly);
        yield return new("new array", Lib("[Stencil] public static long A(long a) => new long[a].Length;"), Expect.PatchOnly);
        yield return new("collection expression", Lib("[Stencil] public static long A(long a) { long[] x = [a, a]; return x[0]; }"), Expect.PatchOnly);
        yield return new("checked", Lib("[Stencil] public static long A(long a) => checked(a + 1);"), Expect.PatchOnly, "PATCH0104");
        yield return new("stackalloc managed", Lib("[Stencil] public static long A(long a) { Span<long> s = stackalloc long[4]; s[0] = a; return s[0]; }"), Expect.Any);
        yield return new("stackalloc variable size", Lib("[Stencil] public static long A(long a) { long* s = stackalloc long[(int)a]; return s[0]; }"), Expect.PatchOnly);
        yield return new("static field", Lib("static long s_x; [Stencil] public static long A(long a) => s_x + a;"), Expect.PatchOnly);
        yield return new("constant", Lib("const long K = 5; [Stencil] public static long A(long a) => K + a;"), Expect.Clean);
        yield return new("constant from undefined", Lib("const long K = Nope; [Stencil] public static long A(long a) => K + a;"), Expect.Problem);
        yield return new("circular constants", Lib("const long K = J; const long J = K; [Stencil] public static long A(long a) => K + a;"), Expect.Problem);
        yield return new("property call", Lib("static long P => 3; [Stencil] public static long A(long a) => P + a;"), Expect.Any);
        yield return new("Console call", Lib("[Stencil] public static long A(long a) { Console.WriteLine(a); return a; }"), Expect.PatchOnly, "PATCH0103");
        yield return new("Math call", Lib("[Stencil] public static long A(long a) => Math.Max(a, 3);"), Expect.Any);
        yield return new("dynamic local", Lib("[Stencil] public static long A(long a) { dynamic d = a; return d; }"), Expect.Problem);
        yield return new("sizeof struct", Lib("public struct P { public long X; public int Y; } [Stencil] public static long A(long a) => sizeof(P) + a;"), Expect.Any);
        yield return new("struct with managed field", Lib("public struct P { public string S; } [Stencil] public static long A(P* p) => 1;"), Expect.Problem);
        yield return new("self-referential struct", Lib("public struct P { public P* Next; public long X; } [Stencil] public static long A(P* p) => p->Next->X;"), Expect.Clean);
        yield return new("struct containing itself", Lib("public struct P { public P Inner; } [Stencil] public static long A(P* p) => 1;"), Expect.Problem);
        yield return new("mutually recursive structs", Lib("public struct P { public Q Q; } public struct Q { public P P; } [Stencil] public static long A(P* p) => 1;"), Expect.Problem);
        yield return new("generic struct pointer", Lib("public struct P<T> where T : unmanaged { public T X; } [Stencil] public static long A(P<long>* p) => p->X;"), Expect.Any);
        yield return new("huge struct", Lib("[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 1 << 30)] public struct P { public long X; } [Stencil] public static long A(long a) { P p = default; return p.X; }"), Expect.Any);
        yield return new("explicit layout struct", Lib("[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit)] public struct P { [System.Runtime.InteropServices.FieldOffset(0)] public long X; [System.Runtime.InteropServices.FieldOffset(-4)] public int Y; } [Stencil] public static long A(P* p) => p->X;"), Expect.Problem);
        yield return new("fixed buffer", Lib("public struct P { public fixed long X[4]; } [Stencil] public static long A(P* p) => p->X[2];"), Expect.Any);
        yield return new("fixed buffer zero", Lib("public struct P { public fixed long X[0]; } [Stencil] public static long A(P* p) => 1;"), Expect.Problem);
        yield return new("inline array", Lib("[System.Runtime.CompilerServices.InlineArray(4)] public struct B { private long _e; } [Stencil] public static long A(B* b) => (*b)[1];"), Expect.Any);
        yield return new("ref local", Lib("[Stencil] public static long A(long* p) { ref long r = ref p[1]; r++; return r; }"), Expect.Any);
        yield return new("out var in body", Lib("static bool T(long a, out long b) { b = a; return true; } [Stencil] public static long A(long a) => T(a, out var b) ? b : 0;"), Expect.Any);
        yield return new("default literal", Lib("[Stencil] public static long A(long a) => default;"), Expect.Clean);
        yield return new("division by constant zero", Lib("[Stencil] public static long A(long a) => a / 0;"), Expect.Any);
        yield return new("shift by huge", Lib("[Stencil] public static long A(long a) => a << 1000;"), Expect.Any);
        yield return new("overflowing constant", Lib("[Stencil] public static long A(long a) => a + 99999999999999999999;"), Expect.Problem);
        yield return new("nameof", Lib("[Stencil] public static long A(long a) => nameof(a).Length;"), Expect.Any);
        yield return new("typeof", Lib("[Stencil] public static long A(long a) => typeof(long).Name.Length;"), Expect.PatchOnly);
        yield return new("tuple local", Lib("[Stencil] public static long A(long a) { var (x, y) = (a, a); return x + y; }"), Expect.Any);
        yield return new("target comparison", Lib("[Stencil] public static Target A(Target t, Target u) => t == u ? t : u;"), Expect.Any);
        yield return new("target stored", Lib("static Target s; [Stencil] public static Target A(Target t) { s = t; return s; }"), Expect.PatchOnly);
        yield return new("target default", Lib("[Stencil] public static Target A(long a) => default;"), Expect.Any);
        yield return new("target new", Lib("[Stencil] public static Target A(long a) => new Target();"), Expect.Any);
        yield return new("unsafe context missing", "using Patchouly; [StencilLibrary] public static partial class L { [Stencil] public static long A(long* p) => *p; }", Expect.Problem);
        yield return new("unreachable code", Lib("[Stencil] public static long A(long a) { return a; a++; }"), Expect.Any);
        yield return new("infinite loop", Lib("[Stencil] public static void A(long* p) { while (true) { *p += 1; } }"), Expect.Any);
        yield return new("unused variable", Lib("[Stencil] public static long A(long a) { long unused; return a; }"), Expect.Any);
        yield return new("unassigned variable", Lib("[Stencil] public static long A(long a) { long b; return b; }"), Expect.Problem);
        yield return new("unassigned out", Lib("[Stencil] public static void A(long a, out long b) { }"), Expect.Problem);
        yield return new("variable shadowing", Lib("[Stencil] public static long A(long a) { { long a = 2; } return a; }"), Expect.Problem);
        yield return new("label named like C keyword", Lib("[Stencil] public static long A(long a) { long @int = a; long register = @int; long auto = register; long restrict = auto; return restrict; }"), Expect.Clean);
        yield return new("locals named like C types", Lib("[Stencil] public static long A(long a) { long uint64_t = a; long size_t = 2, NULL = 3; return uint64_t + size_t + NULL; }"), Expect.Clean);
        yield return new("unicode identifiers", Lib("[Stencil] public static long Ajouté(long é, [Hole] long ñ) { long 变量 = é + ñ; return 变量; }"), Expect.Clean);
        yield return new("escaped identifiers", Lib("[Stencil] public static long \\u0041B(long \\u0061) => a;"), Expect.Clean);

        // ---- unrelated code ----
        yield return new("plain class", "namespace N; public class C { public int X; public int M(int a) => a + X; }", Expect.Unrelated);
        yield return new("plain static partial class", "namespace N; public static partial class C { public static long A(long a) => a; }", Expect.Unrelated);
        yield return new("other attributes", "using System; namespace N; [Obsolete] public static partial class C { [Obsolete] public static long A([System.Diagnostics.CodeAnalysis.NotNull] object a) => 1; }", Expect.Unrelated);
        yield return new("Patchouly runtime user", "using Patchouly.Runtime; namespace N; public static class C { public static void M(FunctionBuilder b) { } }", Expect.Unrelated);
        yield return new("Target used outside stencils", "using Patchouly; namespace N; public static class C { public static Target T(Target t) => t; }", Expect.Unrelated);
        yield return new("hole outside stencils", "using Patchouly; namespace N; public static class C { public static long H([Hole] long a) => a; }", Expect.Any);
        yield return new("broken unrelated", "namespace N; public class C { public int M( { return }", Expect.Unrelated);
        yield return new("top-level statements", "System.Console.WriteLine(1); static long L(long a) => a;", Expect.Unrelated);
    }
}
