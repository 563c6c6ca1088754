using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>
/// Every program of <c>samples/Bf/Programs</c> emitted once by the JIT and run by <see cref="EngineOracle"/> on the
/// native and the managed engine: the same status word, the same tape afterwards and the same output.
/// </summary>
public class ManagedEngineTests
{
    /// <summary>Every program file but <c>cat.bf</c>, which never ends (it echoes the last byte forever after EOF).</summary>
    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestPrograms.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            if ((file!.EndsWith(".b", StringComparison.Ordinal) || file.EndsWith(".bf", StringComparison.Ordinal)) && file != "cat.bf")
                data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Every_program_runs_alike_on_both_engines(string name)
    {
        string? inputFile = TestPrograms.WithOutput.FirstOrDefault(p => p.Program == name).Input;
        byte[] input = name == "factor.bf" ? "1234567\n"u8.ToArray() : TestPrograms.Bytes(inputFile);
        var program = IrBuilder.Build(TestPrograms.Source(name));
        using var tape = new Tape();
        using var both = JitEngine.CompileWithOracle(program, tape);
        Assert.Equal(ExecutionEngine.Managed, both.Managed.Engine);

        // One I/O context handle for both runs; its target is a fresh BfIo before each run.
        var outputs = new System.Collections.Generic.List<MemoryStream>();
        var ios = new System.Collections.Generic.List<BfIo>();
        var handle = GCHandle.Alloc(null);
        try
        {
            void Fresh()
            {
                var output = new MemoryStream();
                outputs.Add(output);
                var io = new BfIo(new MemoryStream(input), output);
                ios.Add(io);
                handle.Target = io;
            }
            tape.Clear();
            OracleResult result;
            unsafe
            {
                result = both.Run([(long)tape.Start, GCHandle.ToIntPtr(handle)], tape.Span, Fresh);
            }
            Assert.True(result.Agree, $"{name}: {result}");
            Assert.Equal(2, outputs.Count);
            foreach (var io in ios) io.Flush();
            Assert.Equal(outputs[1].ToArray(), outputs[0].ToArray()); // native, managed
            if (TestPrograms.WithOutput.FirstOrDefault(p => p.Program == name) is { Output: { } expected } && name != "factor.bf")
                Assert.Equal(TestPrograms.Bytes(expected), outputs[0].ToArray());
        }
        finally
        {
            handle.Free();
        }
    }
}
