using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;

namespace Patchouly.Package.Tests;

/// <summary>
/// Packs <c>nuget/Patchouly.csproj</c> once for the test class, in the configuration the tests were built in, into a
/// fresh temporary folder (the package source of the consumer projects). Deletes the folder afterwards unless
/// <c>PATCHOULY_KEEP_TEST_FILES=1</c>.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    public PackedPackage()
    {
        Root = DotNet.TempDirectory("package");
        PackageSource = Path.Combine(Root, "packages");
        Directory.CreateDirectory(PackageSource);
        Version = ReadProperty(Path.Combine(RepoPaths.Root, "Directory.Build.props"), "Version");
        Pack = DotNet.Run(RepoPaths.Root, TimeSpan.FromMinutes(8), null,
            "pack", Path.Combine("nuget", "Patchouly.csproj"), "-c", RepoPaths.Configuration, "-o", PackageSource, "-nologo");
        NupkgPath = Path.Combine(PackageSource, $"Patchouly.{Version}.nupkg");
    }

    /// <summary>The temporary folder of this test run.</summary>
    public string Root { get; }

    /// <summary>The folder the package was packed into (a local NuGet source).</summary>
    public string PackageSource { get; }

    /// <summary>The package version: <c>$(Version)</c> of Directory.Build.props.</summary>
    public string Version { get; }

    /// <summary>What <c>dotnet pack</c> did.</summary>
    public DotNet.Result Pack { get; }

    /// <summary>The package file.</summary>
    public string NupkgPath { get; }

    /// <summary>Fails the test (with the pack log) unless the package was made.</summary>
    public void AssertPacked()
    {
        Assert.True(Pack.ExitCode == 0, "dotnet pack failed:\n" + Pack);
        Assert.True(File.Exists(NupkgPath), $"dotnet pack did not write {NupkgPath}; the folder holds [{string.Join(", ", Directory.GetFiles(PackageSource).Select(Path.GetFileName))}]:\n{Pack}");
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
