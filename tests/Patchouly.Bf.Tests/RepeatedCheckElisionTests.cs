using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>
/// <see cref="RepeatedCheckElision"/>: a back edge skips the checks at the head of its loop that the previous
/// iteration proved, and no other.
/// </summary>
public class RepeatedCheckElisionTests
{
    // check_nz_hi [+1]..[+10] if [+1]; muladd [+10] += [+1]; set [+1] 0; check_lo [-9]..[+1]; move (move)
    private static Op[] RecordShift(int move) =>
    [
        TestPrograms.LoopBegin(7),
        Op.CheckNonZero(1, 10, 1, Op.CheckHigh),
        Op.MulAdd(10, 1, 1),
        Op.Set(1, 0),
        Op.Check(-9, 1, Op.CheckLow),
        Op.Move(move),
        TestPrograms.LoopEnd(1),
        new(OpKind.End),
    ];

    [Fact]
    public void A_record_shift_loop_skips_its_leading_check_on_the_back_edge()
    {
        // mandelbrot's: check_nz_hi [+1]..[+10] if [+1]; muladd [+10] += [+1]; set [+1] 0; check_lo [-9]..[+1]; move -9
        Op[] ops = RecordShift(-9);
        Op[] result = RepeatedCheckElision.Apply(ops, out int changed);
        Assert.Equal(1, changed);
        Assert.Equal(2, result[6].Arg); // past the check
        Assert.Equal(1, ops[6].Arg);    // the input is not changed
        Assert.Equal(ops[..6], result[..6]);
    }

    [Fact]
    public void A_check_the_previous_iteration_did_not_cover_stays()
    {
        // Moving right by 9 while checking only the low end of [-9]..[+1]: the next iteration's [+1]..[+10] is not proved.
        Op[] ops = RecordShift(9);
        Assert.Same(ops, RepeatedCheckElision.Apply(ops, out int changed));
        Assert.Equal(0, changed);
    }

    [Fact]
    public void A_body_with_io_or_an_inner_loop_is_left_alone()
    {
        Op[] withIo =
        [
            TestPrograms.LoopBegin(6),
            Op.Check(0, 1),
            Op.Output(1),
            Op.Check(0, 1),
            Op.Move(0),
            TestPrograms.LoopEnd(1),
            new(OpKind.End),
        ];
        Assert.Same(withIo, RepeatedCheckElision.Apply(withIo, out _));
    }

    [Fact]
    public void Mandelbrot_skips_the_checks_of_its_record_shift_loops_and_runs_the_same()
    {
        var program = IrBuilder.Build(BfRunner.Embedded("mandelbrot.bf"));
        RepeatedCheckElision.Apply(program.Ops, out int changed);
        Assert.True(changed >= 5, $"{changed} back edges retargeted");
    }

    [Fact]
    public void Random_programs_match_the_interpreter_with_the_checks_skipped()
    {
        // Programs that move off the tape inside such loops must still stop at the same place.
        string[] sources =
        [
            "+[>+]",                                   // runs off the right end
            ">>>>>>>>>>+[[->>>>>>>>>+<<<<<<<<<]<<<<<<<<<]", // record shift to the left, off the left end
            "+>+>+>+>+<<<<[[->>>>+<<<<]>]>>>>.",
        ];
        foreach (string source in sources)
        {
            var (expected, expectedOutput) = TestPrograms.Run(source, EngineKind.Interp);
            var (result, output) = TestPrograms.Run(source, EngineKind.Jit);
            Assert.Equal(expected, result);
            Assert.Equal(expectedOutput, output);
        }
    }
}
