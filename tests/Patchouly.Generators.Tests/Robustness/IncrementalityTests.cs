using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Patchouly.Generators.EmitApi;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Tests.Parsing;
using Names = Patchouly.Generators.EmitApi.StencilGenerator.TrackingNames;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>
/// The generator's pipeline per the Roslyn incremental-generator cookbook: its models are value-equatable, an edit
/// that does not touch a library leaves every tracked step Cached or Unchanged and every output Cached, and an edit
/// that does (a stencil, a helper in another file, the tables, the PatchoulyRegisters property) regenerates.
/// </summary>
public class IncrementalityTests
{
    private const string Library = """
        using Patchouly;
        namespace Inc;
        [StencilLibrary(Registers = 3)]
        public static unsafe partial class Lib
        {
            [Stencil] public static long Add(long a, long b) => a + b;
            [Stencil] public static long Scaled(long a, [Hole] int k) => Helper(a) * k;
            [Stencil] public static Target IfZero(long a, Target zero) => a == 0 ? zero : Target.Next;
        }
        public static class NotStencils { public static int Twice(int x) => x * 2; }
        """;

    /// <summary>The library's other part, in another file: the helper its stencils call.</summary>
    private const string Helpers = """
        namespace Inc;
        public static partial class Lib
        {
            private static long Helper(long a) => a + 1;
        }
        """;

    private const string Unrelated = "namespace Other; public class Unrelated { public int X; public int Get() => X; }";

    private static readonly string[] s_libraryPipeline = [Names.ParsedLibraries, Names.LibraryModels, Names.Libraries];

    private static CSharpCompilation Compilation(params (string Path, string Text)[] files) => RobustnessHarness.Compile(files);

    private static CSharpCompilation Base() => Compilation(("Lib.cs", Library), ("Helpers.cs", Helpers), ("Unrelated.cs", Unrelated));

    private static GeneratorDriver Driver(AnalyzerConfigOptionsProvider? options = null, params AdditionalText[] texts) =>
        CSharpGeneratorDriver.Create([new StencilGenerator().AsSourceGenerator()], texts, RoslynTestHost.ParseOptions, options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static CSharpCompilation Replace(CSharpCompilation compilation, string path, string text) =>
        compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(t => t.FilePath == path),
            CSharpSyntaxTree.ParseText(text, RoslynTestHost.ParseOptions, path: path));

