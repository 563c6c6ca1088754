using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Xunit.Abstractions;
using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>
/// Hostile programs: deeply nested brackets, very large programs, random bytes and unbalanced brackets. Under every
/// engine each one runs correctly or fails with a typed exception that says why; nothing may crash, overflow the
/// stack or hang.
/// </summary>
/// <remarks>
/// The aot engine runs clang -O3, whose time grows much faster than linearly with nesting and size (10,000 nested
/// loops that run at most once: about 3 s; 30,000 or 100,000: minutes), so it gets smaller programs: 10,000 levels
/// only of loops without a back-edge, a 4 KB random program instead of 10 MB, 64 KB of random bytes instead of
/// 1 MB, and the million-level programs are checked to be refused at once (<see cref="AotEngine.MaxLoopDepth"/>,
/// <see cref="AotEngine.MaxOps"/>).
/// </remarks>
public class HostileInputTests(ITestOutputHelper log)
{
    public static TheoryData<EngineKind> Engines()
    {
        var data = new TheoryData<EngineKind>();
        foreach (var e in TestPrograms.AllEngines) data.Add(e);
        return data;
    }

    /// <summary>The aot engine needs clang: its absence fails the test with a message.</summary>
    private static void RequireClangFor(EngineKind engine)
    {
        if (engine == EngineKind.Aot) Assert.True(TestPrograms.HasClang, "the aot engine needs clang 19 or newer: ./build.sh installs it (or set PATCHOULY_CLANG)");
    }

    /// <summary><c>+[[[…[-]…]]]+++.</c>: every loop is entered once, the innermost clears the cell, all exit; prints 3.</summary>
    internal static string NestedOnce(int levels) => "+" + new string('[', levels) + "-" + new string(']', levels) + "+++.";

    /// <summary>
    /// <c>+[&gt;+[&gt;…&lt;-]&lt;-]+++.</c>: nested loops that repeat (each tests its own cell and moves to the next),
    /// the pointer reaching cell <paramref name="levels"/>; prints 3.
    /// </summary>
    internal static string NestedLoops(int levels)
    {
        var sb = new StringBuilder(levels * 6 + 8);
        for (int i = 0; i < levels; i++) sb.Append("+[>");
        for (int i = 0; i < levels; i++) sb.Append("<-]");
        return sb.Append("+++.").ToString();
    }

