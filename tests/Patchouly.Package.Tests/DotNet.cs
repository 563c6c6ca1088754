using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Patchouly.Package.Tests;

/// <summary>Runs the dotnet CLI the way a user would, capturing everything it prints and timing it.</summary>
public static class DotNet
{
    public sealed record Result(string Command, int ExitCode, string Output, TimeSpan Elapsed)
    {
        public override string ToString() => $"{Command}: exit code {ExitCode} after {Elapsed.TotalSeconds:0.00} s\n{Output}";
    }

    /// <summary>Variables a parent <c>dotnet test</c> may set that would steer a child build away from its own SDK.</summary>
    private static readonly string[] s_inherited =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly",
        "DOTNET_HOST_PATH", "VSTEST_HOST_DEBUG",
    ];

    /// <summary>Runs <c>dotnet arguments…</c> in <paramref name="workingDirectory"/>.</summary>
    /// <param name="environment">Extra environment variables (for example an isolated <c>NUGET_PACKAGES</c>).</param>
    public static Result Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        RunProgram("dotnet", workingDirectory, timeout, environment, arguments);

    /// <summary>Runs <c>program arguments…</c> (for example <c>bash build.sh pack</c>) with the environment of <see cref="Run"/>.</summary>
    public static Result RunProgram(string program, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var name in s_inherited) psi.Environment.Remove(name);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        psi.Environment["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        if (environment is not null)
            foreach (var (name, value) in environment) psi.Environment[name] = value;

        string command = program + " " + string.Join(' ', arguments);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            lock (output) throw new TimeoutException($"{command} (in {workingDirectory}) did not finish in {timeout}:\n{output}");
        }
        process.WaitForExit();
        clock.Stop();
        lock (output) return new Result(command, process.ExitCode, output.ToString(), clock.Elapsed);
    }

    /// <summary>A new, empty folder under the system's temporary folder.</summary>
    public static string TempDirectory(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "patchouly-package-tests", name + "-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
