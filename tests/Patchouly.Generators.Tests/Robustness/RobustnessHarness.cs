using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Patchouly.Generators.Analyzer;
using Patchouly.Generators.EmitApi;
using Patchouly.Generators.Tests.Parsing;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>What running the generator and the analyzer over some sources produced.</summary>
/// <param name="Crashes">Exceptions that escaped: the generator's (its run result, CS8784/CS8785), the analyzer's
/// (the exception callback, AD0001) and Patchouly's own internal-error diagnostic (PATCH0099, which the parser and the
/// translator report instead of throwing).</param>
/// <param name="Patch">The PATCH diagnostics the analyzer reported.</param>
/// <param name="UserErrors">C# errors in the user's own files.</param>
/// <param name="GeneratedErrors">C# errors inside the generated files.</param>
internal sealed record RobustnessOutcome(
    IReadOnlyList<string> Crashes,
    ImmutableArray<Diagnostic> Patch,
    ImmutableArray<Diagnostic> UserErrors,
    ImmutableArray<Diagnostic> GeneratedErrors)
{
    public override string ToString() =>
        string.Join("\n", Crashes.Select(c => "CRASH " + c)
            .Concat(Patch.Select(d => "PATCH " + d))
            .Concat(UserErrors.Select(d => "USER " + d))
            .Concat(GeneratedErrors.Select(d => "GENERATED " + d)));
}

/// <summary>
/// Runs the Patchouly generator (through <see cref="CSharpGeneratorDriver"/>) and then the analyzer (through
/// <see cref="CompilationWithAnalyzers"/>, on the compilation the generator produced, as the compiler does) and
/// collects every exception that escapes either of them.
/// </summary>
internal static class RobustnessHarness
{
    /// <summary>A compilation with the references and no trees; adding trees to it reuses the bound references.</summary>
    private static readonly Lazy<CSharpCompilation> s_empty = new(() => CSharpCompilation.Create("Robustness", [], SmallReferences(),
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true)));

    /// <summary>A compilation with every assembly of the test's own host (the framework, Roslyn, xunit…) referenced.</summary>
    private static readonly Lazy<CSharpCompilation> s_emptyFull = new(() => RoslynTestHost.Compile());

    /// <summary>
    /// The framework's core, Patchouly.Attributes and Patchouly.Runtime: what stencil files use. Binding against a
    /// few assemblies instead of the ~200 of the test host makes a run several times faster.
    /// </summary>
    private static MetadataReference[] SmallReferences()
    {
        var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(System.IO.Path.PathSeparator);
        string[] framework = ["System.Private.CoreLib", "System.Runtime", "System.Console", "System.Collections", "System.Linq",
            "System.Runtime.InteropServices", "System.Runtime.Intrinsics", "System.Numerics.Vectors", "System.Memory", "netstandard"];
        return tpa.Where(p => framework.Contains(System.IO.Path.GetFileNameWithoutExtension(p)))
            .Append(typeof(Patchouly.StencilAttribute).Assembly.Location)
            .Append(typeof(Patchouly.Runtime.Tables.StencilLibrary).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();
    }

    public static CSharpCompilation Compile(params (string Path, string Text)[] files) => Compile(false, files);

    public static CSharpCompilation Compile(bool allReferences, params (string Path, string Text)[] files) =>
        (allReferences ? s_emptyFull : s_empty).Value
            .AddSyntaxTrees(files.Select(f => CSharpSyntaxTree.ParseText(f.Text, RoslynTestHost.ParseOptions, path: f.Path)));

    public static RobustnessOutcome Run(string source, AnalyzerConfigOptionsProvider? options = null) =>
        Run(Compile(("Stencils.cs", source)), options);

    public static RobustnessOutcome Run(CSharpCompilation compilation, AnalyzerConfigOptionsProvider? options = null, bool compilerErrors = true, bool concurrentAnalysis = false)
    {
        var crashes = new List<string>();

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new StencilGenerator().AsSourceGenerator()], parseOptions: RoslynTestHost.ParseOptions, optionsProvider: options);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        foreach (var result in driver.GetRunResult().Results)
            if (result.Exception is not null) crashes.Add("generator: " + result.Exception);
        foreach (var d in generatorDiagnostics)
            if (d.Id is "CS8784" or "CS8785") crashes.Add("generator diagnostic: " + d);

        var analyzerOptions = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, options ?? EmptyOptions.Instance);
        var withAnalyzers = output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new StencilAnalyzer()),
            new CompilationWithAnalyzersOptions(analyzerOptions,
                onAnalyzerException: (e, _, _) => { lock (crashes) crashes.Add("analyzer: " + e); },
                concurrentAnalysis: concurrentAnalysis, logAnalyzerExecutionTime: false));
        var analyzerDiagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        foreach (var d in analyzerDiagnostics)
        {
            // PATCH0099: the parser and the translator turn their own exceptions into this error rather than crashing
            // the compiler; for these tests it is a crash all the same.
            if (d.Id is "AD0001" or "PATCH0099") crashes.Add("analyzer diagnostic: " + d);
        }
        var patch = analyzerDiagnostics.Where(d => d.Id.StartsWith("PATCH", StringComparison.Ordinal))
            .OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();

        // Syntax errors are cheap to find; only without them does it take a full binding pass to know whether the
        // user's code is valid (and whether the generated code compiles).
        var user = new HashSet<SyntaxTree>(compilation.SyntaxTrees);
        var syntaxErrors = compilation.SyntaxTrees.SelectMany(t => t.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var errors = syntaxErrors.Count > 0 ? syntaxErrors
            : compilerErrors ? output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList()
            : [];
        return new RobustnessOutcome(crashes, patch,
            errors.Where(d => d.Location.SourceTree is null || user.Contains(d.Location.SourceTree)).ToImmutableArray(),
            errors.Where(d => d.Location.SourceTree is not null && !user.Contains(d.Location.SourceTree)).ToImmutableArray());
    }

    /// <summary>Global analyzer options (<c>build_property.*</c>), as MSBuild passes <c>CompilerVisibleProperty</c> values.</summary>
    public sealed class GlobalOptionsProvider(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(new Dictionary<string, string>());
            public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
        }
    }

    private sealed class EmptyOptions : AnalyzerConfigOptionsProvider
    {
        public static readonly EmptyOptions Instance = new();
        private readonly GlobalOptionsProvider _inner = new(new Dictionary<string, string>());
        public override AnalyzerConfigOptions GlobalOptions => _inner.GlobalOptions;
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _inner.GlobalOptions;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _inner.GlobalOptions;
    }
}
