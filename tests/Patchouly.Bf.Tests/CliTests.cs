using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Patchouly.Bf.Tests;

/// <summary>The real command line: exit codes, stdout and stderr.</summary>
public class CliTests
{
    private static readonly string s_bf = Path.Combine(AppContext.BaseDirectory, "Bf.dll");

    private sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static Result Run(string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestPrograms.Directory,
        };
        psi.ArgumentList.Add(s_bf);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("Bf did not finish in 60 s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Runs_a_file_with_stdin()
    {
        var r = Run("123456789123456789\n", "factor.bf");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(TestPrograms.Directory, "Factor.out")), r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void Tape_overrun_exits_with_2_and_a_message()
    {
        var r = Run("", "cristofd-leftmargin.b", "--engine", "interp");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("tape overrun", r.Stderr);
        Assert.Contains("left end", r.Stderr);
    }

    [Fact]
    public void Output_before_an_overrun_is_flushed()
    {
        var r = Run("", "cristofd-rightmargin.b");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(new string('!', 65535), r.Stdout);
        Assert.Contains("right end", r.Stderr);
    }

    [Fact]
    public void Unbalanced_brackets_exit_with_2_and_the_position()
    {
        string file = Path.Combine(Path.GetTempPath(), $"bf-unbalanced-{Guid.NewGuid():n}.b");
        File.WriteAllText(file, "+[\n>]]");
        try
        {
            var r = Run("", file, "--engine", "emit");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("unmatched ']' at position 6 (line 2, column 3)", r.Stderr);
            Assert.Equal("", r.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Result RunFile(byte[] program, params string[] args)
    {
        string file = Path.Combine(Path.GetTempPath(), $"bf-hostile-{Guid.NewGuid():n}.b");
        File.WriteAllBytes(file, program);
        try
        {
            return Run("", [file, .. args]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Random_bytes_exit_with_2_and_the_byte_position_of_the_bad_bracket()
    {
        var bytes = new byte[1 << 20];
        new Random(11).NextBytes(bytes);
        var (position, line, column, what) = HostileInputTests.FirstBracketError(Encoding.Latin1.GetString(bytes))!.Value;
        var r = RunFile(bytes, "--engine", "jit");
        Assert.Equal(2, r.ExitCode);
        // Positions count bytes (invalid UTF-8 must not shift them).
        Assert.Contains($"{what} at position {position} (line {line}, column {column})", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_million_nested_brackets_run_from_the_command_line()
    {
        var r = RunFile(Encoding.ASCII.GetBytes(HostileInputTests.NestedOnce(1_000_000)), "--engine", "jit");
        Assert.Equal("", r.Stderr);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("\u0003", r.Stdout);
    }

    [Fact]
    public void Loops_nested_too_deep_for_aot_exit_with_1_and_a_message()
    {
        Assert.True(TestPrograms.HasClang, "the aot engine needs clang 19 or newer: ./build.sh installs it (or set PATCHOULY_CLANG)");
        var r = RunFile(Encoding.ASCII.GetBytes(HostileInputTests.NestedLoops(10_000)), "--engine", "aot");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error: the program's loops nest 9999 deep, more than the aot engine compiles", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Stats_go_to_stderr()
    {
        var r = Run("", "Hello.b", "--stats", "--engine", "jit");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(TestPrograms.Directory, "Hello.out")), r.Stdout);
        Assert.Contains("IR ops", r.Stderr);
        Assert.Contains("compile", r.Stderr);
        Assert.Contains("run", r.Stderr);
        Assert.Contains("code", r.Stderr);
    }

    [Fact]
    public void Bad_arguments_are_a_usage_error()
    {
        var r = Run("", "--engine", "nope");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown engine", r.Stderr);
        Assert.Contains("usage", r.Stderr);
    }

    [Fact]
    public void Without_a_file_it_runs_the_embedded_mandelbrot()
    {
        var r = Run("");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(TestPrograms.Directory, "Mandelbrot.out"), Encoding.Latin1), r.Stdout);
    }
}
