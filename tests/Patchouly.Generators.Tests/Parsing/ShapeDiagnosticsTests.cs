using System.Linq;

namespace Patchouly.Generators.Tests.Parsing;

/// <summary>Each shape diagnostic (PATCH0001-PATCH0015) at its exact location.</summary>
public class ShapeDiagnosticsTests
{
    private static void AssertSingle(string source, string id, string spanText)
    {
        var diagnostics = RoslynTestHost.Analyze(source);
        var d = Assert.Single(diagnostics, x => x.Id == id);
        Assert.Equal(spanText, RoslynTestHost.SpanText(d));
    }

    [Fact]
    public void PATCH0001_library_not_static_partial() =>
        AssertSingle("using Patchouly; [StencilLibrary] public partial class Lib { [Stencil] public static long A(long a) => a; }", "PATCH0001", "Lib");

    [Fact]
    public void PATCH0001_library_not_partial() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static class Lib2 { }", "PATCH0001", "Lib2");

    [Fact]
    public void PATCH0002_nested_library() =>
        AssertSingle("using Patchouly; public static partial class Outer { [StencilLibrary] public static partial class Inner { } }", "PATCH0002", "Inner");

    [Fact]
    public void PATCH0003_stencil_outside_library() =>
        AssertSingle("using Patchouly; public static class Plain { [Stencil] public static long Lost(long a) => a; }", "PATCH0003", "Lost");

    [Fact]
    public void PATCH0004_instance_stencil() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static long G<T>(long a) => a; }", "PATCH0004", "G");

    [Fact]
    public void PATCH0005_overloaded_stencil() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static long A(long a) => a; [Stencil] public static long A(int a) => a; }", "PATCH0005", "A");

    [Fact]
    public void PATCH0006_reserved_name() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static long __move(long a) => a; }", "PATCH0006", "__move");

    [Fact]
    public void PATCH0007_unsupported_parameter_type() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static long A(string text) => 1; }", "PATCH0007", "text");

    [Fact]
    public void PATCH0008_unsupported_return_type() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static decimal D(long a) => a; }", "PATCH0008", "D");

    [Fact]
    public void PATCH0007_and_PATCH0008_name_every_supported_kind_of_type_including_float_and_double()
    {
        var diagnostics = RoslynTestHost.Analyze("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static decimal D(string text) => 1; }");
        string parameter = Assert.Single(diagnostics, x => x.Id == "PATCH0007").GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        string result = Assert.Single(diagnostics, x => x.Id == "PATCH0008").GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'text' has type 'string'", parameter);
        Assert.Contains("returns 'decimal'", result);
        foreach (var kind in new[] { "integer", "bool", "char", "enum", "float", "double", "pointer", "unmanaged function pointer" })
        {
            Assert.Contains(kind, parameter);
            Assert.Contains(kind, result);
        }

        // What the messages offer is accepted.
        Assert.Empty(RoslynTestHost.Analyze("""
            using Patchouly;
            [StencilLibrary] public static unsafe partial class Lib
            {
                [Stencil] public static double F(float a, double b, [Hole] double c) => a * b + c;
                [Stencil] public static float G(double a) => (float)a;
                [Stencil] public static delegate* unmanaged<long, long> P(delegate* unmanaged<long, long> f) => f;
            }
            """));
    }

    [Fact]
    public void PATCH0009_ref_parameter() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static void R(ref long a) { } }", "PATCH0009", "a");

    [Fact]
    public void PATCH0010_target_attribute_on_non_target() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static void T([Target] long t) { } }", "PATCH0010", "t");

    [Fact]
    public void PATCH0011_hole_on_out_parameter() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static void H([Hole] out long h) { h = 1; } }", "PATCH0011", "h");

    [Fact]
    public void PATCH0012_register_count_out_of_range() =>
        AssertSingle("using Patchouly; [StencilLibrary(Registers = 12)] public static partial class Lib { }", "PATCH0012", "StencilLibrary(Registers = 12)");

    [Fact]
    public void PATCH0013_too_many_variants() =>
        AssertSingle("using Patchouly; [StencilLibrary(Registers = 9)] public static partial class Lib { [Stencil] public static long Big(long a, long b, long c, long d, long e) => a; }", "PATCH0013", "Big");

    [Fact]
    public void PATCH0014_return_stencil_with_target() =>
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil(ReturnsToCaller = true)] public static long R(long a, Target t) => a; }", "PATCH0014", "R");

    [Fact]
    public void PATCH0015_too_many_holes()
    {
        string holes = string.Join(", ", Enumerable.Range(0, 256).Select(i => $"[Hole] int h{i}"));
        AssertSingle("using Patchouly; [StencilLibrary] public static partial class Lib { [Stencil] public static void Many(" + holes + ") { } }", "PATCH0015", "Many");
    }

    [Fact]
    public void Valid_library_has_no_diagnostics()
    {
        var diagnostics = RoslynTestHost.Analyze("""
            using Patchouly;
            [StencilLibrary(Registers = 3)]
            public static unsafe partial class Lib
            {
                [Stencil] public static long Add(long a, long b) => a + b;
                [Stencil] public static void Store(long* p, long v, [Hole] int offset) { p[offset] = v; }
                [Stencil] public static Target IfZero(long a, Target zero, [Target] Target nonZero) => a == 0 ? zero : nonZero;
                [Stencil] public static Target DivMod(long a, long b, Target fail, out long q, out long r) { q = 0; r = 0; if (b == 0) return fail; q = a / b; r = a % b; return Target.Next; }
                [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
            }
            """);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Every_descriptor_is_documented()
    {
        string docs = System.IO.File.ReadAllText(System.IO.Path.Combine(FindRoot(), "docs", "diagnostics.md"));
        foreach (var d in Patchouly.Generators.Diagnostics.DiagnosticDescriptors.All)
            Assert.True(docs.Contains("### " + d.Id), $"{d.Id} ({d.Title}) has no entry in docs/diagnostics.md");
    }

    [Fact]
    public void Every_help_link_is_the_entry_in_docs_diagnostics_md_that_the_package_ships()
    {
        // Relative to the repository root and to the package's folder (nuget/Patchouly.csproj packs docs/*.md as docs/);
        // PackageTests checks that the package has docs/diagnostics.md.
        string root = FindRoot();
        foreach (var d in Patchouly.Generators.Diagnostics.DiagnosticDescriptors.All)
        {
            Assert.Equal("docs/diagnostics.md#" + d.Id.ToLowerInvariant(), d.HelpLinkUri);
            string file = d.HelpLinkUri[..d.HelpLinkUri.IndexOf('#')];
            string text = System.IO.File.ReadAllText(System.IO.Path.Combine(root, file));
            Assert.Matches(@"(?m)^#+ " + d.Id + "$", text); // the heading whose anchor is #patchnnnn
        }
        Assert.Contains(@"..\docs\*.md", System.IO.File.ReadAllText(System.IO.Path.Combine(root, "nuget", "Patchouly.csproj")));
    }

    private static string FindRoot()
    {
        for (var dir = new System.IO.DirectoryInfo(System.AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Patchouly.slnx"))) return dir.FullName;
        throw new System.InvalidOperationException("repository root not found");
    }
}
