using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>
/// <see cref="BackEdgeCheckDeferral"/>: a back-edge check that only guards the tested cell moves to the loop's exit,
/// the guard cells stop the loop, and every engine still stops with the same overrun at the same pointer.
/// </summary>
public class BackEdgeCheckDeferralTests
{
    // mandelbrot's record shift: check_nz_hi [+1]..[+10] if [+1]; muladd [+10] += [+1]; set [+1] 0; check_lo [-9]..[+1]; move -9
    private static Op[] RecordShift(int move = -9, byte backEdgeAdd = 0, int touched = 1) =>
    [
        Op.Set(0, 1),
        TestPrograms.LoopBegin(8),
        Op.CheckNonZero(1, 10, 1, Op.CheckHigh),
        Op.MulAdd(10, touched, 1),
        Op.Set(touched, 0),
        move < 0 ? Op.Check(move, 1, Op.CheckLow) : Op.Check(-1, move, Op.CheckHigh),
        Op.Move(move),
        TestPrograms.LoopEnd(2, backEdgeAdd),
        Op.Output(0),
        new(OpKind.End),
    ];

    [Fact]
    public void The_check_of_a_record_shift_loop_moves_to_its_exit()
    {
        Op[] ops = RecordShift();
        Op[] result = BackEdgeCheckDeferral.Apply(ops, out int deferred);
        Assert.Equal(1, deferred);
        Assert.Equal(
            [
                Op.Set(0, 1),
                TestPrograms.LoopBegin(7),                                   // the exit is now the check
                Op.CheckNonZero(1, 10, 1, Op.CheckHigh),
                Op.MulAdd(10, 1, 1),
                Op.Set(1, 0),
                Op.Move(-9),
                TestPrograms.LoopEnd(2),
                new Op(OpKind.Check, 0, 0, Op.CheckLow, arg2: 9), // the new pointer; an overrun reports p + 9
                Op.Output(0),
                new(OpKind.End),
            ],
            result);
        Assert.Equal(OpKind.Check, ops[5].Kind); // the input is not changed
        Assert.Equal("check_lo [0]..[0] at [+9]", result[7].ToString());
    }

    [Fact]
    public void Back_edges_retargeted_past_leading_checks_are_renumbered()
    {
        Op[] ops = RepeatedCheckElision.Apply(RecordShift(), out _);
        Assert.Equal(3, ops[7].Arg);
        Op[] result = BackEdgeCheckDeferral.Apply(ops, out int deferred);
        Assert.Equal(1, deferred);
        Assert.Equal(TestPrograms.LoopEnd(3), result[6]);
        Assert.Equal(TestPrograms.LoopBegin(7), result[1]);
    }

    [Fact]
    public void Moving_right_is_the_mirror_image()
    {
        Op[] ops =
        [
            Op.Set(0, 1),
            TestPrograms.LoopBegin(7),
            Op.MulAdd(-3, -1, 1),
            Op.Set(-1, 0),
            Op.Check(-3, 4, Op.CheckHigh),
            Op.Move(4),
            TestPrograms.LoopEnd(2),
            new(OpKind.End),
        ];
        Op[] result = BackEdgeCheckDeferral.Apply(ops, out int deferred);
        Assert.Equal(1, deferred);
        Assert.Equal(new Op(OpKind.Check, 0, 0, Op.CheckHigh, arg2: -4), result[6]);
    }

    [Fact]
    public void Checks_that_guard_more_than_the_tested_cell_stay()
    {
        // The body writes the cell the pointer moves to (it could be a guard cell), the back edge adds to it, or the
        // check is two-sided: nothing moves.
        Assert.Equal(0, Deferred(RecordShift(touched: -9)));
        Assert.Equal(0, Deferred(RecordShift(backEdgeAdd: 1)));
        Op[] twoSided = RecordShift();
        twoSided[5] = Op.Check(-9, 1);
        Assert.Equal(0, Deferred(twoSided));
        // Moving right while the body touches cells to the right of the loop cell.
        Assert.Equal(0, Deferred(RecordShift(move: 9)));
    }

    [Fact]
    public void A_body_with_io_or_an_inner_loop_is_left_alone()
    {
        Op[] withIo = RecordShift();
        withIo[4] = Op.Output(1);
        Assert.Equal(0, Deferred(withIo));
        Op[] nested =
        [
            Op.Set(0, 1),
            TestPrograms.LoopBegin(9),
            Op.Set(1, 1),
            TestPrograms.LoopBegin(5),
            TestPrograms.LoopEnd(4),
            Op.Set(1, 0),
            Op.Check(-9, 1, Op.CheckLow),
            Op.Move(-9),
            TestPrograms.LoopEnd(2),
            new(OpKind.End),
        ];
        Assert.Equal(0, Deferred(nested));
    }

    [Fact]
    public void Mandelbrot_defers_the_checks_of_its_record_shift_loops()
    {
        var program = IrBuilder.Build(BfRunner.Embedded("mandelbrot.bf"));
        BackEdgeCheckDeferral.Apply(RepeatedCheckElision.Apply(program.Ops, out _), out int deferred);
        Assert.True(deferred >= 5, $"{deferred} checks deferred");
    }

    [Theory]
    [InlineData(">>>>>+[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]")]                      // record shift off the left end
    [InlineData(">>>>>>>>>>+>>>>>>>>>+[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]>>>>>>>>>>>>>>>>>>.")] // stops on the tape
    [InlineData("+[->>>>>>>>>+<<<<<<<<<]>>>>>>>>>[[-<+>]<<<<<<<<<]")]           // touches the move side: not deferred
    public void Programs_that_run_off_the_tape_in_such_loops_stop_like_the_interpreter(string source)
    {
        var (expected, expectedOutput) = TestPrograms.Run(source, EngineKind.Interp, cells: 4096);
        foreach (var engine in TestPrograms.Engines(includeAot: TestPrograms.HasClang))
        {
            var (result, output) = TestPrograms.Run(source, engine, cells: 4096);
            Assert.True(expected == result, $"{engine}: {result} instead of {expected} for {source}");
            Assert.Equal(expectedOutput, output);
        }
    }

    [Fact]
    public void Every_engine_reports_a_deferred_check_where_the_pointer_was_before_its_move()
    {
        // Run the deferred IR itself (only the JIT applies the pass) on every engine: the exit check fails at the new
        // pointer and reports the old one, as the original check did.
        var original = IrBuilder.Build(">>>>>+[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]");
        Op[] deferredOps = BackEdgeCheckDeferral.Apply(original.Ops, out int deferred);
        Assert.True(deferred >= 1);
        var program = new BfProgram(deferredOps, original.TokenCount, original.SourceLength);
        RunResult expected = TestPrograms.RunIr(EngineKind.Interp, original).Result;
        Assert.Equal(RunStatus.TapeOverrun, expected.Status);
        foreach (var engine in TestPrograms.Engines(includeAot: TestPrograms.HasClang))
            {
            var result = TestPrograms.RunIr(engine, program).Result;
            Assert.True(expected == result, $"{engine}: {result} instead of {expected}");
        }
    }

    private static int Deferred(Op[] ops)
    {
        Assert.Same(ops, BackEdgeCheckDeferral.Apply(ops, out int deferred));
        return deferred;
    }
}
