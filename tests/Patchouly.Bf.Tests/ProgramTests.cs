using System;
using System.IO;
using System.Linq;
using System.Text;
using Patchouly.Samples.Bf.Engines;

namespace Patchouly.Bf.Tests;

/// <summary>The sample programs with expected outputs, under every engine.</summary>
public class ProgramTests
{
    public static TheoryData<string, EngineKind> Cases()
    {
        var data = new TheoryData<string, EngineKind>();
        foreach (var (program, _, _, heavy) in TestPrograms.WithOutput)
            foreach (var engine in TestPrograms.AllEngines)
                if (!(heavy && engine == EngineKind.Interp)) // mandelbrot takes seconds in the interpreter
                    data.Add(program, engine);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Produces_the_expected_output(string program, EngineKind engine)
    {
        if (engine == EngineKind.Aot) Assert.True(TestPrograms.HasClang, "the aot engine needs clang 19 or newer: ./build.sh installs it (or set PATCHOULY_CLANG)");
        var (_, input, expectedFile, _) = TestPrograms.WithOutput.Single(p => p.Program == program);
        var (result, output) = TestPrograms.Run(TestPrograms.Source(program), engine, TestPrograms.Bytes(input));
        Assert.Equal(RunStatus.Ok, result.Status);
        byte[] expected = TestPrograms.Bytes(expectedFile);
        Assert.True(expected.AsSpan().SequenceEqual(output),
            $"{program} under {engine}: expected {expected.Length} bytes, got {output.Length}:\n{Encoding.Latin1.GetString(output)}");
    }

    [Fact]
    public void Every_expected_output_file_has_a_case()
    {
        var covered = TestPrograms.WithOutput.Select(p => p.Output).ToHashSet();
        var files = Directory.GetFiles(TestPrograms.Directory, "*.out").Select(Path.GetFileName).ToArray();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.Contains(f!, covered));
    }

    [Fact]
    public void Factor_of_the_benchmark_input_is_the_same_under_every_engine()
    {
        string source = TestPrograms.Source("factor.bf");
        byte[] input = "179424691\n"u8.ToArray();
        var outputs = TestPrograms.Engines().Where(e => e != EngineKind.Interp)
            .Select(e => Encoding.ASCII.GetString(TestPrograms.Run(source, e, input).Output)).Distinct().ToArray();
        Assert.Equal(["179424691: 179424691\n"], outputs);
    }

    [Fact]
    public void Cat_copies_its_input()
    {
        // cat.bf is +[,.]: it never ends on its own; EOF leaves the cell unchanged, so it echoes the last byte
        // forever. Use a variant that stops at EOF (input cell cleared first) for every engine.
        string source = ",[.[-],]";
        byte[] input = Encoding.ASCII.GetBytes("copy me\n");
        foreach (var engine in TestPrograms.Engines())
        {
            var (result, output) = TestPrograms.Run(source, engine, input);
            Assert.Equal(RunStatus.Ok, result.Status);
            Assert.Equal("copy me\n", Encoding.ASCII.GetString(output));
        }
    }

    [Fact]
    public void One_to_five_counts()
    {
        foreach (var engine in TestPrograms.Engines())
            Assert.Equal("12345", Encoding.ASCII.GetString(TestPrograms.Run(TestPrograms.Source("1-to-5.bf"), engine).Output));
    }
}
