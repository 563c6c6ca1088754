using System.Linq;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>Everything the translator cannot translate faithfully is a diagnostic at the exact source location.</summary>
public class DiagnosticsTests
{
    private static string Library(string members) => TranslationHarness.Usings + """
        public struct Pair { public int A; public int B; }
        public struct Built { public int A; public Built(int a) { A = a; } }
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)] public struct AutoPair { public int A; public long B; }
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 10)] public struct OddSize { public long A; }
        public struct Big { public long A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q; }
        public struct HasAuto { public int X; public AutoPair Inner; }

        [StencilLibrary]
        public static unsafe partial class Lib
        {
            static int counter;
            static readonly int Ready = 5;
            const int Constant = 7;
            static int Property => 3;

        """ + members + "\n}\n";

    /// <summary>Translates <paramref name="members"/> and asserts exactly one diagnostic, with id <paramref name="id"/>,
    /// whose span is the (unique) occurrence of <paramref name="spanText"/> in the source, on the line of that occurrence.</summary>
    private static DiagnosticInfo AssertDiagnostic(string members, string id, string spanText, int occurrence = 0)
    {
        string source = Library(members);
        var library = TranslationHarness.Translate(source);
        var diagnostic = Assert.Single(library.Diagnostics);
        Assert.Equal(id, diagnostic.Id);

        int index = -1;
        for (int i = 0; i <= occurrence; i++) index = source.IndexOf(spanText, index + 1, System.StringComparison.Ordinal);
        Assert.True(index >= 0, "span text not found in the source");
        int line = source.Take(index).Count(c => c == '\n');
        int column = index - (source.LastIndexOf('\n', index - 1) + 1);
        Assert.Equal(spanText, source.Substring(diagnostic.Span.Start, diagnostic.Span.Length));
        Assert.Equal(index, diagnostic.Span.Start);
        Assert.Equal(line, diagnostic.LineSpan.Start.Line);
        Assert.Equal(column, diagnostic.LineSpan.Start.Character);
        Assert.Equal("Stencils.cs", diagnostic.FilePath);
        Assert.DoesNotContain("{0}", diagnostic.Message);
        Assert.DoesNotContain("{1}", diagnostic.Message);
        Assert.Empty(library.Functions);
        return diagnostic;
    }

    [Fact]
    public void StringLiteralIsPATCH0101()
    {
        var d = AssertDiagnostic("""
            [Stencil] public static int S(int x)
            {
                string s = "hello";
                return x;
            }
            """, "PATCH0101", "\"hello\"");
        Assert.Contains("string", d.Message);
    }

    [Fact]
    public void StringMemberIsPATCH0101() =>
        AssertDiagnostic("[Stencil] public static int S(int x) => x + nameof(x).Length;", "PATCH0101", "nameof(x)");

    [Fact]
    public void InterpolatedStringIsPATCH0101() =>
        AssertDiagnostic("[Stencil] public static void S(int x) { var s = $\"{x}\"; }", "PATCH0101", "$\"{x}\"");

    [Fact]
    public void ArrayCreationIsPATCH0102() =>
        AssertDiagnostic("""
            [Stencil] public static int S(int x)
            {
                int* p = &x;
                var a = new int[3];
                return *p;
            }
            """, "PATCH0102", "new int[3]");

    [Fact]
    public void ObjectCreationIsPATCH0102()
    {
        var d = AssertDiagnostic("[Stencil] public static void S(int x) { object o = new object(); }", "PATCH0102", "new object()");
        Assert.Contains("pointer parameter", d.Message);
    }

    [Fact]
    public void StructCreationWithAConstructorIsPATCH0102() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { var p = new Built(x); return p.A; }", "PATCH0102", "new Built(x)");

    [Fact]
    public void StackAllocWithAVariableSizeIsPATCH0112()
    {
        var d = AssertDiagnostic("[Stencil] public static int S(int x) { int* p = stackalloc int[x]; return *p; }", "PATCH0112", "stackalloc int[x]");
        Assert.Contains("constant", d.Message);
    }

