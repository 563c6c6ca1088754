using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>The repository's own files, found by walking up from the test assembly.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Patchouly.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Patchouly.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every .cs file of the repository except build outputs (bin/, obj/) and hidden folders.</summary>
    public static IReadOnlyList<string> CSharpFiles() =>
        Directory.EnumerateFiles(Root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "artifacts" || part.StartsWith('.')))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    /// <summary>The stencil sources the repository's tests carry as string literals ("file:line", text), in file order.</summary>
    public static IReadOnlyList<(string Where, string Text)> EmbeddedStencilSources()
    {
        var snippets = new List<(string Where, string Text)>();
        foreach (var file in CSharpFiles())
        {
            var root = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(File.ReadAllText(file), Parsing.RoslynTestHost.ParseOptions).GetRoot();
            foreach (var token in root.DescendantTokens())
            {
                var kind = Microsoft.CodeAnalysis.CSharp.CSharpExtensions.Kind(token);
                if (kind is not (Microsoft.CodeAnalysis.CSharp.SyntaxKind.StringLiteralToken
                    or Microsoft.CodeAnalysis.CSharp.SyntaxKind.MultiLineRawStringLiteralToken
                    or Microsoft.CodeAnalysis.CSharp.SyntaxKind.SingleLineRawStringLiteralToken)) continue;
                string value = token.ValueText;
                if (!value.Contains("[Stencil", StringComparison.Ordinal) && !value.Contains("StencilLibrary", StringComparison.Ordinal)) continue;
                int line = token.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                // Some snippets are fragments (a library body without usings, a format string): give them the usings.
                snippets.Add(($"{Path.GetRelativePath(Root, file)}:{line}", "using System; using Patchouly;\n" + value));
            }
        }
        return snippets;
    }
}
