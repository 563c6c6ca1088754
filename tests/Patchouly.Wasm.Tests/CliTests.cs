using System;
using System.Diagnostics;
using System.IO;

namespace Patchouly.Wasm.Tests;

/// <summary>The command line: results one per line (signed integers, round-trippable floats), traps and bad input as errors.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Wasm.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "the CLI did not finish");
        return (p.ExitCode, output, err.Result);
    }

    private static string Write(byte[] bytes)
    {
        string f = Path.Combine(Path.GetTempPath(), $"patchouly-wasm-cli-{Guid.NewGuid():N}.wasm");
        File.WriteAllBytes(f, bytes);
        return f;
    }

    [Fact]
    public void PrintsResultsAndStats()
    {
        string f = Write(EngineAgreementTests.CompileC("nbody"));
        try
        {
            foreach (var engine in new[] { "jit", "wasmtime" })
            {
                var (code, output, err) = Run("run", f, "--invoke", "run", "1000", "0", "--engine", engine, "--stats");
                Assert.Equal(0, code);
                Assert.Equal("-169087605\n", output); // the energy after 1000 steps, -0.169087605, times 1e9
                Assert.Contains("compile", err);
                Assert.Contains("run", err);
            }
        }
        finally
        {
            File.Delete(f);
        }
    }

    /// <summary>(func (export "f") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))</summary>
    private static readonly byte[] Divide = [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 6, 1, 0x60, 1, 0x7F, 1, 0x7F, 3, 2, 1, 0, 7, 5, 1, 1, 0x66, 0, 0, 10, 9, 1, 7, 0, 0x41, 1, 0x20, 0, 0x6D, 0x0B];

    /// <summary>A module cut off inside its type section.</summary>
    private static readonly byte[] Truncated = [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 5];

    [Fact]
    public void TrapsAndBadModulesAreErrors()
    {
        string f = Write(Divide);
        string bad = Write(Truncated);
        try
        {
            Assert.Equal((0, "-1\n"), Trim(Run("run", f, "--invoke", "f", "-1")));
            var (code, _, err) = Run("run", f, "--invoke", "f", "0");
            Assert.Equal(3, code);
            Assert.Contains("integer divide by zero", err);
            (code, _, err) = Run("run", bad, "--invoke", "f");
            Assert.Equal(1, code);
            Assert.Contains("malformed module", err);
            Assert.Contains("section type", err);
        }
        finally
        {
            File.Delete(f);
            File.Delete(bad);
        }
    }

    private static (int, string) Trim((int Code, string Out, string Err) r) => (r.Code, r.Out);

    [Fact]
    public void DisasmPrintsEachFunctionsStencils()
    {
        string f = Write(Divide);
        string bad = Write(Truncated);
        try
        {
            var (code, output, _) = Run("disasm", f);
            Assert.Equal(0, code);
            Assert.StartsWith("; function f0\n", output);
            Assert.Contains("; entry shim", output);
            Assert.Contains("; I32DivS [", output);
            Assert.Contains("; Return [", output);
            (code, _, var err) = Run("disasm", bad);
            Assert.Equal(1, code);
            Assert.Contains("malformed module", err);
            Assert.Equal(2, Run("disasm").Code);
        }
        finally
        {
            File.Delete(f);
            File.Delete(bad);
        }
    }

    [Fact]
    public void FloatsAreRoundTrippable()
    {
        Assert.Equal("0.1", Patchouly.Samples.Wasm.Program.FormatValue(Patchouly.Samples.Wasm.Decoding.ValType.F64, BitConverter.DoubleToInt64Bits(0.1)));
        Assert.Equal("NaN", Patchouly.Samples.Wasm.Program.FormatValue(Patchouly.Samples.Wasm.Decoding.ValType.F32, (uint)BitConverter.SingleToInt32Bits(float.NaN)));
        Assert.Equal("-2147483648", Patchouly.Samples.Wasm.Program.FormatValue(Patchouly.Samples.Wasm.Decoding.ValType.I32, unchecked((uint)int.MinValue)));
    }
}
