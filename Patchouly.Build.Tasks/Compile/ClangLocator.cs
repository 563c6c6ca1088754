using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;

namespace Patchouly.Build.Tasks.Compile;

/// <summary>A clang found on this machine.</summary>
/// <param name="Path">The executable.</param>
/// <param name="Version">The full version, for example 19.1.7.</param>
/// <param name="Major">The major version.</param>
/// <param name="VersionLine">The first line of <c>clang --version</c>, which goes into the tables' content hash.</param>
public sealed record ClangInfo(string Path, string Version, int Major, string VersionLine);

/// <summary>No usable clang was found, or the one named is too old.</summary>
public sealed class ClangNotFoundException(string message) : Exception(message);

/// <summary>Finds a clang that supports <c>preserve_none</c> (19 or newer).</summary>
public static class ClangLocator
{
    /// <summary>The oldest clang with <c>preserve_none</c> and <c>[[clang::musttail]]</c> in C.</summary>
    public const int MinimumMajor = 19;

    /// <summary>The environment variable that names a clang executable (like the <c>PatchoulyClang</c> property).</summary>
    public const string EnvironmentVariable = "PATCHOULY_CLANG";

    private static readonly Regex s_version = new(@"clang version (\d+)\.(\d+)\.(\d+)", RegexOptions.CultureInvariant);

    /// <summary>
    /// Finds clang: the explicit path if given (the <c>PatchoulyClang</c> property), else <c>$PATCHOULY_CLANG</c>,
    /// else the newest of <c>clang-25</c> … <c>clang-19</c> and <c>clang</c> on PATH that is at least version 19.
    /// </summary>
    /// <exception cref="ClangNotFoundException">No suitable clang; the message says how to get one.</exception>
    public static ClangInfo Locate(string? explicitPath = null)
    {
        string? named = !string.IsNullOrWhiteSpace(explicitPath) ? explicitPath
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : null;
        if (named is not null)
        {
            var info = Probe(named) ?? throw new ClangNotFoundException(
                $"The clang named by PatchoulyClang/{EnvironmentVariable} ('{named}') could not be run or did not print a clang version. " + InstallHint);
            if (info.Major < MinimumMajor)
                throw new ClangNotFoundException(
                    $"'{named}' is clang {info.Version}; Patchouly needs clang {MinimumMajor} or newer (for preserve_none). " + InstallHint);
            return info;
        }

        var seen = new List<string>();
        ClangInfo? best = null;
        foreach (var candidate in Candidates())
        {
            var info = Probe(candidate);
            if (info is null) continue;
            seen.Add($"{candidate} ({info.Version})");
            if (info.Major >= MinimumMajor && (best is null || info.Major > best.Major)) best = info;
        }
        return best ?? throw new ClangNotFoundException(
            (seen.Count == 0 ? "No clang was found on PATH. " : $"Only older clang versions were found: {string.Join(", ", seen)}. ")
            + $"Patchouly needs clang {MinimumMajor} or newer (for preserve_none). " + InstallHint);
    }

    /// <summary>How to get a suitable clang.</summary>
    public const string InstallHint =
        "On Debian or Ubuntu install it with 'apt-get install clang-19 llvm-19', or set the MSBuild property PatchoulyClang (or the PATCHOULY_CLANG environment variable) to the path of clang 19 or newer.";

    private static IEnumerable<string> Candidates()
    {
        for (int major = 25; major >= MinimumMajor; major--) yield return "clang-" + major;
        yield return "clang";
    }

    /// <summary>Runs <c>clang --version</c>; null when it cannot be run or prints no clang version.</summary>
    public static ClangInfo? Probe(string clang)
    {
        string? resolved = Resolve(clang);
        if (resolved is null) return null;
        try
        {
            var psi = new ProcessStartInfo(resolved, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null) return null;
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            if (!p.WaitForExit(30_000)) { try { p.Kill(); } catch { } return null; }
            var m = s_version.Match(output);
            if (!m.Success) return null;
            string firstLine = output.Split('\n')[0].Trim();
            return new ClangInfo(resolved, $"{m.Groups[1].Value}.{m.Groups[2].Value}.{m.Groups[3].Value}", int.Parse(m.Groups[1].Value), firstLine);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    private static string? Resolve(string name)
    {
        if (name.Contains(Path.DirectorySeparatorChar) || name.Contains(Path.AltDirectorySeparatorChar))
            return File.Exists(name) ? Path.GetFullPath(name) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            string full = Path.Combine(dir, name);
            if (File.Exists(full)) return full;
        }
        return null;
    }
}
