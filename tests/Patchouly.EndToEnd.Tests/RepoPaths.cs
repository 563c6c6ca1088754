using System;
using System.IO;

namespace Patchouly.EndToEnd.Tests;

/// <summary>Where the repository and its build outputs are, seen from a test assembly.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the tests were built in (Debug or Release), read from the output path.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Replace('\\', '/').Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string Output(string project) => Path.Combine(Root, project, "bin", Configuration, project.Contains("Generators") || project.Contains("Attributes") ? "netstandard2.0" : "net10.0");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Patchouly.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Patchouly.slnx) above " + AppContext.BaseDirectory);
    }
}
