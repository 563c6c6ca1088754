using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Patchouly.Build.Tasks.MSBuild;

/// <summary>Builds a Roslyn compilation from the same inputs the C# compiler gets, so the build task sees the stencils
/// exactly as the compiler and the analyzer do.</summary>
public static class CompilationFactory
{
    /// <summary>Creates the compilation.</summary>
    /// <param name="sources">The <c>@(Compile)</c> files.</param>
    /// <param name="references">The <c>@(ReferencePath)</c> assemblies.</param>
    /// <param name="defineConstants">The <c>$(DefineConstants)</c> (separated by ';' or ',').</param>
    /// <param name="languageVersion">The <c>$(LangVersion)</c>, or empty for the latest.</param>
    /// <param name="assemblyName">The assembly name, for messages.</param>
    public static CSharpCompilation Create(IReadOnlyList<string> sources, IEnumerable<string> references, string? defineConstants, string? languageVersion, string assemblyName)
    {
        var version = LanguageVersion.Latest;
        if (!string.IsNullOrWhiteSpace(languageVersion) && !LanguageVersionFacts.TryParse(languageVersion, out version))
            version = LanguageVersion.Preview; // newer than this Roslyn knows: parse with everything it has
        var symbols = (defineConstants ?? "").Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0);
        var parseOptions = new CSharpParseOptions(version, DocumentationMode.None, SourceCodeKind.Regular, symbols);

        var trees = new SyntaxTree[sources.Count];
        Parallel.For(0, sources.Count, i =>
        {
            using var stream = File.OpenRead(sources[i]);
            trees[i] = CSharpSyntaxTree.ParseText(SourceText.From(stream), parseOptions, sources[i]);
        });
        var metadata = references.Distinct(StringComparer.Ordinal).Select(r => (MetadataReference)MetadataReference.CreateFromFile(r));
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, concurrentBuild: true);
        return CSharpCompilation.Create(assemblyName, trees, metadata, options);
    }
}
