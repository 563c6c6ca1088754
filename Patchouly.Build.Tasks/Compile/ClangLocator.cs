using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Patchouly.Build.Tasks.Compile;

/// <summary>A clang found on this machine.</summary>
/// <param name="Path">The executable.</param>
/// <param name="Version">The full version, for example 19.1.7 (Apple clang: <c>Apple clang 17.0.0</c>).</param>
/// <param name="Major">The LLVM major version (for Apple clang, that of the LLVM it is based on).</param>
/// <param name="VersionLine">The first line of <c>clang --version</c>, which goes into the tables' content hash.</param>
public sealed record ClangInfo(string Path, string Version, int Major, string VersionLine);

/// <summary>No usable clang was found, or the one named is too old.</summary>
public sealed class ClangNotFoundException(string message) : Exception(message);

/// <summary>Finds a clang that supports <c>preserve_none</c> (LLVM 19 or newer) on Linux, Windows and macOS.</summary>
public static class ClangLocator
{
    /// <summary>The oldest clang with <c>preserve_none</c> and <c>[[clang::musttail]]</c> in C.</summary>
    public const int MinimumMajor = 19;

    /// <summary>The environment variable that names a clang executable (like the <c>PatchoulyClang</c> property).</summary>
    public const string EnvironmentVariable = "PATCHOULY_CLANG";

    private const int NewestMajor = 25;

    private static readonly Regex s_version = new(@"(Apple )?clang version (\d+)\.(\d+)\.(\d+)", RegexOptions.CultureInvariant);

    /// <summary>
    /// Finds clang: the explicit path if given (the <c>PatchoulyClang</c> property), else <c>$PATCHOULY_CLANG</c>,
    /// else the candidates of the host (<see cref="Candidates"/>), taking the newest that is at least LLVM 19.
    /// </summary>
    /// <exception cref="ClangNotFoundException">No suitable clang; the message says how to get one on this system.</exception>
    public static ClangInfo Locate(string? explicitPath = null) => Locate(explicitPath, SystemClangHost.Instance);

