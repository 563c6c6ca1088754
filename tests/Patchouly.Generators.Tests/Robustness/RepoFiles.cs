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
}
