using System.Linq;

namespace Patchouly.Generators.Tests.Parsing;

/// <summary>[Pinned(n)]: PATCH0030 where a pin cannot be, and pinned signatures accepted.</summary>
public class PinnedTests
{
    private static void AssertPin(string stencil, string spanText, string messagePart)
    {
        var diagnostics = RoslynTestHost.Analyze("using Patchouly; [StencilLibrary(Registers = 3)] public static unsafe partial class Lib { " + stencil + " }");
        var d = Assert.Single(diagnostics, x => x.Id == "PATCH0030");
        Assert.Equal(spanText, RoslynTestHost.SpanText(d));
        Assert.Contains(messagePart, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void PATCH0030_register_out_of_range() =>
        AssertPin("[Stencil] public static long A([Pinned(3)] long a) => a;", "Pinned(3)", "register 3 is not one of the library's register locations 0 to 2");

    [Fact]
    public void PATCH0030_negative_register() =>
        AssertPin("[Stencil] public static long A([Pinned(-1)] long a) => a;", "Pinned(-1)", "register -1");

    [Fact]
    public void PATCH0030_pinned_hole() =>
        AssertPin("[Stencil] public static long A(long a, [Hole, Pinned(0)] long c) => a + c;", "Pinned(0)", "a hole is a constant");

    [Fact]
    public void PATCH0030_pinned_target() =>
        AssertPin("[Stencil] public static Target A(long a, [Pinned(0)] Target t) => t;", "Pinned(0)", "a target is not a value");

    [Fact]
    public void PATCH0030_two_outputs_in_one_register() =>
        AssertPin("[Stencil][return: Pinned(1)] public static long A(long a, [Pinned(1)] out long b) { b = a; return a; }", "A", "two outputs are pinned to register 1");

    [Fact]
    public void PATCH0030_pinned_void_return() =>
        AssertPin("[Stencil][return: Pinned(1)] public static void A(long a) { }", "Pinned(1)", "it returns no value");

    [Fact]
    public void Pins_on_inputs_outputs_and_the_return_value_are_accepted()
    {
        var diagnostics = RoslynTestHost.Analyze("""
            using Patchouly;
            [StencilLibrary(Registers = 3)]
            public static unsafe partial class Lib
            {
                [Stencil][return: Pinned(0)] public static byte* Move([Pinned(0)] byte* p, [Hole] nint n) => p + n;
                [Stencil] public static void Pair([Pinned(2)] long a, long b, [Pinned(1)] out long c, out long d) { c = a; d = b; }
                [Stencil] public static Target Same([Pinned(1)] long a, [Pinned(1)] long b, Target t) => a == b ? t : Target.Next;
            }
            """);
        Assert.DoesNotContain(diagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }
}