    /// <summary><see cref="Locate(string?)"/> on <paramref name="host"/>.</summary>
    public static ClangInfo Locate(string? explicitPath, IClangHost host)
    {
        string? named = !string.IsNullOrWhiteSpace(explicitPath) ? explicitPath
            : host.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : null;
        if (named is not null)
        {
            var info = Probe(named, host) ?? throw new ClangNotFoundException(
                $"The clang named by PatchoulyClang/{EnvironmentVariable} ('{named}') could not be run or did not print a clang version. " + InstallHintFor(host.OS));
            if (info.Major < MinimumMajor)
                throw new ClangNotFoundException(
                    $"'{named}' is clang {info.Version}{(info.Version.StartsWith("Apple", StringComparison.Ordinal) ? $" (LLVM {info.Major})" : "")}; Patchouly needs clang {MinimumMajor} or newer (for preserve_none). " + InstallHintFor(host.OS));
            return info;
        }

        var seen = new List<string>();
        var probed = new HashSet<string>(host.OS == ClangHostOS.Linux ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        ClangInfo? best = null;
        foreach (var candidate in Candidates(host))
        {
            string? resolved = Resolve(candidate, host);
            if (resolved is null || !probed.Add(resolved)) continue;
            var info = Probe(resolved, host);
            if (info is null) continue;
            seen.Add($"{resolved} ({info.Version})");
            if (info.Major >= MinimumMajor && (best is null || info.Major > best.Major)) best = info;
        }
        return best ?? throw new ClangNotFoundException(
            (seen.Count == 0 ? "No clang was found (searched: " + string.Join(", ", Candidates(host)) + "). " : $"Only older clang versions were found: {string.Join(", ", seen)}. ")
            + $"Patchouly needs clang {MinimumMajor} or newer (for preserve_none). " + InstallHintFor(host.OS));
    }

    /// <summary>How to get a suitable clang on Linux.</summary>
    public const string InstallHint =
        "On Debian or Ubuntu install it with 'apt-get install clang-19 llvm-19', or set the MSBuild property PatchoulyClang (or the PATCHOULY_CLANG environment variable) to the path of clang 19 or newer.";

    /// <summary>How to get a suitable clang on <paramref name="os"/>.</summary>
    public static string InstallHintFor(ClangHostOS os) => os switch
    {
        ClangHostOS.Windows => "Install LLVM 19 or newer from https://github.com/llvm/llvm-project/releases (or 'winget install LLVM.LLVM'; it goes to %ProgramFiles%\\LLVM\\bin), or set the MSBuild property PatchoulyClang (or the PATCHOULY_CLANG environment variable) to the path of clang.exe.",
        ClangHostOS.MacOS => "Install Homebrew's LLVM ('brew install llvm', /opt/homebrew/opt/llvm/bin/clang) or Xcode 16.3 or newer (Apple clang 17, based on LLVM 19), or set the MSBuild property PatchoulyClang (or the PATCHOULY_CLANG environment variable) to the path of clang 19 or newer.",
        _ => InstallHint,
    };

    /// <summary>
    /// Where the host's clang may be, in order of preference at equal versions. Names without a directory are looked
    /// up on PATH (with <c>.exe</c> on Windows).
    /// Linux: <c>clang-25</c> … <c>clang-19</c>, <c>clang</c>.
    /// Windows: <c>clang.exe</c> (and <c>clang-NN.exe</c>) on PATH, then <c>LLVM\bin\clang.exe</c> below
    /// <c>%ProgramFiles%</c>, <c>%ProgramW6432%</c> and <c>%ProgramFiles(x86)%</c>.
    /// macOS: Homebrew's <c>opt/llvm</c> and <c>opt/llvm@NN</c> below <c>/opt/homebrew</c> (Apple silicon) and
    /// <c>/usr/local</c> (Intel), then PATH as on Linux (<c>/usr/bin/clang</c> is Xcode's), then the Command Line
    /// Tools' and Xcode's own clang.
    /// </summary>
    public static IEnumerable<string> Candidates(IClangHost host)
    {
        switch (host.OS)
        {
            case ClangHostOS.Windows:
                yield return "clang.exe";
                for (int major = NewestMajor; major >= MinimumMajor; major--) yield return $"clang-{major}.exe";
                foreach (var variable in new[] { "ProgramFiles", "ProgramW6432", "ProgramFiles(x86)" })
                    if (host.GetEnvironmentVariable(variable) is { Length: > 0 } root)
                        yield return WindowsPath(root, "LLVM", "bin", "clang.exe");
                break;
            case ClangHostOS.MacOS:
                foreach (var prefix in new[] { "/opt/homebrew", "/usr/local" })
                {
                    yield return prefix + "/opt/llvm/bin/clang";
                    for (int major = NewestMajor; major >= MinimumMajor; major--) yield return $"{prefix}/opt/llvm@{major}/bin/clang";
                }
                foreach (var name in UnixNames()) yield return name;
                yield return "/Library/Developer/CommandLineTools/usr/bin/clang";
                yield return "/Applications/Xcode.app/Contents/Developer/Toolchains/XcodeDefault.xctoolchain/usr/bin/clang";
                break;
            default:
                foreach (var name in UnixNames()) yield return name;
                break;
        }
    }

    private static IEnumerable<string> UnixNames()
    {
        for (int major = NewestMajor; major >= MinimumMajor; major--) yield return "clang-" + major;
        yield return "clang";
    }

    private static string WindowsPath(string root, params string[] parts) => root.TrimEnd('\\', '/') + "\\" + string.Join("\\", parts);

    /// <summary>
    /// The LLVM major version an Apple clang major version is based on (Apple numbers its releases apart from LLVM):
    /// 14 → 15, 15 → 16, 16 → 17, 17 → 19 (Xcode 16.3, the first with <c>preserve_none</c>); later ones are assumed to
    /// be at least two ahead, earlier ones to be older than LLVM 15.
    /// </summary>
    public static int LlvmMajorOfAppleClang(int appleMajor) => appleMajor switch
    {
        >= 17 => appleMajor + 2,
        16 => 17,
        15 => 16,
        14 => 15,
        _ => Math.Min(appleMajor, 14),
    };

    /// <summary>Reads a <c>clang --version</c> output: null when it names no clang version.</summary>
    public static ClangInfo? ParseVersion(string path, string output)
    {
        var m = s_version.Match(output);
        if (!m.Success) return null;
        int major = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        string version = $"{m.Groups[2].Value}.{m.Groups[3].Value}.{m.Groups[4].Value}";
        bool apple = m.Groups[1].Success;
        string firstLine = output.Replace("\r\n", "\n").Split('\n')[0].Trim();
        return new ClangInfo(path, apple ? "Apple clang " + version : version, apple ? LlvmMajorOfAppleClang(major) : major, firstLine);
    }

    /// <summary>Runs <c>clang --version</c>; null when it cannot be run or prints no clang version.</summary>
    public static ClangInfo? Probe(string clang) => Probe(clang, SystemClangHost.Instance);

    /// <summary><see cref="Probe(string)"/> on <paramref name="host"/>.</summary>
    public static ClangInfo? Probe(string clang, IClangHost host)
    {
        string? resolved = Resolve(clang, host);
        if (resolved is null) return null;
        string? output = host.RunVersion(resolved);
        return output is null ? null : ParseVersion(resolved, output);
    }

    /// <summary>A path as given when it names a directory (and exists), else the first match on PATH; on Windows a name
    /// without an extension is also tried with the extensions of <c>PATHEXT</c> (<c>.exe</c> first).</summary>
    public static string? Resolve(string name, IClangHost host)
    {
        bool windows = host.OS == ClangHostOS.Windows;
        var names = new List<string> { name };
        if (windows && !HasExtension(name))
        {
            names.Insert(0, name + ".exe");
            foreach (var ext in (host.GetEnvironmentVariable("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';', StringSplitOptions.RemoveEmptyEntries))
                if (!ext.Equals(".exe", StringComparison.OrdinalIgnoreCase)) names.Add(name + ext.ToLowerInvariant());
        }
        if (name.Contains('/') || (windows && (name.Contains('\\') || name.Contains(':'))))
        {
            foreach (var n in names) if (host.FileExists(n)) return n;
            return null;
        }
        char separator = windows ? ';' : ':';
        foreach (var dir in (host.GetEnvironmentVariable("PATH") ?? "").Split(separator))
        {
            string d = dir.Trim().Trim('"');
            if (d.Length == 0) continue;
            foreach (var n in names)
            {
                string full = windows ? d.TrimEnd('\\', '/') + "\\" + n : d.TrimEnd('/') + "/" + n;
                if (host.FileExists(full)) return full;
            }
        }
        return null;
    }

    private static bool HasExtension(string name)
    {
        int slash = Math.Max(name.LastIndexOf('\\'), name.LastIndexOf('/'));
        return name.IndexOf('.', slash + 1) >= 0;
    }
}