    [Fact]
    public void LargeStackAllocIsPATCH0112()
    {
        var d = AssertDiagnostic("[Stencil] public static int S(int x) { long* p = stackalloc long[513]; return (int)*p; }", "PATCH0112", "stackalloc long[513]");
        Assert.Contains("4104 bytes", d.Message);
    }

    [Fact]
    public void StackAllocInALoopIsPATCH0112()
    {
        var d = AssertDiagnostic("[Stencil] public static int S(int x) { int s = 0; for (int i = 0; i < x; i++) { int* p = stackalloc int[2]; s += *p; } return s; }", "PATCH0112", "stackalloc int[2]");
        Assert.Contains("loop", d.Message);
    }

    [Fact]
    public void StackAllocIntoASpanIsReported()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static int S(int x) { Span<int> p = stackalloc int[2]; return x; }"));
        Assert.NotEmpty(library.Diagnostics);
        Assert.Empty(library.Functions);
    }

    [Fact]
    public void AutoLayoutStructIsPATCH0111AtItsUse()
    {
        var d = AssertDiagnostic("[Stencil] public static long S(AutoPair* p) { AutoPair q = *p; return q.B; }", "PATCH0111", "q = *p");
        Assert.Contains("LayoutKind.Auto", d.Message);
    }

    [Fact]
    public void AStructContainingAnAutoLayoutStructIsPATCH0111()
    {
        var d = AssertDiagnostic("[Stencil] public static int S(HasAuto* ptr) => ptr->X;", "PATCH0111", "ptr", 1);
        Assert.Contains("Inner", d.Message);
    }

    [Fact]
    public void APointerToAnAutoLayoutStructIsFine()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static long S(AutoPair* p, long x) => (long)(p + 1) + x;"));
        Assert.Empty(library.Diagnostics);
    }

    [Fact]
    public void SizeThatIsNotAMultipleOfTheAlignmentIsPATCH0111()
    {
        var d = AssertDiagnostic("[Stencil] public static long S(OddSize* ptr) => ptr->A;", "PATCH0111", "ptr", 1);
        Assert.Contains("multiple of its alignment (8)", d.Message);
    }

    [Fact]
    public void LargeStructLocalIsPATCH0114()
    {
        var d = AssertDiagnostic("[Stencil] public static long S(Big* p) { Big b = *p; return b.A; }", "PATCH0114", "*p");
        Assert.Contains("136 bytes", d.Message);
    }

    [Fact]
    public void LargeStructFieldsThroughAPointerAreFine()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static long S(Big* p) { p->Q = p->A + p[1].B; return p->Q; }"));
        Assert.Empty(library.Diagnostics);
    }

    [Fact]
    public void MathSinIsPATCH0113()
    {
        var d = AssertDiagnostic("[Stencil] public static double S(double x) => Math.Sin(x);", "PATCH0113", "Math.Sin(x)");
        Assert.Contains("C math library", d.Message);
    }

    [Fact]
    public void MathRoundToDigitsIsPATCH0113() =>
        AssertDiagnostic("[Stencil] public static double S(double x) => Math.Round(x, 2);", "PATCH0113", "Math.Round(x, 2)");

    [Fact]
    public void UnsafeCopyBlockIsPATCH0113() =>
        AssertDiagnostic("[Stencil] public static void S(byte* p, byte* q) { System.Runtime.CompilerServices.Unsafe.CopyBlock(p, q, 16); }", "PATCH0113", "System.Runtime.CompilerServices.Unsafe.CopyBlock(p, q, 16)");

    [Fact]
    public void BitCastOfDifferentSizesIsPATCH0113() =>
        AssertDiagnostic("[Stencil] public static long S(int x) => System.Runtime.CompilerServices.Unsafe.BitCast<int, long>(x);", "PATCH0113", "System.Runtime.CompilerServices.Unsafe.BitCast<int, long>(x)");

    [Fact]
    public void ConsoleWriteLineIsPATCH0103()
    {
        var d = AssertDiagnostic("""
            [Stencil] public static void S(int x)
            {
                Console.WriteLine(x);
            }
            """, "PATCH0103", "Console.WriteLine(x)");
        Assert.Contains("Console.WriteLine", d.Message);
        Assert.Contains("'Lib'", d.Message);
    }

    [Fact]
    public void OtherBclCallIsPATCH0103() =>
        AssertDiagnostic("[Stencil] public static long S(int x) => GC.GetTotalMemory(false) + x;", "PATCH0103", "GC.GetTotalMemory(false)");

    [Fact]
    public void GenericHelperIsPATCH0103() =>
        AssertDiagnostic("""
            static T Id<T>(T x) => x;
            [Stencil] public static int S(int x) => Id(x);
            """, "PATCH0103", "Id(x)");

    [Fact]
    public void ExternHelperIsPATCH0103() =>
        AssertDiagnostic("""
            [System.Runtime.InteropServices.DllImport("libc")] static extern int abs(int x);
            [Stencil] public static int S(int x) => abs(x);
            """, "PATCH0103", "abs(x)");

    [Fact]
    public void CheckedArithmeticIsPATCH0104() =>
        AssertDiagnostic("[Stencil] public static int S(int a, int b) => checked(a + b);", "PATCH0104", "a + b");

    [Fact]
    public void CheckedConversionIsPATCH0104() =>
        AssertDiagnostic("[Stencil] public static byte S(int a) { checked { return (byte)a; } }", "PATCH0104", "(byte)a");

    [Fact]
    public void CheckedWideningIsFine()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static long S(int a) => checked((long)a);"));
        Assert.Empty(library.Diagnostics);
    }

    [Fact]
    public void DirectRecursionIsPATCH0105()
    {
        var d = AssertDiagnostic("""
            static int Down(int x) => x <= 0 ? 0 : Down(x - 1);
            [Stencil] public static int S(int x) => Down(x);
            """, "PATCH0105", "Down(x - 1)");
        Assert.Contains("Down -> Down", d.Message);
    }

    [Fact]
    public void IndirectRecursionIsPATCH0105()
    {
        var d = AssertDiagnostic("""
            static int Ping(int x) => x <= 0 ? 0 : Pong(x - 1);
            static int Pong(int x) => Ping(x / 2);
            [Stencil] public static int S(int x) => Ping(x) + Pong(x);
            """, "PATCH0105", "Ping(x / 2)");
        Assert.Contains("Ping -> Pong -> Ping", d.Message);
    }

    [Fact]
    public void StencilCycleIsPATCH0105()
    {
        var d = AssertDiagnostic("""
            [Stencil] public static int A(int x) => x > 0 ? B(x - 1) : 0;
            [Stencil] public static int B(int x) => A(x);
            """, "PATCH0105", "A(x)");
        Assert.Contains("A -> B -> A", d.Message);
    }

    [Fact]
    public void ThrowIsPATCH0106() =>
        AssertDiagnostic("""
            [Stencil] public static int S(int x)
            {
                if (x < 0) throw new ArgumentException();
                return x;
            }
            """, "PATCH0106", "throw");

    [Fact]
    public void TryIsPATCH0106() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { try { x++; } finally { x--; } return x; }", "PATCH0106", "try");

    [Fact]
    public void LambdaIsPATCH0107() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { Func<int, int> f = y => y + 1; return x; }", "PATCH0107", "y => y + 1");

    [Fact]
    public void LocalFunctionIsPATCH0107() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { int Twice(int y) => y * 2; return x; }", "PATCH0107", "Twice");

    [Fact]
    public void DecimalIsPATCH0108() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { decimal d = 1.5m; return x; }", "PATCH0108", "1.5m");

    [Fact]
    public void StructFromAnotherAssemblyIsPATCH0108()
    {
        var d = AssertDiagnostic("[Stencil] public static int S(int x) { Guid g = default; return x; }", "PATCH0108", "default");
        Assert.Contains("another assembly", d.Message);
    }

    [Fact]
    public void BoxingIsPATCH0108() =>
        AssertDiagnostic("""
            [Stencil] public static int S(int x) { object o = x + 1; return x; }
            """, "PATCH0108", "x + 1");

    [Fact]
    public void ManagedFunctionPointerCallIsPATCH0108()
    {
        var d = AssertDiagnostic("""
            static int Twice(int x) => x * 2;
            [Stencil] public static int S(int x) { delegate*<int, int> f = null; return f(x); }
            """, "PATCH0108", "null");
        Assert.Contains("delegate*<int, int>", d.Message);
    }

    [Fact]
    public void UnsupportedHelperParameterIsPATCH0108AtTheParameterType() =>
        AssertDiagnostic("""
            static int Sum(decimal p) => 0;
            [Stencil] public static int S(int x) => Sum(default);
            """, "PATCH0108", "decimal");

    [Fact]
    public void StaticFieldIsPATCH0109()
    {
        var d = AssertDiagnostic("[Stencil] public static int S(int x) => x + counter;", "PATCH0109", "counter", occurrence: 1);
        Assert.Contains("Lib.counter", d.Message);
    }

    [Fact]
    public void StaticReadonlyFieldIsPATCH0109() =>
        AssertDiagnostic("[Stencil] public static int S(int x) => x + Ready;", "PATCH0109", "Ready", occurrence: 1);

    [Fact]
    public void PropertyIsPATCH0109() =>
        AssertDiagnostic("[Stencil] public static int S(int x) => x + Property;", "PATCH0109", "Property", occurrence: 1);

    [Fact]
    public void ConstantsAreFine()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static int S(int x) => x + Constant + (int)StencilOptimization.O3 + int.MaxValue;"));
        Assert.Empty(library.Diagnostics);
        Assert.Contains("7", library.Functions["S"]);
    }

    [Fact]
    public void ForEachIsPATCH0110() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { foreach (var c in \"\") { } return x; }", "PATCH0110", "foreach");

    /// <summary>Roslyn binds the labels of a switch on nint/nuint as constant patterns; they are constants all the same.</summary>
    [Fact]
    public void SwitchOnNintTranslatesItsConstantLabels()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static long S(nint x, nuint y) { switch (x) { case 0: return 1; case (nint)(-1): case 5: return 2; } switch (y) { case 7: return 3; default: return 4; } }"));
        Assert.Empty(library.Diagnostics);
        string c = library.Functions["S"];
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(c, @"\bcase\b").Count);
        Assert.Contains("case ((intptr_t)(-INT64_C(1))):", c);
        Assert.Contains("case ((uintptr_t)UINT64_C(7)):", c);
        Assert.Contains("default:", c);
    }

    [Fact]
    public void GotoCaseIsPATCH0110() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { switch (x) { case 1: x++; goto case 2; case 2: return x; } return 0; }", "PATCH0110", "goto");

    [Fact]
    public void GotoAndLabelAreBothPATCH0110()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static int S(int x) { if (x > 0) goto done; x++; done: return x; }"));
        Assert.Equal(new[] { "PATCH0110", "PATCH0110" }, library.Diagnostics.Select(d => d.Id).ToArray());
        Assert.Contains("'goto'", library.Diagnostics[0].Message);
        Assert.Contains("'label'", library.Diagnostics[1].Message);
    }

    [Fact]
    public void LabelIsPATCH0110() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { again: x++; return x; }", "PATCH0110", "again");

    [Fact]
    public void LockIsPATCH0110() =>
        AssertDiagnostic("[Stencil] public static int S(int x, void* p) { lock (typeof(Lib)) { x++; } return x; }", "PATCH0110", "lock");

    [Fact]
    public void FixedIsPATCH0110() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { fixed (int* p = &counter) { x += *p; } return x; }", "PATCH0110", "fixed");

    [Fact]
    public void UsingIsPATCH0110() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { using (var d = (IDisposable)null) { } return x; }", "PATCH0110", "using", occurrence: 2);

    [Fact]
    public void PatternIsPATCH0100()
    {
        var d = AssertDiagnostic("[Stencil] public static bool S(int x) => x is > 5 and < 10;", "PATCH0100", "x is > 5 and < 10");
        Assert.Contains("not supported in stencil code", d.Message);
    }

    [Fact]
    public void SwitchExpressionIsPATCH0100() =>
        AssertDiagnostic("[Stencil] public static int S(int x) => x switch { 1 => 2, _ => 3 };", "PATCH0100", "x switch { 1 => 2, _ => 3 }");

    [Fact]
    public void FloatRemainderIsPATCH0100() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { double d = x; return (int)(d % 3.0); }", "PATCH0100", "d % 3.0");

    [Fact]
    public void PatternCaseLabelIsPATCH0100() =>
        AssertDiagnostic("[Stencil] public static int S(int x) { switch (x) { case > 5: return 1; default: return 0; } }", "PATCH0100", "case > 5:");

    [Fact]
    public void EveryDiagnosticIsReportedOnceEvenWhenAHelperIsSharedByStencils()
    {
        var library = TranslationHarness.Translate(Library("""
            static int Bad(int x) { Console.WriteLine(x); return x; }
            [Stencil] public static int S1(int x) => Bad(x);
            [Stencil] public static int S2(int x) => Bad(x) + 1;
            [Stencil] public static int S3(int x) => x;
            """));
        var d = Assert.Single(library.Diagnostics);
        Assert.Equal("PATCH0103", d.Id);
        Assert.Equal(new[] { "S3" }, library.Functions.Keys.ToArray());
        Assert.DoesNotContain("h_Bad", library.Prelude);
    }

    [Fact]
    public void SeveralProblemsInOneStencilAreAllReported()
    {
        string members = """
            [Stencil] public static int S(int x)
            {
                Console.WriteLine(x);
                var a = new int[2];
                string s = "x";
                return checked(x * 2);
            }
            """;
        string source = Library(members);
        var library = TranslationHarness.Translate(source);
        Assert.Equal(new[] { "PATCH0103", "PATCH0102", "PATCH0101", "PATCH0104" }, library.Diagnostics.Select(d => d.Id).ToArray());
        int first = source.Substring(0, source.IndexOf("Console.WriteLine", System.StringComparison.Ordinal)).Count(c => c == '\n');
        Assert.Equal(new[] { first, first + 1, first + 2, first + 3 }, library.Diagnostics.Select(d => d.LineSpan.Start.Line).ToArray());
    }

    [Fact]
    public void CompileErrorsAreNotReportedTwiceAndTranslationFails()
    {
        var library = TranslationHarness.Translate(Library("[Stencil] public static int S(int x) => x + undefinedName;"), allowErrors: true);
        Assert.Empty(library.Diagnostics);
        Assert.Empty(library.Functions);
    }

    [Fact]
    public void DescriptorsAreInTheTranslationRangeAndDistinct()
    {
        var ids = DiagnosticDescriptors.All.Where(d => d.Category == "Patchouly.Translation").Select(d => d.Id).ToList();
        Assert.Equal(Enumerable.Range(100, 15).Select(i => "PATCH0" + i).ToArray(), ids.ToArray());
        Assert.All(DiagnosticDescriptors.All.Where(d => d.Category == "Patchouly.Translation"), d => Assert.EndsWith(d.Id.ToLowerInvariant(), d.HelpLinkUri));
    }
}
