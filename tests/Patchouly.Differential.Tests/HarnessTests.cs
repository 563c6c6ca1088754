using System;
using System.Linq;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>The harness itself: it must see differences. These stencils depend on the address of their buffer, which
/// differs between the managed and the native run, so every kind of difference shows up.</summary>
public class HarnessTests
{
    private readonly ITestOutputHelper _output;

    public HarnessTests(ITestOutputHelper output) => _output = output;

    private const string Source = """
        using Patchouly;
        namespace HarnessCheck;
        [StencilLibrary(Registers = 2)]
        public static unsafe partial class AddressDependent
        {
            [Stencil] public static long Address(long* p) => (long)p;
            // Both pick with a mixing hash of the address: the top bits of p * K alone agreed between the two sides' buffers
            // for every offset in some runs (the sides' buffers are a fixed distance apart), and the test then failed
            // (Pick: about one run in three with one bit; Scribble: seldom, with three).
            [Stencil] public static void Scribble(long* p) { ulong x = (ulong)p; x ^= x >> 33; x *= 0xFF51AFD7ED558CCDUL; x ^= x >> 33; x *= 0xC4CEB9FE1A85EC53UL; x ^= x >> 33; p[x & 7] = 1; }
            [Stencil] public static Target Pick(long* p, Target a) { ulong x = (ulong)p; x ^= x >> 33; x *= 0xFF51AFD7ED558CCDUL; x ^= x >> 33; x *= 0xC4CEB9FE1A85EC53UL; x ^= x >> 33; return (x & 1) == 0 ? a : Target.Next; }
            [Stencil] public static long* Same(long* p) => p + 3;
        }
        """;

    private static readonly Lazy<Harness> s_harness = new(() => Harness.Create([Source]));

    [Theory]
    [InlineData("Address", "output 'return'")]
    [InlineData("Scribble", "buffer")]
    [InlineData("Pick", "continues at")]
    public void Differences_are_reported(string stencil, string what)
    {
        var outcome = s_harness.Value.RunAll(7, 8, 8, s => s.Name == stencil, maxMismatches: 1000);
        _output.WriteLine(outcome.Summary);
        Assert.True(outcome.MismatchedCases > 0, outcome.Summary);
        Assert.Contains(outcome.Mismatches, m => m.Description.Contains(what, StringComparison.Ordinal));
    }

    [Fact]
    public void Pointers_into_the_buffers_are_compared_relative_to_them()
    {
        var outcome = s_harness.Value.RunAll(7, 8, 8, s => s.Name == "Same");
        Assert.True(outcome.MismatchedCases == 0, outcome.Report());
        Assert.Equal(64, outcome.Cases);
    }
}
