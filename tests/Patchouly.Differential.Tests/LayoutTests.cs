using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Patchouly.Generators.Translation;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>
/// The struct layouts Patchouly computes from the C# declarations (and asserts in C with _Static_assert) are the
/// CLR's: every size and field offset is compared with what the running .NET gives for the same declarations.
/// </summary>
public class LayoutTests
{
    private readonly ITestOutputHelper _output;

    public LayoutTests(ITestOutputHelper output) => _output = output;

    private const string Structs = """
        using System.Runtime.InteropServices;
        namespace Layouts;
        public enum Small : short { A }
        public struct S1 { public byte A; public int B; public long C; }
        [StructLayout(LayoutKind.Sequential, Pack = 2, Size = 20)] public struct S2 { public int A; public long B; public bool C; }
        [StructLayout(LayoutKind.Sequential, Size = 16)] public struct S3 { public long A; }
        [StructLayout(LayoutKind.Sequential, Size = 3)] public struct S4 { public int A; }
        public struct S5 { public bool B; public char C; public bool D; public long L; }
        [StructLayout(LayoutKind.Sequential, Pack = 1)] public struct S6 { public byte A; public S1 N; }
        public struct S7 { public byte A; public S6 N; public short X; }
        [StructLayout(LayoutKind.Explicit)] public struct E1 { [FieldOffset(0)] public int A; [FieldOffset(0)] public float F; [FieldOffset(4)] public byte C; }
        [StructLayout(LayoutKind.Explicit)] public struct E2 { [FieldOffset(1)] public int A; [FieldOffset(6)] public long L; }
        [StructLayout(LayoutKind.Explicit, Size = 16)] public struct E3 { [FieldOffset(0)] public int A; }
        [StructLayout(LayoutKind.Explicit, Pack = 1)] public struct E4 { [FieldOffset(1)] public long L; }
        [StructLayout(LayoutKind.Explicit, Pack = 4)] public struct E5 { [FieldOffset(4)] public long L; [FieldOffset(0)] public S1 N; }
        public unsafe struct F1 { public byte A; public fixed short Buf[3]; public int X; }
        public unsafe struct F2 { public fixed double D[2]; public fixed bool B[3]; }
        public struct Empty { }
        public struct HasEmpty { public Empty E; public Empty F; public int X; }
        [StructLayout(LayoutKind.Sequential, Pack = 16)] public struct S8 { public byte A; public long B; }
        public unsafe struct S9 { public byte A; public void* P; public Small E; public delegate* unmanaged<int, int> F; public S9* Self; }
        [StructLayout(LayoutKind.Sequential, Pack = 4)] public struct S10 { public byte A; public long B; public S1 N; }
        public struct S11 { public byte A; public double D; public float F; public nint N; public nuint U; }
        public record struct R1(int A, byte B, long C);
        public struct Props { public int X { get; set; } public byte Y; public long Z { get; } }
        """;

    [Fact]
    public unsafe void Computed_layouts_are_the_CLRs()
    {
        var compilation = Pipeline.CompileCSharp([Structs], "Layouts");
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var types = compilation.GlobalNamespace.GetNamespaceMembers().Single(n => n.Name == "Layouts").GetTypeMembers()
            .Where(t => t.TypeKind == TypeKind.Struct).ToList();

        // Managed probes: sizeof(T) and each field's offset, measured by the runtime.
        var probes = new StringBuilder("public static unsafe class __Probe\n{\n");
        foreach (var t in types)
        {
            probes.Append("    public static string ").Append(t.Name).Append("() { global::Layouts.").Append(t.Name).Append(" s = default; byte* b = (byte*)&s; return sizeof(global::Layouts.").Append(t.Name).Append(").ToString()");
            foreach (var f in t.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsImplicitlyDeclared))
                probes.Append(" + \";").Append(f.Name).Append("=\" + ((byte*)").Append(f.IsFixedSizeBuffer ? "s." : "&s.").Append(f.Name).Append(" - b)");
            probes.Append("; }\n");
        }
        probes.Append("}\n");
        var assembly = Pipeline.LoadManaged(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(probes.ToString(), new CSharpParseOptions(LanguageVersion.Latest))));
        var probe = assembly.GetType("__Probe")!;

        var layouts = new Dictionary<INamedTypeSymbol, StructLayoutInfo>(SymbolEqualityComparer.Default);
        StructLayoutInfo Layout(INamedTypeSymbol t) => layouts.TryGetValue(t, out var l) ? l : layouts[t] = CStructs.Compute(t, Layout);
        int checkedTypes = 0;
        foreach (var t in types)
        {
            string clr = (string)probe.GetMethod(t.Name)!.Invoke(null, null)!;
            var layout = Layout(t);
            if (layout.Error is not null)
            {
                _output.WriteLine($"{t.Name}: not supported ({layout.Error}); the CLR says {clr}");
                Assert.Equal("S4", t.Name); // Size = 3 with an int field: the CLR ignores the size, which is not a multiple of 4
                continue;
            }
            var computed = new StringBuilder(layout.Size.ToString());
            foreach (var f in layout.Fields.Where(f => !f.Name.StartsWith('<')))
                computed.Append(';').Append(f.Name).Append('=').Append(f.Offset);
            _output.WriteLine($"{t.Name}: {clr}");
            Assert.Equal(clr, computed.ToString());
            checkedTypes++;
        }
        Assert.True(checkedTypes >= 20);
    }

    [Fact]
    public void The_C_compiler_agrees_with_the_computed_layouts()
    {
        // Every struct through the build: clang checks the _Static_asserts of each (pointers only, so nothing is copied).
        string[] names = { "S1", "S2", "S3", "S4", "S5", "S6", "S7", "E1", "E2", "E3", "E4", "E5", "F1", "F2", "HasEmpty", "S8", "S9", "S10", "S11", "R1", "Props" };
        string stencils = Structs.Replace("namespace Layouts;", "namespace Layouts;\n[Patchouly.StencilLibrary(Registers = 1)]\npublic static unsafe partial class Uses\n{\n"
            + string.Concat(names.Select(n => $"    [Patchouly.Stencil] public static long Use{n}({n}* p) => sizeof({n}) + (long)(p + 1);\n")) + "}\n");
        var built = Pipeline.Build(stencils);
        Assert.Contains("_Static_assert(sizeof(struct s_Layouts_0S2) == 20", built.Source.Prelude);
        Assert.Contains("offsetof(struct s_Layouts_0E2, f_L) == 6", built.Source.Prelude);
    }
}
