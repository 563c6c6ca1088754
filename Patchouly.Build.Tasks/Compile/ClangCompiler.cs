using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Patchouly.Build.Tasks.Compile;

/// <summary>clang failed on a compilation unit.</summary>
public sealed class ClangFailedException(string unit, int exitCode, string output)
    : Exception($"clang failed on {unit} ({ClangCompiler.DescribeExit(exitCode)}):\n{output}")
{
    /// <summary>clang's exit code (128 + N when it was killed by signal N; -1 when it could not be started).</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>True when clang did not finish on its own: killed by a signal (a crash, the OOM killer, kill -9).</summary>
    public bool Crashed => ClangCompiler.Signal(ExitCode) is not null || ClangCompiler.IsWindowsCrash(ExitCode);

    /// <summary>The C file.</summary>
    public string Unit { get; } = unit;

    /// <summary>What clang printed.</summary>
    public string Output { get; } = output;
}

/// <summary>Compiles C stencil units to object files for one target with clang, several processes at once.</summary>
public sealed class ClangCompiler(ClangInfo clang, Targets.BuildTarget target)
{
    /// <summary>The signal that killed a process, from its exit code as .NET reports it on Unix (128 + signal); never on
    /// Windows, where a crash is an NTSTATUS exit code instead (<see cref="IsWindowsCrash"/>).</summary>
    public static int? Signal(int exitCode) => !OperatingSystem.IsWindows() && exitCode is > 128 and < 128 + 65 ? exitCode - 128 : null;

    /// <summary>Whether a Windows exit code is an NTSTATUS error (0xC0000000 and up: an access violation, a stack
    /// overflow, …), which is how a crashed process exits there.</summary>
    public static bool IsWindowsCrash(int exitCode) => OperatingSystem.IsWindows() && (uint)exitCode >= 0xC0000000u;

    /// <summary>"exit code 1", or "killed by signal 11 (SIGSEGV)".</summary>
    public static string DescribeExit(int exitCode)
    {
        if (IsWindowsCrash(exitCode))
            return (uint)exitCode switch
            {
                0xC0000005u => "crashed with an access violation (0xC0000005)",
                0xC00000FDu => "crashed with a stack overflow (0xC00000FD)",
                0xC0000409u => "stopped by a fail-fast (0xC0000409)",
                var status => $"crashed (NTSTATUS 0x{status:X8})",
            };
        if (Signal(exitCode) is not int signal) return exitCode == -1 ? "it could not be started" : $"exit code {exitCode}";
        string? name = signal switch
        {
            1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 4 => "SIGILL", 5 => "SIGTRAP", 6 => "SIGABRT", 7 => "SIGBUS",
            8 => "SIGFPE", 9 => "SIGKILL", 11 => "SIGSEGV", 13 => "SIGPIPE", 14 => "SIGALRM", 15 => "SIGTERM",
            24 => "SIGXCPU", 25 => "SIGXFSZ", _ => null,
        };
        return $"killed by signal {signal}{(name is null ? "" : $" ({name})")}";
    }

    /// <summary>The clang used.</summary>
    public ClangInfo Clang { get; } = clang;

    /// <summary>The target compiled for.</summary>
    public Targets.BuildTarget Target { get; } = target;

    /// <summary>Compiles each C file to the object file next to it (<c>x.c</c> → <c>x.o</c>), at most
    /// <paramref name="parallelism"/> at a time. Returns the object paths in input order.</summary>
    /// <exception cref="ClangFailedException">A unit failed to compile.</exception>
    public IReadOnlyList<string> CompileAll(IReadOnlyList<string> cFiles, string optimization, int parallelism, CancellationToken cancellationToken)
    {
        var objects = cFiles.Select(f => Path.ChangeExtension(f, ".o")).ToArray();
        var failures = new List<ClangFailedException>();
        try
        {
            Parallel.For(0, cFiles.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken }, i =>
            {
                try { CompileOne(cFiles[i], objects[i], optimization, cancellationToken); }
                catch (ClangFailedException e) { lock (failures) failures.Add(e); }
            });
        }
        catch (AggregateException) when (cancellationToken.IsCancellationRequested)
        {
            // The build was cancelled while clang ran (the processes are killed): not a failure of clang.
            throw new OperationCanceledException(cancellationToken);
        }
        if (failures.Count > 0) throw failures.OrderBy(f => f.Unit, StringComparer.Ordinal).First();
        return objects;
    }

    private void CompileOne(string cFile, string objectFile, string optimization, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(Clang.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true, // no console window per clang process on Windows
            WorkingDirectory = Path.GetDirectoryName(cFile)!,
        };
        foreach (var flag in Target.ClangFlags(optimization)) psi.ArgumentList.Add(flag);
        psi.ArgumentList.Add("-ffile-prefix-map=" + Path.GetDirectoryName(cFile) + "=.");
        psi.ArgumentList.Add(Path.GetFileName(cFile));
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(objectFile);
        File.Delete(objectFile);

        Process? started;
        try
        {
            started = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Found when the build started, gone or no longer executable now.
            throw new ClangFailedException(cFile, -1, $"{Clang.Path} could not be started: {e.Message}");
        }
        using var process = started ?? throw new ClangFailedException(cFile, -1, "the process could not be started");
        var output = new StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            process.WaitForExitAsync(cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // A cancelled build (Ctrl+C) must not leave clang running, nor wait for it.
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        output.Append(stderr.GetAwaiter().GetResult()).Append(stdout.GetAwaiter().GetResult());
        if (process.ExitCode != 0 || !File.Exists(objectFile))
            throw new ClangFailedException(cFile, process.ExitCode, output.ToString().Trim());
    }
}
