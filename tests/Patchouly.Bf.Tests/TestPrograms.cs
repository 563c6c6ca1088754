using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;

namespace Patchouly.Bf.Tests;

/// <summary>The programs of <c>samples/Bf/Programs</c> (copied next to the tests) and how to run them.</summary>
public static class TestPrograms
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Programs");

    /// <summary>Every program with an expected output: (program, input or null, expected output, heavy).</summary>
    public static readonly (string Program, string? Input, string Output, bool Heavy)[] WithOutput =
    [
        ("Hello.b", null, "Hello.out", false),
        ("kostya-bench.b", null, "kostya-bench.out", false),
        ("rdebath-bench.b", null, "rdebath-bench.out", false),
        ("Endtest.b", "Endtest.in", "Endtest.out", false),
        ("cristofd-misctest.b", null, "cristofd-misctest.out", false),
        ("cristofd-endtest.b", "cristofd-endtest.in", "cristofd-endtest.out", false),
        ("factor.bf", "Factor.in", "Factor.out", false),
        ("mandelbrot.bf", null, "Mandelbrot.out", true),
    ];

    public static EngineKind[] AllEngines { get; } = [EngineKind.Jit, EngineKind.Interp, EngineKind.Emit, EngineKind.Aot, EngineKind.Managed];

    public static string Source(string name) => File.ReadAllText(Path.Combine(Directory, name));

    public static byte[] Bytes(string? name) => name is null ? [] : File.ReadAllBytes(Path.Combine(Directory, name));

    /// <summary>Compiles and runs with the engine (small tape when asked), returning the status and the output.</summary>
    public static (RunResult Result, byte[] Output) Run(string source, EngineKind engine, byte[]? input = null, int cells = Tape.DefaultCells)
        => BfRunner.Run(source, engine, input, cells);

    /// <summary>Compiles IR (for instance the output of a JIT pass) with the engine and runs it on a 4,096-cell tape: the status, the output and the whole tape.</summary>
    public static (RunResult Result, byte[] Output, byte[] Tape) RunIr(EngineKind engine, Patchouly.Samples.Bf.Ir.BfProgram program)
    {
        using var compiled = Samples.Bf.Engines.Engines.Compile(engine, program, 4096);
        var output = new MemoryStream();
        var io = new BfIo(new MemoryStream(), output);
        var result = compiled.Run(io);
        io.Flush();
        return (result, output.ToArray(), compiled.Tape.Span.ToArray());
    }

    /// <summary><c>loop_begin -> exit</c>, for hand-written IR.</summary>
    public static Patchouly.Samples.Bf.Ir.Op LoopBegin(int exit) => new(Patchouly.Samples.Bf.Ir.OpKind.LoopBegin, arg: exit);

    /// <summary><c>loop_end -> body</c> (adding <paramref name="add"/> to the cell first), for hand-written IR.</summary>
    public static Patchouly.Samples.Bf.Ir.Op LoopEnd(int body, byte add = 0) => new(Patchouly.Samples.Bf.Ir.OpKind.LoopEnd, arg: body, imm: add);

    /// <summary>True when the aot engine can run here (clang is found).</summary>
    public static bool HasClang => AotEngine.FindClang() is not null;

    public static IEnumerable<EngineKind> Engines(bool includeAot = true) =>
        AllEngines.Where(e => e != EngineKind.Aot || includeAot);

    /// <summary>Asserts that <paramref name="e"/> reports a bracket error <paramref name="what"/> at
    /// <paramref name="position"/> (and at <paramref name="line"/>, <paramref name="column"/> when given).</summary>
    public static void AssertBracketError(Patchouly.Samples.Bf.Ir.BfSyntaxException e, int position, string what, int? line = null, int? column = null)
    {
        Xunit.Assert.Equal(position, e.Position);
        if (line is not null) Xunit.Assert.Equal(line, e.Line);
        if (column is not null) Xunit.Assert.Equal(column, e.Column);
        Xunit.Assert.Contains(what, e.Message);
        Xunit.Assert.Contains($"position {position}", e.Message);
    }
}
