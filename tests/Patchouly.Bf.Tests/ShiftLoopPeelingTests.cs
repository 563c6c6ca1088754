using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>
/// <see cref="ShiftLoopPeeling"/>: a record-shift loop's first iteration is peeled, later ones copy, and the source
/// is cleared at the exit; programs give the same output, status and tape on every engine.
/// </summary>
public class ShiftLoopPeelingTests
{
    // mandelbrot's record shift after RepeatedCheckElision and BackEdgeCheckDeferral.
    private static Op[] RecordShift(int dst = 10, int src = 1, int move = -9, byte backEdgeAdd = 0, int bodyStart = 3) =>
    [
        Op.Set(0, 1),
        TestPrograms.LoopBegin(7),
        Op.CheckNonZero(src, dst, src, Op.CheckHigh),
        Op.MulAdd(dst, src, 1),
        Op.Set(src, 0),
        Op.Move(move),
        TestPrograms.LoopEnd(bodyStart, backEdgeAdd),
        new Op(OpKind.Check, 0, 0, Op.CheckLow, arg2: -move),
        Op.Output(0),
        new(OpKind.End),
    ];

    [Fact]
    public void The_first_iteration_adds_later_ones_copy_and_the_exit_clears()
    {
        Op[] ops = RecordShift();
        Op[] result = ShiftLoopPeeling.Apply(ops, out int peeled);
        Assert.Equal(1, peeled);
        Assert.Equal(
            [
                Op.Set(0, 1),
                TestPrograms.LoopBegin(10),                                  // not entered: past the clear, to the exit check
                Op.CheckNonZero(1, 10, 1, Op.CheckHigh),
                Op.MulAdd(10, 1, 1),                        // the first iteration adds; its clear is dropped
                Op.Move(-9),
                TestPrograms.LoopBegin(9),                                   // ran once: to the clear
                Op.MulSet(10, 1, 1),
                Op.Move(-9),
                TestPrograms.LoopEnd(6),
                Op.Set(10, 0),                              // the last iteration's [+1], from the final pointer
                new Op(OpKind.Check, 0, 0, Op.CheckLow, arg2: 9),
                Op.Output(0),
                new(OpKind.End),
            ],
            result);
        Assert.Equal(OpKind.Set, ops[4].Kind); // the input is not changed
    }

    [Fact]
    public void Loops_that_do_not_shift_into_the_cleared_cell_are_left_alone()
    {
        Assert.Equal(0, Peeled(RecordShift(dst: 11)));          // [+11] is not the previous iteration's [+1]
        Assert.Equal(0, Peeled(RecordShift(backEdgeAdd: 1)));   // the back edge changes the tested cell
        Assert.Equal(0, Peeled(RecordShift(bodyStart: 2)));     // the back edge runs a check (it could stop the program)
        Assert.Equal(0, Peeled(RecordShift(dst: 0, src: -9, move: -9))); // the test reads the cleared cell
    }

    [Fact]
    public void Mandelbrot_peels_its_record_shift_loops()
    {
        var ops = IrBuilder.Build(BfRunner.Embedded("mandelbrot.bf")).Ops;
        ops = BackEdgeCheckDeferral.Apply(RepeatedCheckElision.Apply(ops, out _), out _);
        ShiftLoopPeeling.Apply(ops, out int peeled);
        Assert.True(peeled >= 5, $"{peeled} loops peeled");
    }

    [Theory]
    [InlineData(">>>>>>>>>>+>>>>>>>>>+<<<<<<<<<<<<<<<<<<<++++[>>>>>>>>>>+<<<<<<<<<<-]>>>>>>>>>>[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]>>>>>>>>>>.>>>>>>>>>.>>>>>>>>>.")]
    [InlineData(">>>>>>>>>+>+<<<<<<<<<<+++>>>>>>>>>>>>>>>>>>+[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]>.>>>>>>>>>.>>>>>>>>>.>>>>>>>>>.")]
    [InlineData(">>>>>>>>>>+++>>>>>>>>>++>>>>>>>>>+[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]>>>>>>>>>>>>>>>>>>.>>>>>>>>>.>>>>>>>>>.>>>>>>>>>.")]
    [InlineData(">>>>>+>>>>>>>>>+[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]")] // shifts, then runs off the left end
    [InlineData("[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]+.")]                 // never entered
    public void Programs_with_shift_loops_run_like_the_interpreter_with_the_same_tape(string source)
    {
        var original = IrBuilder.Build(source);
        var peeled = new BfProgram(
            ShiftLoopPeeling.Apply(BackEdgeCheckDeferral.Apply(RepeatedCheckElision.Apply(original.Ops, out _), out _), out _),
            original.TokenCount, original.SourceLength);
        var (expected, expectedOutput, expectedTape) = TestPrograms.RunIr(EngineKind.Interp, original);
        foreach (var engine in TestPrograms.Engines(includeAot: TestPrograms.HasClang))
        {
            foreach (var program in new[] { original, peeled })
            {
                var (result, output, tape) = TestPrograms.RunIr(engine, program);
                Assert.True(expected == result, $"{engine}: {result} instead of {expected} for {source}");
                Assert.Equal(expectedOutput, output);
                if (expected.Status == RunStatus.Ok) Assert.Equal(expectedTape, tape);
            }
            var (jit, jitOutput) = TestPrograms.Run(source, engine, cells: 4096);
            Assert.True(expected == jit, $"{engine}: {jit} instead of {expected} for {source}");
            Assert.Equal(expectedOutput, jitOutput);
        }
    }

    private static int Peeled(Op[] ops)
    {
        Assert.Same(ops, ShiftLoopPeeling.Apply(ops, out int peeled));
        return peeled;
    }
}
