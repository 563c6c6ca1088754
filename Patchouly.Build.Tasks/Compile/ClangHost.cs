using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;

namespace Patchouly.Build.Tasks.Compile;

/// <summary>The operating systems whose clang installations <see cref="ClangLocator"/> knows.</summary>
public enum ClangHostOS
{
    /// <summary>Linux and other Unix systems: <c>clang-NN</c> and <c>clang</c> on PATH.</summary>
    Linux,
    /// <summary>Windows: <c>clang.exe</c> on PATH or in <c>%ProgramFiles%\LLVM\bin</c>.</summary>
    Windows,
    /// <summary>macOS: Homebrew's LLVM, clang on PATH, Xcode's Apple clang.</summary>
    MacOS,
}

/// <summary>
/// What <see cref="ClangLocator"/> asks of the machine: the operating system, environment variables, whether a file
/// exists, and the output of <c>clang --version</c>. The real machine is <see cref="System"/>; tests substitute fake
/// directory layouts and version outputs.
/// </summary>
public interface IClangHost
{
    /// <summary>The operating system.</summary>
    ClangHostOS OS { get; }

    /// <summary>An environment variable, or null.</summary>
    string? GetEnvironmentVariable(string name);

    /// <summary>Whether a file exists at <paramref name="path"/>.</summary>
    bool FileExists(string path);

    /// <summary>The standard output of <c><paramref name="path"/> --version</c>, or null when it cannot be run or fails.</summary>
    string? RunVersion(string path);
}

/// <summary>The real machine.</summary>
public sealed class SystemClangHost : IClangHost
{
    /// <summary>The one instance.</summary>
    public static readonly SystemClangHost Instance = new();

    private SystemClangHost() { }

    /// <inheritdoc />
    public ClangHostOS OS => OperatingSystem.IsWindows() ? ClangHostOS.Windows : OperatingSystem.IsMacOS() ? ClangHostOS.MacOS : ClangHostOS.Linux;

    /// <inheritdoc />
    public string? GetEnvironmentVariable(string name) => Environment.GetEnvironmentVariable(name);

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public string? RunVersion(string path)
    {
        try
        {
            var psi = new ProcessStartInfo(path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            psi.ArgumentList.Add("--version");
            using var p = Process.Start(psi);
            if (p is null) return null;
            var stderr = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(30_000)) { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } return null; }
            stderr.Wait();
            return p.ExitCode == 0 ? output : null;
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
