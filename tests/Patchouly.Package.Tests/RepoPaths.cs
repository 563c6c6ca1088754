using System;
using System.IO;

namespace Patchouly.Package.Tests;

/// <summary>Where the repository is, seen from the test assembly, and the configuration the tests were built in.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release, read from the test assembly's output path (bin/&lt;Configuration&gt;/…).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Replace('\\', '/').Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Patchouly.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Patchouly.slnx) above " + AppContext.BaseDirectory);
    }
}
