using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Patchouly.Generators.Tests.Parsing;

/// <summary>Compiles C# in memory against the framework, Patchouly.Attributes and Patchouly.Runtime.</summary>
public static class RoslynTestHost
{
    public static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(Patchouly.StencilAttribute).Assembly.Location);
        paths.Add(typeof(Patchouly.Runtime.Tables.StencilLibrary).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Preview);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create("Test",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: i == 0 ? "Stencils.cs" : $"File{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

    /// <summary>Runs the Patchouly analyzer and returns its diagnostics, by position.</summary>
    public static ImmutableArray<Diagnostic> Analyze(string source)
    {
        var compilation = Compile(source);
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new Analyzer.StencilAnalyzer()));
        var all = withAnalyzers.GetAllDiagnosticsAsync(CancellationToken.None).Result;
        var failures = all.Where(d => d.Id is "AD0001").ToList();
        if (failures.Count > 0) throw new InvalidOperationException("the analyzer threw:\n" + string.Join("\n", failures));
        return all.Where(d => d.Id.StartsWith("PATCH", StringComparison.Ordinal)).OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    /// <summary>The text a diagnostic's span covers.</summary>
    public static string SpanText(Diagnostic d) => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan);

    /// <summary>1-based line of a diagnostic.</summary>
    public static int Line(Diagnostic d) => d.Location.GetLineSpan().StartLinePosition.Line + 1;
}
