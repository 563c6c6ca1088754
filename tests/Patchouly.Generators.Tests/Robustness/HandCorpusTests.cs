using System.Collections.Generic;
using System.Linq;
using Xunit.Abstractions;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>The hand-written corpus through the generator and the analyzer: nothing throws, every stencil problem is
/// reported, unrelated code gets no PATCH diagnostic, valid stencils get a generated API that compiles.</summary>
public class HandCorpusTests(ITestOutputHelper output)
{
    /// <summary>Checks one case; returns what is wrong with the outcome, or null.</summary>
    internal static string? Check(HandCase c, RobustnessOutcome o)
    {
        if (o.Crashes.Count > 0) return "threw:\n" + string.Join("\n", o.Crashes);
        var ids = o.Patch.Select(d => d.Id).ToHashSet();
        bool userErrors = o.UserErrors.Length > 0;
        switch (c.Expect)
        {
            case Expect.Problem when ids.Count == 0 && !userErrors:
                return "a stencil problem with neither a PATCH diagnostic nor a C# error";
            case Expect.PatchOnly when ids.Count == 0:
                return "a problem only Patchouly sees, but no PATCH diagnostic";
            case Expect.Clean when ids.Count > 0 || userErrors || o.GeneratedErrors.Length > 0:
                return "valid stencils, but:\n" + o;
            case Expect.Unrelated when ids.Count > 0:
                return "unrelated code got PATCH diagnostics:\n" + string.Join("\n", o.Patch);
        }
        if (c.Ids.Length > 0 && !c.Ids.Any(ids.Contains))
            return $"expected one of {string.Join(", ", c.Ids)}, got:\n{o}";
        // Generated code may only fail to compile where the user already sees an error.
        if (o.GeneratedErrors.Length > 0 && !userErrors && ids.Count == 0)
            return "the generated code does not compile although the user's code is fine:\n" + string.Join("\n", o.GeneratedErrors);
        return null;
    }

    [Fact]
    public void Every_case_is_handled()
    {
        var cases = HandCorpus.Cases().ToList();
        Assert.True(cases.Count >= 200, $"the corpus has {cases.Count} cases");
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var outcome = RobustnessHarness.Run(c.Source);
            if (Check(c, outcome) is { } problem) failures.Add($"[{c.Name}] {problem}");
        }
        output.WriteLine($"{cases.Count} cases, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed:\n\n" + string.Join("\n\n", failures));
    }
}

/// <summary>The PatchoulyRegisters property as the compiler passes it (build_property.PatchoulyRegisters), with
/// every kind of bad value: nothing throws, out-of-range counts are PATCH0012, unparsable ones fall back to the default.</summary>
public class RegistersPropertyTests
{
    private const string Source = "using Patchouly; namespace R; [StencilLibrary] public static partial class L { [Stencil] public static long A(long a, long b) => a + b; }";

    [Theory]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("abc", false)]
    [InlineData("4", false)]
    [InlineData(" 11 ", false)]
    [InlineData("0", true)]
    [InlineData("-5", true)]
    [InlineData("12", true)]
    [InlineData("2147483647", true)]
    [InlineData("99999999999", false)]
    [InlineData("1e3", false)]
    [InlineData("0x4", false)]
    public void Any_value_is_handled(string value, bool outOfRange)
    {
        var options = new RobustnessHarness.GlobalOptionsProvider(new System.Collections.Generic.Dictionary<string, string>
        {
            [Patchouly.Generators.Parsing.KnownNames.RegistersProperty] = value,
        });
        var outcome = RobustnessHarness.Run(Source, options);
        Assert.Empty(outcome.Crashes);
        Assert.Empty(outcome.UserErrors);
        if (outOfRange) Assert.Contains(outcome.Patch, d => d.Id == "PATCH0012");
        else Assert.True(outcome.Patch.IsEmpty && outcome.GeneratedErrors.IsEmpty, outcome.ToString());
    }
}
