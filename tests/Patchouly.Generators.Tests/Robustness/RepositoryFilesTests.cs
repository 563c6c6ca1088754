using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Generators.Tests.Parsing;
using Xunit.Abstractions;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>
/// Every .cs file of this repository compiled on its own (so with many unresolved names), with the Patchouly
/// attributes and the test host's assemblies referenced: nothing throws, and files that use none of the Patchouly
/// attributes get no PATCH diagnostic.
/// </summary>
public class RepositoryFilesTests(ITestOutputHelper output)
{
    private static readonly string[] s_attributeNames = ["Stencil", "StencilLibrary", "Hole", "Target"];

    /// <summary>True when the file applies [Stencil], [StencilLibrary], [Hole] or [Target] somewhere.</summary>
    private static bool UsesPatchoulyAttributes(string text) =>
        CSharpSyntaxTree.ParseText(text, RoslynTestHost.ParseOptions).GetRoot().DescendantNodes().OfType<AttributeSyntax>()
            .Any(a => s_attributeNames.Any(n => a.Name.ToString().Split('.').Last() is var last && (last == n || last == n + "Attribute")));

    [Fact]
    public void Every_file_alone()
    {
        var files = RepoFiles.CSharpFiles();
        Assert.True(files.Count >= 150, $"only {files.Count} .cs files found under {RepoFiles.Root}");
        var failures = new List<string>();
        int stencilFiles = 0;
        var clock = Stopwatch.StartNew();
        foreach (var file in files)
        {
            string relative = Path.GetRelativePath(RepoFiles.Root, file);
            string text = File.ReadAllText(file);
            bool stencils = UsesPatchoulyAttributes(text);
            if (stencils) stencilFiles++;
            var outcome = RobustnessHarness.Run(RobustnessHarness.Compile(true, (relative, text)), compilerErrors: false);
            if (outcome.Crashes.Count > 0)
                failures.Add($"{relative}: threw:\n{string.Join("\n", outcome.Crashes)}");
            else if (!stencils && !outcome.Patch.IsEmpty)
                failures.Add($"{relative}: uses no Patchouly attribute but got:\n{string.Join("\n", outcome.Patch)}");
        }
        output.WriteLine($"{files.Count} files ({stencilFiles} with Patchouly attributes) in {clock.Elapsed.TotalSeconds:0.0} s; {failures.Count} failures");
        Assert.True(stencilFiles >= 3, $"only {stencilFiles} files use the attributes");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>
    /// The stencil sources written inside the tests as string literals (diagnostics tests, semantics tests, the
    /// differential tests…), each compiled as a file of its own. Many of them are deliberately wrong stencils.
    /// </summary>
    [Fact]
    public void Every_stencil_source_embedded_in_a_string()
    {
        var snippets = RepoFiles.EmbeddedStencilSources();
        Assert.True(snippets.Count >= 50, $"only {snippets.Count} embedded stencil sources found");
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        System.Threading.Tasks.Parallel.ForEach(snippets, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 2 }, s =>
        {
            var outcome = RobustnessHarness.Run(s.Text);
            if (outcome.Crashes.Count > 0) failures.Add($"{s.Where}: threw:\n{string.Join("\n", outcome.Crashes)}");
        });
        output.WriteLine($"{snippets.Count} embedded stencil sources in {clock.Elapsed.TotalSeconds:0.0} s; {failures.Count} failures");
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
    }
}
