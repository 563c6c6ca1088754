using System;
using System.IO;
using System.Linq;
using System.Text;
using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>Tape ends, end of input, I/O failures and bad brackets, under every engine.</summary>
public class EdgeCaseTests
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

    [Theory]
    [MemberData(nameof(Engines))]
    public void Left_margin_stops_before_printing(EngineKind engine)
    {
        RequireClangFor(engine);
        var (result, output) = TestPrograms.Run(TestPrograms.Source("cristofd-leftmargin.b"), engine);
        Assert.Equal(RunStatus.TapeOverrun, result.Status);
        Assert.True(result.OffLeftEnd);
        Assert.Empty(output);
        Assert.Contains("left end", result.Message());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Right_margin_prints_one_mark_per_cell_then_stops(EngineKind engine)
    {
        RequireClangFor(engine);
        var (result, output) = TestPrograms.Run(TestPrograms.Source("cristofd-rightmargin.b"), engine);
        Assert.Equal(RunStatus.TapeOverrun, result.Status);
        Assert.False(result.OffLeftEnd);
        Assert.Equal(Tape.DefaultCells - 1, output.Length);
        Assert.All(output, b => Assert.Equal((byte)'!', b));
    }

    [Theory]
    [InlineData("<", true)]
    [InlineData("<+>", true)]                    // visited, even if the pointer comes back
    [InlineData("+[<]", true)]                   // a scan off the left end
    [InlineData("+[[>]+]", false)]               // scans and steps off the right end
    [InlineData("+[>+]", false)]
    [InlineData("+[->>>>>>>>>+<<<<<<<<<]", false, 4)] // a multiply loop whose target is past the end
    [InlineData(">>>>>>>>>>[-]<<<<<<<<<<<[-]", true)]
    [InlineData("+[-<+>]", true)]
    public void Moving_off_the_tape_is_an_overrun(string source, bool left, int cellsFromEnd = -1)
    {
        foreach (var engine in TestPrograms.Engines())
        {
            string program = cellsFromEnd < 0 ? source : new string('>', 4096 - cellsFromEnd) + source;
            var (result, output) = TestPrograms.Run(program, engine, cells: 4096);
            Assert.True(result.Status == RunStatus.TapeOverrun, $"{engine}: {source} gave {result.Status}");
            Assert.Equal(left, result.OffLeftEnd);
            Assert.Empty(output);
        }
    }

    [Theory]
    [InlineData("[<]", 0, false)]                // never entered (cell 0 starts at 0)
    [InlineData(",[<]", 0, false)]               // a scan that is not entered
    [InlineData(",[<]", 1, true)]
    [InlineData(",[-<+>]", 0, false)]            // a multiply loop into cell -1 with a zero counter does nothing
    [InlineData(",[-<+>]", 1, true)]             // with a non-zero counter it moves there
    [InlineData(",[<+>-]", 2, true)]
    [InlineData(",[>+<-]<", 0, true)]
    public void Only_visited_cells_count(string source, byte input, bool overrun)
    {
        foreach (var engine in TestPrograms.Engines())
        {
            var (result, _) = TestPrograms.Run(source, engine, [input], cells: 4096);
            Assert.True((overrun ? RunStatus.TapeOverrun : RunStatus.Ok) == result.Status, $"{engine}: {source} with {input} gave {result.Status}");
        }
    }

    [Fact]
    public void A_multiply_loop_at_the_last_cell_with_a_zero_counter_is_fine()
    {
        // Cell 4095 is the last; its loop would add into cell 4096, but the counter is 0 so it never runs.
        string program = new string('>', 4095) + "[->+<]<+.";
        foreach (var engine in TestPrograms.Engines())
        {
            var (result, output) = TestPrograms.Run(program, engine, cells: 4096);
            Assert.Equal(RunStatus.Ok, result.Status);
            Assert.Equal([1], output);
        }
    }

    [Fact]
    public void The_last_cell_is_usable_and_the_next_is_not()
    {
        string last = new string('>', 4095) + "+++.";
        string past = new string('>', 4096) + "+++.";
        foreach (var engine in TestPrograms.Engines())
        {
            var (ok, printed) = TestPrograms.Run(last, engine, cells: 4096);
            Assert.Equal(RunStatus.Ok, ok.Status);
            Assert.Equal([3], printed);
            var (overrun, nothing) = TestPrograms.Run(past, engine, cells: 4096);
            Assert.Equal(RunStatus.TapeOverrun, overrun.Status);
            Assert.Empty(nothing);
        }
    }

    [Fact]
    public void Cells_wrap_at_8_bits()
    {
        string program = "-." + new string('+', 300) + ".>,-.";
        foreach (var engine in TestPrograms.Engines())
        {
            var (result, output) = TestPrograms.Run(program, engine, [0]);
            Assert.Equal(RunStatus.Ok, result.Status);
            Assert.Equal([255, unchecked((byte)(255 + 300)), 255], output);
        }
    }

    [Fact]
    public void Input_at_end_leaves_the_cell_unchanged()
    {
        foreach (var engine in TestPrograms.Engines())
        {
            var (result, output) = TestPrograms.Run("+++++,.,.>,.", engine, "A"u8.ToArray());
            Assert.Equal(RunStatus.Ok, result.Status);
            Assert.Equal("AA\0", Encoding.Latin1.GetString(output));
        }
    }

    [Fact]
    public void Output_is_flushed_before_each_read()
    {
        foreach (var engine in TestPrograms.Engines())
        {
            var output = new MemoryStream();
            var input = new ProbeInput(output);
            var run = BfRunner.Run("++++++++[>++++++++<-]>+.,.", engine, input, output);
            Assert.Equal(RunStatus.Ok, run.Result.Status);
            Assert.Equal(1, input.OutputLengthAtFirstRead); // 'A' was written before the program read
            Assert.Equal("AB", Encoding.ASCII.GetString(output.ToArray()));
        }
    }

    [Fact]
    public void A_failing_output_stream_is_an_io_error()
    {
        foreach (var engine in TestPrograms.Engines())
        {
            var run = BfRunner.Run("+[.]", engine, new MemoryStream(), new FailingStream(), tapeCells: 4096);
            Assert.Equal(RunStatus.IoError, run.Result.Status);
            Assert.IsType<IOException>(run.Io.Error);
        }
    }

    [Theory]
    [InlineData("[", 1, 1, 1, "unmatched '['")]
    [InlineData("+]", 2, 1, 2, "unmatched ']'")]
    [InlineData("[[]", 1, 1, 1, "unmatched '['")]
    [InlineData("ab\n[]]", 6, 2, 3, "unmatched ']'")]
    [InlineData("[]\n  [[]", 6, 2, 3, "unmatched '['")]
    public void Unbalanced_brackets_report_their_position(string source, int position, int line, int column, string what)
    {
        var e = Assert.Throws<BfSyntaxException>(() => IrBuilder.Build(source));
        TestPrograms.AssertBracketError(e, position, what, line, column);
    }

    [Fact]
    public void A_compiled_program_can_run_again()
    {
        var program = IrBuilder.Build(",[.-]");
        foreach (var engine in TestPrograms.Engines())
        {
            using var compiled = Patchouly.Samples.Bf.Engines.Engines.Compile(engine, program, 4096);
            for (int i = 0; i < 3; i++)
            {
                var output = new MemoryStream();
                var io = new BfIo(new MemoryStream([3]), output);
                Assert.Equal(RunStatus.Ok, compiled.Run(io).Status);
                io.Flush();
                Assert.Equal([3, 2, 1], output.ToArray());
            }
        }
    }

    private sealed class ProbeInput(MemoryStream output) : Stream
    {
        public long OutputLengthAtFirstRead { get; private set; } = -1;
        private bool _given;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (OutputLengthAtFirstRead < 0) OutputLengthAtFirstRead = output.Length;
            if (_given) return 0;
            _given = true;
            buffer[offset] = (byte)'B';
            return 1;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class FailingStream : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("disk full");
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