    /// <summary>Runs <paramref name="action"/> on a thread with a small stack, to show nothing recurses per nesting level.</summary>
    private static void OnSmallStack(Action action, int stackBytes = 256 * 1024)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                error = e;
            }
        }, stackBytes);
        thread.Start();
        thread.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Ten_thousand_nested_brackets_run(EngineKind engine)
    {
        RequireClangFor(engine);
        var (result, output) = TestPrograms.Run(NestedOnce(10_000), engine);
        Assert.Equal(RunStatus.Ok, result.Status);
        Assert.Equal([3], output);
    }

    [Theory]
    [InlineData(EngineKind.Jit)]
    [InlineData(EngineKind.Interp)]
    [InlineData(EngineKind.Emit)]
    public void Ten_thousand_nested_repeating_loops_run(EngineKind engine)
    {
        var program = IrBuilder.Build(NestedLoops(10_000));
        Assert.Equal(9_999, program.LoopDepth); // the innermost loop runs once (its cell is known to be 0 after it)
        var (result, output) = TestPrograms.Run(NestedLoops(10_000), engine);
        Assert.Equal(RunStatus.Ok, result.Status);
        Assert.Equal([3], output);
    }

    [Fact]
    public void Aot_compiles_loops_nested_up_to_its_limit_and_refuses_deeper_ones_at_once()
    {
        Assert.True(TestPrograms.HasClang, "the aot engine needs clang 19 or newer: ./build.sh installs it (or set PATCHOULY_CLANG)");
        // 20 levels compile (clang: about a second); 40 (the limit) take several seconds on a loaded machine.
        var (result, output) = TestPrograms.Run(NestedLoops(21), EngineKind.Aot);
        Assert.Equal(RunStatus.Ok, result.Status);
        Assert.Equal([3], output);

        foreach (int levels in new[] { AotEngine.MaxLoopDepth + 2, 10_000 })
        {
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<AotCompileException>(() => TestPrograms.Run(NestedLoops(levels), EngineKind.Aot));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refusing {levels} levels took {clock.Elapsed}");
            Assert.Contains($"nest {levels - 1} deep", e.Message);
            Assert.Contains($"({AotEngine.MaxLoopDepth})", e.Message);
        }
    }

    [Theory]
    [InlineData(EngineKind.Jit)]
    [InlineData(EngineKind.Interp)]
    [InlineData(EngineKind.Emit)] // about 5 s: RyuJIT compiles 2,500 outlined methods of 400 nested loops
    public void A_million_nested_brackets_run_on_a_small_stack(EngineKind engine)
    {
        string source = NestedOnce(1_000_000);
        OnSmallStack(() =>
        {
            var (result, output) = TestPrograms.Run(source, engine);
            Assert.Equal(RunStatus.Ok, result.Status);
            Assert.Equal([3], output);
        });
    }

    [Theory]
    [InlineData(EngineKind.Jit)]
    [InlineData(EngineKind.Interp)]
    // Not emit: 6 million IR ops of nested loops take RyuJIT minutes (it works, 10,000 levels are tested above).
    public void A_million_nested_repeating_loops_run_on_a_small_stack(EngineKind engine)
    {
        string source = NestedLoops(1_000_000);
        OnSmallStack(() =>
        {
            var program = IrBuilder.Build(source);
            Assert.Equal(999_999, program.LoopDepth);
            // The pointer walks a million cells to the right: on the default tape that is an overrun ...
            var (overrun, nothing) = TestPrograms.Run(source, engine);
            Assert.Equal(RunStatus.TapeOverrun, overrun.Status);
            Assert.False(overrun.OffLeftEnd);
            Assert.Empty(nothing);
            // ... and with enough cells it runs.
            var (result, output) = TestPrograms.Run(source, engine, cells: 1 << 21);
            Assert.Equal(RunStatus.Ok, result.Status);
            Assert.Equal([3], output);
        });
    }

    [Fact]
    public void The_ir_dump_of_deeply_nested_loops_stays_linear_in_size()
    {
        var program = IrBuilder.Build(NestedLoops(100_000));
        string dump = program.Dump();
        int lines = dump.Count(c => c == '\n');
        Assert.Equal(program.Count, lines);
        // Indented by depth it would be about 6 * 10^10 chars (a million levels: 6 * 10^12).
        Assert.True(dump.Length < 200L * lines, $"{dump.Length} chars for {lines} lines");
        Assert.Contains("(depth 99999) ", dump);
    }

    [Fact]
    public void Aot_refuses_a_million_nested_brackets_at_once()
    {
        Assert.True(TestPrograms.HasClang, "the aot engine needs clang 19 or newer: ./build.sh installs it (or set PATCHOULY_CLANG)");
        foreach (string source in new[] { NestedOnce(1_000_000), NestedLoops(1_000_000) })
        {
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<AotCompileException>(() => TestPrograms.Run(source, EngineKind.Aot));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"refusing took {clock.Elapsed}");
            Assert.Contains("aot engine", e.Message);
        }
    }

    [Fact]
    public void Aot_stops_clang_after_its_timeout()
    {
        Assert.True(TestPrograms.HasClang, "the aot engine needs clang 19 or newer: ./build.sh installs it (or set PATCHOULY_CLANG)");
        var program = IrBuilder.Build(TestPrograms.Source("mandelbrot.bf"));
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<AotCompileException>(() =>
            Patchouly.Samples.Bf.Engines.AotEngine.Compile(program, new Tape(), TimeSpan.FromMilliseconds(50)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"stopping clang took {clock.Elapsed}");
        Assert.Contains("did not finish in 0.05 s", e.Message);
    }

    /// <summary>
    /// A random program that terminates quickly: straight-line code, clears, multiply loops, and loops (nested up to
    /// <paramref name="maxDepth"/>) that set their counter to 1..4 first and whose bodies never touch an enclosing
    /// loop's counter; output now and then, input at end of input. The pointer stays in cells 0..999.
    /// </summary>
    internal static string RandomProgram(int length, int seed, int maxDepth = 3)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder(length + 4096);
        int pos = 0;
        var counters = new List<int>();
        while (sb.Length < length) Chunk(sb, rng, ref pos, counters, maxDepth);
        return sb.ToString();

        static void Chunk(StringBuilder sb, Random rng, ref int pos, List<int> counters, int maxDepth)
        {
            int kind = rng.Next(10);
            if (kind < 5)
            {
                for (int n = rng.Next(1, 24); n > 0; n--)
                {
                    switch (rng.Next(8))
                    {
                        case 0 or 1 or 2 when !counters.Contains(pos): sb.Append(rng.Next(2) == 0 ? '+' : '-'); break;
                        case 3 when pos < 999: sb.Append('>'); pos++; break;
                        case 4 when pos > 0: sb.Append('<'); pos--; break;
                        case 5 when counters.Count == 0 && rng.Next(8) == 0: sb.Append('.'); break;
                        case 6 when counters.Count == 0 && rng.Next(16) == 0 && !counters.Contains(pos): sb.Append(','); break;
                    }
                }
                return;
            }
            // Move to a cell that is not an enclosing loop's counter, then work there.
            int target = Math.Clamp(pos + rng.Next(-6, 7), 0, 999);
            if (counters.Contains(target)) return;
            sb.Append(target > pos ? new string('>', target - pos) : new string('<', pos - target));
            pos = target;
            switch (kind)
            {
                case 5:
                    sb.Append(rng.Next(2) == 0 ? "[-]" : "[+]");
                    break;
                case 6:
                {
                    // [->>+++<<]: a multiply loop into a cell that is no counter
                    int d = rng.Next(-4, 5);
                    if (d == 0 || pos + d < 0 || pos + d > 999 || counters.Contains(pos + d)) break;
                    string there = d > 0 ? new string('>', d) : new string('<', -d);
                    string back = d > 0 ? new string('<', d) : new string('>', -d);
                    sb.Append("[-").Append(there).Append('+', rng.Next(1, 4)).Append(back).Append(']');
                    break;
                }
                default:
                {
                    if (counters.Count >= maxDepth) break;
                    int at = pos;
                    sb.Append("[-]").Append('+', rng.Next(1, 5)).Append('[');
                    counters.Add(at);
                    for (int n = rng.Next(1, 5); n > 0; n--) Chunk(sb, rng, ref pos, counters, maxDepth);
                    sb.Append(pos > at ? new string('<', pos - at) : new string('>', at - pos)).Append("-]");
                    pos = at;
                    counters.RemoveAt(counters.Count - 1);
                    break;
                }
            }
        }
    }

    [Fact]
    public void A_10_MB_program_compiles_fast_under_jit_and_runs_like_interp()
    {
        string source = RandomProgram(10 << 20, seed: 10);
        Assert.True(source.Length >= 10 << 20);
        var clock = Stopwatch.StartNew();
        var program = IrBuilder.Build(source);
        var frontEnd = clock.Elapsed;
        Assert.True(program.LoopDepth is > 0 and <= 3, $"loop depth {program.LoopDepth}");
        clock.Restart();
        using var jit = Patchouly.Samples.Bf.Engines.Engines.Compile(EngineKind.Jit, program);
        var compile = clock.Elapsed;
        // About 1 s each on a loaded 2-core machine; a quadratic step would take minutes.
        Assert.True(frontEnd < TimeSpan.FromSeconds(30), $"front end {frontEnd}");
        Assert.True(compile < TimeSpan.FromSeconds(30), $"jit compile {compile} for {program.Count} IR ops");
        Assert.True(jit.CodeSize > program.Count, $"{jit.CodeSize} bytes of code for {program.Count} IR ops");
        Assert.True(program.Count > 1_000_000, $"{program.Count} IR ops");
        log.WriteLine($"{source.Length} bytes, {program.Count} IR ops: front end {frontEnd.TotalMilliseconds:F0} ms, jit compile {compile.TotalMilliseconds:F0} ms ({source.Length / 1e6 / compile.TotalSeconds:F1} MB/s), {jit.CodeSize} bytes of code");

        using var interp = Patchouly.Samples.Bf.Engines.Engines.Compile(EngineKind.Interp, program);
        var (jitResult, jitOutput) = RunCompiled(jit, [1, 2, 3]);
        var (interpResult, interpOutput) = RunCompiled(interp, [1, 2, 3]);
        Assert.Equal(RunStatus.Ok, interpResult.Status);
        Assert.Equal(interpResult, jitResult);
        Assert.True(interpOutput.Length > 1000, $"{interpOutput.Length} bytes of output");
        Assert.Equal(interpOutput, jitOutput);
        log.WriteLine($"output {interpOutput.Length} bytes");
    }

    [Theory]
    [InlineData(EngineKind.Emit, 1 << 20)] // RyuJIT takes a few seconds per MB
    [InlineData(EngineKind.Aot, 4 << 10)]   // clang -O3 on a large function is slow (see the remarks)
    public void A_large_random_program_runs_like_interp(EngineKind engine, int length)
    {
        RequireClangFor(engine);
        string source = RandomProgram(length, seed: length);
        var (expected, expectedOutput) = TestPrograms.Run(source, EngineKind.Interp, [7, 8]);
        Assert.Equal(RunStatus.Ok, expected.Status);
        var clock = Stopwatch.StartNew();
        var (result, output) = TestPrograms.Run(source, engine, [7, 8]);
        Assert.Equal(expected, result);
        Assert.Equal(expectedOutput, output);
        Assert.True(output.Length > 10, $"{output.Length} bytes of output");
        log.WriteLine($"{engine}: {source.Length} bytes, {IrBuilder.Build(source).Count} IR ops, compile and run {clock.ElapsedMilliseconds} ms, output {output.Length} bytes");
    }

    private static (RunResult, byte[]) RunCompiled(ICompiledProgram compiled, byte[] input)
    {
        var output = new MemoryStream();
        var io = new BfIo(new MemoryStream(input), output);
        var result = compiled.Run(io);
        io.Flush();
        return (result, output.ToArray());
    }

    /// <summary>Where a reference bracket matcher finds the first error: the first unmatched ']', else the first unmatched '['.</summary>
    internal static (int Position, int Line, int Column, string What)? FirstBracketError(string source)
    {
        var open = new Stack<int>();
        for (int i = 0; i < source.Length; i++)
        {
            if (source[i] == '[') open.Push(i);
            else if (source[i] == ']' && open.Count == 0) return Where(i, "unmatched ']'");
            else if (source[i] == ']') open.Pop();
        }
        return open.Count == 0 ? null : Where(open.Min(), "unmatched '['");

        (int, int, int, string) Where(int index, string what)
        {
            string before = source[..index];
            int line = before.Count(c => c == '\n') + 1;
            int column = index - (before.LastIndexOf('\n') + 1) + 1;
            return (index + 1, line, column, what);
        }
    }

    private static string RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return Encoding.Latin1.GetString(bytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_bytes_fail_with_the_position_of_an_unmatched_bracket(int seed)
    {
        string source = RandomBytes(1 << 20, seed);
        var error = FirstBracketError(source);
        Assert.NotNull(error); // 4,000 random brackets are (almost surely, and for these seeds) unbalanced
        var (position, line, column, what) = error.Value;
        foreach (var engine in TestPrograms.Engines())
        {
            var e = Assert.Throws<BfSyntaxException>(() => TestPrograms.Run(source, engine));
            TestPrograms.AssertBracketError(e, position, what, line, column);
            Assert.Contains($"at position {position} (line {line}, column {column})", e.Message);
        }
    }

    [Theory]
    [InlineData(5, 0)]
    [InlineData(6, 0)]
    [InlineData(7, 30_000)] // starting in the middle of the tape: it probably runs to the end
    [InlineData(8, 30_000)]
    public void Random_bytes_without_brackets_run_alike_under_every_engine(int seed, int start)
    {
        // The commands of random bytes (1/32 of them) are a random walk of the pointer with I/O: a run either ends
        // or leaves the tape; every engine must agree with the interpreter, output included.
        foreach (var engine in TestPrograms.Engines())
        {
            string bytes = RandomBytes(engine == EngineKind.Aot ? 64 << 10 : 1 << 20, seed);
            string source = new string('>', start) + bytes.Replace("[", "").Replace("]", "");
            var (expected, expectedOutput) = TestPrograms.Run(source, EngineKind.Interp, [1, 2, 3, 4, 5]);
            var (result, output) = TestPrograms.Run(source, engine, [1, 2, 3, 4, 5]);
            Assert.True(expected.Status == result.Status, $"{engine}, seed {seed}: {result.Status}, interp {expected.Status}");
            Assert.Equal(expected.OffLeftEnd, result.OffLeftEnd);
            Assert.Equal(expectedOutput, output);
        }
    }

    [Theory]
    [InlineData("[", 1, "unmatched '['")]
    [InlineData("]", 1, "unmatched ']'")]
    [InlineData("[[]", 1, "unmatched '['")]
    [InlineData("[]]", 3, "unmatched ']'")]
    [InlineData("+[>[<-]", 2, "unmatched '['")]
    [InlineData("+[-]]]", 5, "unmatched ']'")]
    public void Unbalanced_brackets_fail_before_any_engine_runs(string source, int position, string what)
    {
        foreach (var engine in TestPrograms.AllEngines) // even without clang: the front end fails first
        {
            var e = Assert.Throws<BfSyntaxException>(() => TestPrograms.Run(source, engine));
            TestPrograms.AssertBracketError(e, position, what);
        }
    }
}