    /// <summary>Runs on <paramref name="first"/>, checks the library's sources were produced, then runs again on
    /// <paramref name="second"/> (after <paramref name="secondDriver"/> changed the driver's options or files).</summary>
    private static GeneratorRunResult RunTwice(CSharpCompilation first, CSharpCompilation second, GeneratorDriver? driver = null, System.Func<GeneratorDriver, GeneratorDriver>? secondDriver = null)
    {
        driver = (driver ?? Driver()).RunGenerators(first);
        var firstRun = driver.GetRunResult().Results.Single();
        Assert.Null(firstRun.Exception);
        Assert.Equal(["Inc.Lib.Patchouly.g.cs", "Inc.Lib.PatchoulyTables.g.cs"], firstRun.GeneratedSources.Select(s => s.HintName).Order());
        if (secondDriver is not null) driver = secondDriver(driver);
        var result = driver.RunGenerators(second).GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return result;
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step)
    {
        Assert.True(result.TrackedSteps.ContainsKey(step), $"no tracked step '{step}'; the steps are {string.Join(", ", result.TrackedSteps.Keys)}");
        return result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);
    }

    private static void AssertNothingRegenerated(GeneratorRunResult result)
    {
        foreach (var step in s_libraryPipeline)
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        var outputs = result.TrackedOutputSteps.SelectMany(o => o.Value).SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    private static void AssertRegenerated(GeneratorRunResult result)
    {
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, Names.Libraries));
        Assert.Contains(result.TrackedOutputSteps.SelectMany(o => o.Value).SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void The_pipeline_steps_have_tracking_names()
    {
        var result = Driver().RunGenerators(Base()).GetRunResult().Results.Single();
        foreach (var name in new[] { Names.DefaultRegisters, Names.ParsedLibraries, Names.LibraryModels, Names.Libraries, Names.Tables })
            Assert.True(result.TrackedSteps.ContainsKey(name), $"no step '{name}': {string.Join(", ", result.TrackedSteps.Keys)}");
    }

    [Fact]
    public void Adding_an_unrelated_file_regenerates_nothing() =>
        AssertNothingRegenerated(RunTwice(Base(), Base().AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Added; public static class More { public static long M(long a) => a; }", RoslynTestHost.ParseOptions, path: "Added.cs"))));

    [Fact]
    public void Editing_a_method_body_in_another_file_regenerates_nothing() =>
        AssertNothingRegenerated(RunTwice(Base(), Replace(Base(), "Unrelated.cs", Unrelated.Replace("=> X;", "=> X + 1;"))));

    [Fact]
    public void Editing_another_class_in_the_library_file_regenerates_nothing() =>
        AssertNothingRegenerated(RunTwice(Base(), Replace(Base(), "Lib.cs", Library.Replace("x * 2", "x * 3"))));

    [Fact]
    public void Moving_the_library_down_a_few_lines_regenerates_nothing() =>
        AssertNothingRegenerated(RunTwice(Base(), Replace(Base(), "Lib.cs", Library.Replace("namespace Inc;", "namespace Inc;\n\n// a comment\n\n"))));

    [Fact]
    public void Editing_a_stencil_regenerates() =>
        AssertRegenerated(RunTwice(Base(), Replace(Base(), "Lib.cs", Library.Replace("a + b", "a - b"))));

    [Fact]
    public void Editing_a_helper_in_another_part_of_the_library_regenerates() =>
        AssertRegenerated(RunTwice(Base(), Replace(Base(), "Helpers.cs", Helpers.Replace("a + 1", "a + 2"))));

    [Fact]
    public void Changing_PatchoulyRegisters_regenerates_a_library_without_its_own_count()
    {
        var compilation = Replace(Base(), "Lib.cs", Library.Replace("(Registers = 3)", ""));
        var options = new RobustnessHarness.GlobalOptionsProvider(new Dictionary<string, string> { [KnownNames.RegistersProperty] = "4" });
        var result = RunTwice(compilation, compilation, secondDriver: d => d.WithUpdatedAnalyzerConfigOptions(options));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, Names.DefaultRegisters));
        AssertRegenerated(result);
    }

    [Fact]
    public void Adding_the_tables_regenerates_only_the_outputs()
    {
        var tables = new InMemoryText("/obj/patchouly/Inc.Lib.PatchoulyTables.cs", TablesHeader.Seal("0", "namespace Inc;\n// the tables\n"));
        var result = RunTwice(Base(), Base(), secondDriver: d => d.AddAdditionalTexts([tables]));
        foreach (var step in s_libraryPipeline)
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        Assert.Contains(result.TrackedOutputSteps.SelectMany(o => o.Value).SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(result.GeneratedSources, s => s.HintName == "Inc.Lib.PatchoulyTables.g.cs" && s.SourceText.ToString().Contains("// the tables"));
    }

    [Fact]
    public void Models_from_separate_compilations_are_equal()
    {
        static Model.LibraryModel Parse(CSharpCompilation c) =>
            StencilLibraryParser.Parse(c.GetTypeByMetadataName("Inc.Lib")!, c, CancellationToken.None).Library!;

        var first = Parse(Base());
        // Separately parsed trees, in another order, with one more file: nothing shared with the first compilation.
        var second = Parse(Compilation(("Unrelated.cs", Unrelated), ("Helpers.cs", Helpers), ("Lib.cs", Library),
            ("Added.cs", "namespace Added; public class C { }")));
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(first.Families, second.Families);
        Assert.Equal(Model.ModelHash.Compute(first), Model.ModelHash.Compute(second));

        var edited = Parse(Replace(Base(), "Helpers.cs", Helpers.Replace("a + 1", "a + 2")));
        Assert.NotEqual(first, edited);
        Assert.NotEqual(Model.ModelHash.Compute(first), Model.ModelHash.Compute(edited));
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
