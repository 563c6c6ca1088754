using System;
using System.IO;
using System.Text;
using System.Collections.Generic;
using Patchouly.Runtime.Tables;
using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Ir;
using Patchouly.Samples.Bf.Engines;

namespace Patchouly.CrossTarget.Tests;

/// <summary>The programs of samples/Bf/Programs with an expected output, under the JIT engine: byte-identical.</summary>
public class BfProgramTests
{
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "Programs");

    /// <summary>(program, input or null, expected output).</summary>
    public static TheoryData<string, string?, string> Programs() => new()
    {
        { "Hello.b", null, "Hello.out" },
        { "kostya-bench.b", null, "kostya-bench.out" },
        { "rdebath-bench.b", null, "rdebath-bench.out" },
        { "Endtest.b", "Endtest.in", "Endtest.out" },
        { "cristofd-misctest.b", null, "cristofd-misctest.out" },
        { "cristofd-endtest.b", "cristofd-endtest.in", "cristofd-endtest.out" },
        { "factor.bf", "Factor.in", "Factor.out" },
        { "mandelbrot.bf", null, "Mandelbrot.out" },
    };

    /// <summary>Every program with every table target that runs here (<see cref="RunnableTables"/>).</summary>
    public static IEnumerable<object?[]> TargetsAndPrograms() => RunnableTables.Cross(Programs());

    [Theory]
    [MemberData(nameof(TargetsAndPrograms))]
    public void Jit_output_is_byte_identical(string target, string program, string? input, string expectedFile)
    {
        string source = File.ReadAllText(Path.Combine(s_directory, program));
        byte[] stdin = input is null ? [] : File.ReadAllBytes(Path.Combine(s_directory, input));
        var (result, output) = RunJit(source, stdin, RunnableTables.Of(BfStencils.Library, target));
        Assert.Equal(RunStatus.Ok, result.Status);
        byte[] expected = File.ReadAllBytes(Path.Combine(s_directory, expectedFile));
        Assert.True(expected.AsSpan().SequenceEqual(output),
            $"{program}: expected {expected.Length} bytes, got {output.Length}:\n{Encoding.Latin1.GetString(output)}");
    }

    /// <summary>Runs <paramref name="source"/> with the JIT engine on the tables of <paramref name="library"/> (as <see cref="BfRunner.Run(string, EngineKind, byte[], int)"/> does with the process's own).</summary>
    private static (RunResult Result, byte[] Output) RunJit(string source, byte[] stdin, StencilLibrary library)
    {
        var program = IrBuilder.Build(source);
        using var tape = new Tape(Tape.DefaultCells);
        using var compiled = JitEngine.Compile(program, tape, library: library);
        var output = new MemoryStream();
        var io = new BfIo(new MemoryStream(stdin), output);
        var result = compiled.Run(io);
        if (io.Flush() != 0 && result.Status == RunStatus.Ok) result = new RunResult(RunStatus.IoError);
        return (result, output.ToArray());
    }

    [Fact]
    public void Every_expected_output_file_has_a_case()
    {
        var files = Directory.GetFiles(s_directory, "*.out");
        Assert.NotEmpty(files);
        foreach (var file in files)
            Assert.Contains(Programs(), row => (string)row[2] == Path.GetFileName(file));
    }
}
