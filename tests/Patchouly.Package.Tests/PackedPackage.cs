using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;

namespace Patchouly.Package.Tests;

/// <summary>
/// Packs the package once for the test class the way a user does, with <c>./build.sh pack &lt;folder&gt;</c>, into a
/// fresh temporary folder (the package source of the consumer projects), and reads the version and the commands it
/// printed. Deletes the folder afterwards unless <c>PATCHOULY_KEEP_TEST_FILES=1</c>.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    public PackedPackage()
    {
        Root = DotNet.TempDirectory("package");
        PackageSource = Path.Combine(Root, "packages");
        BaseVersion = ReadProperty(Path.Combine(RepoPaths.Root, "Directory.Build.props"), "Version");
        Pack = DotNet.RunProgram("bash", RepoPaths.Root, TimeSpan.FromMinutes(8), null, "build.sh", "pack", PackageSource);
        string[] lines = Pack.Output.Replace("\r\n", "\n").Split('\n').Select(l => l.Trim()).ToArray();
        NupkgPath = lines.LastOrDefault(l => l.EndsWith(".nupkg", StringComparison.Ordinal) && Path.IsPathRooted(l)) ?? "";
        string name = Path.GetFileNameWithoutExtension(NupkgPath);
        Version = name.StartsWith("Patchouly.", StringComparison.Ordinal) ? name["Patchouly.".Length..] : "";
        AddSourceCommand = lines.FirstOrDefault(l => l.StartsWith("dotnet nuget add source ", StringComparison.Ordinal)) ?? "";
        AddPackageCommand = lines.FirstOrDefault(l => l.StartsWith("dotnet add package ", StringComparison.Ordinal)) ?? "";
    }

    /// <summary>The temporary folder of this test run.</summary>
    public string Root { get; }

    /// <summary>The folder the package was packed into (a local NuGet source).</summary>
    public string PackageSource { get; }

    /// <summary><c>$(Version)</c> of Directory.Build.props.</summary>
    public string BaseVersion { get; }

    /// <summary>The package version, from the file <c>./build.sh pack</c> printed: <c>$(Version)-local.&lt;time&gt;</c>.</summary>
    public string Version { get; }

    /// <summary>What <c>./build.sh pack</c> did.</summary>
    public DotNet.Result Pack { get; }

    /// <summary>The package file (the path <c>./build.sh pack</c> printed).</summary>
    public string NupkgPath { get; }

    /// <summary>The <c>dotnet nuget add source …</c> command <c>./build.sh pack</c> printed.</summary>
    public string AddSourceCommand { get; }

    /// <summary>The <c>dotnet add package …</c> command <c>./build.sh pack</c> printed.</summary>
    public string AddPackageCommand { get; }

    /// <summary>Fails the test (with the pack log) unless the package was made.</summary>
    public void AssertPacked()
    {
        Assert.True(Pack.ExitCode == 0, "./build.sh pack failed:\n" + Pack);
        Assert.True(NupkgPath.Length > 0 && File.Exists(NupkgPath), $"dotnet pack did not write {NupkgPath}; the folder holds [{string.Join(", ", Directory.GetFiles(PackageSource).Select(Path.GetFileName))}]:\n{Pack}");
    }

    /// <summary>The value of the first <c>&lt;name&gt;</c> element of an MSBuild file.</summary>
    public static string ReadProperty(string file, string name) =>
        XDocument.Load(file).Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim()
        ?? throw new InvalidOperationException($"{file} has no <{name}>.");

    /// <summary>The <c>Version</c> of a <c>PackageVersion</c> item of Directory.Packages.props.</summary>
    public static string CentralPackageVersion(string id) =>
        XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props")).Descendants()
            .Where(e => e.Name.LocalName == "PackageVersion" && string.Equals((string?)e.Attribute("Include"), id, StringComparison.OrdinalIgnoreCase))
            .Select(e => (string?)e.Attribute("Version"))
            .FirstOrDefault() ?? throw new InvalidOperationException($"Directory.Packages.props has no version for {id}.");

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("PATCHOULY_KEEP_TEST_FILES") == "1") return;
        try { Directory.Delete(Root, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
