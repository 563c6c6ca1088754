using System.Linq;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>Trees without a path, or sharing one (in-memory compilations: scripting, tests, some tools).</summary>
public class PathTests
{
    private const string Broken = """
        using Patchouly;
        namespace P;
        // padding so that the error lies beyond the end of the short file
        // ................................................................
        // ................................................................
        [StencilLibrary]
        public static partial class L
        {
            [Stencil] public static long A(string s) => 1;
        }
        """;

    [Theory]
    [InlineData("", "")]
    [InlineData("same.cs", "same.cs")]
    [InlineData("", "Stencils.cs")]
    public void Diagnostics_land_in_the_right_tree(string shortPath, string libraryPath)
    {
        var outcome = RobustnessHarness.Run(RobustnessHarness.Compile((shortPath, "class S { }"), (libraryPath, Broken)));
        Assert.Empty(outcome.Crashes);
        var d = Assert.Single(outcome.Patch);
        Assert.Equal("PATCH0007", d.Id);
        Assert.Equal("s", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }
}
