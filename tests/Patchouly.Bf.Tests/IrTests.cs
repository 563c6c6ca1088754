using System.Linq;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>The optimisations of the shared IR, as the ops they produce.</summary>
public class IrTests
{
    private static string Ir(string source) => string.Join("; ", IrBuilder.Build(source).Ops.Select(o => o.ToString()));

    [Theory]
    [InlineData("+++--", "add [0] 1; end")]
    [InlineData("+-+-", "end")]
    [InlineData("+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++", "add [0] 1; end")] // 257
    [InlineData("a+ comment -+\n+", "add [0] 2; end")]
    [InlineData(",>>><<", "in [0]; check_hi [0]..[+3]; end")]
    public void Runs_are_folded(string source, string ir) => Assert.Equal(ir, Ir(source));

    [Theory]
    [InlineData(">>+<<-", "add [+2] 1; add [0] 255; check_hi [0]..[+2]; end")]      // no pointer movement at all
    [InlineData(",>+>+<<.", "in [0]; add [+1] 1; add [+2] 1; check_hi [0]..[+2]; out [0]; end")]
    [InlineData(",>+<+>+", "in [0]; add [+1] 2; add [0] 1; check_hi [0]..[+1]; end")] // merged across an unrelated write
    public void Offsets_are_folded_into_operations(string source, string ir) => Assert.Equal(ir, Ir(source));

    [Theory]
    [InlineData(",[-]", "in [0]; set [0] 0; end")]
    [InlineData(",[+]", "in [0]; set [0] 0; end")]
    [InlineData(",[---]", "in [0]; set [0] 0; end")]
    [InlineData(",[-]+++", "in [0]; set [0] 3; end")]
    [InlineData(",+++[-]", "in [0]; set [0] 0; end")]
    [InlineData(",>[-]<", "in [0]; set [+1] 0; check_hi [0]..[+1]; end")]
    public void Clear_loops_become_sets(string source, string ir) => Assert.Equal(ir, Ir(source));

    [Fact]
    public void An_even_step_is_not_a_clear() => Assert.Contains("loop_begin", Ir(",[--]"));

    [Theory]
    [InlineData(",[->+<]", "in [0]; check_nz_hi [0]..[+1] if [0]; muladd [+1] += [0]*1; set [0] 0; end")]
    [InlineData(",[->>>+++<<<]", "in [0]; check_nz_hi [0]..[+3] if [0]; muladd [+3] += [0]*3; set [0] 0; end")]
    [InlineData(",[>+<-]", "in [0]; check_nz_hi [0]..[+1] if [0]; muladd [+1] += [0]*1; set [0] 0; end")]
    [InlineData(",[+>-<]", "in [0]; check_nz_hi [0]..[+1] if [0]; muladd [+1] += [0]*1; set [0] 0; end")]   // counting up
    [InlineData(",[->+>--<<]", "in [0]; check_nz_hi [0]..[+2] if [0]; muladd [+1] += [0]*1; muladd [+2] += [0]*254; set [0] 0; end")]
    [InlineData(",[<<+>>->+<]", "in [0]; check_nz [-2]..[+1] if [0]; muladd [-2] += [0]*1; muladd [+1] += [0]*1; set [0] 0; end")]
    [InlineData(",>[-]<[->+<]", "in [0]; mulset [+1] = [0]*1; set [0] 0; check_hi [0]..[+1]; end")] // into a cleared cell
    [InlineData(",[->+<]>", "in [0]; muladd [+1] += [0]*1; set [0] 0; check_hi [0]..[+1]; end")] // +1 is checked anyway
    public void Multiply_loops_become_multiply_adds(string source, string ir) => Assert.Equal(ir, Ir(source));

    [Theory]
    [InlineData(",[->+<<]")]      // unbalanced
    [InlineData(",[-->+<]")]      // counter step 2
    [InlineData(",[->+<.]")]      // I/O
    [InlineData(",[->[-]<]")]     // nested loop
    public void Other_loops_stay_loops(string source) => Assert.Contains("loop_begin", Ir(source));

    [Theory]
    [InlineData(",[>]", "in [0]; scan +1; check [0]..[0]; end")]
    [InlineData(",[<<]", "in [0]; scan -2; check [0]..[0]; end")]
    [InlineData(",[>>>>]", "in [0]; scan +4; check [0]..[0]; end")]
    [InlineData(",[<]>+", "in [0]; scan -1; add [+1] 1; check [0]..[+1]; end")] // the scan's check joins the next one
    public void Scan_loops_become_scans(string source, string ir) => Assert.Equal(ir, Ir(source));

    [Fact]
    public void A_scan_with_a_detour_is_not_a_scan() => Assert.Contains("loop_begin", Ir(",[<>>]"));

    [Theory]
    [InlineData("[.]+", "add [0] 1; end")]                                  // a comment loop at the start is dead
    [InlineData(",[.[-]][.]", "in [0]; loop_begin -> 4; out [0]; set [0] 0; end")] // after a loop the cell is 0; the body ends with it 0: runs once
    [InlineData(",[.-]", "in [0]; loop_begin -> 4; out [0]; loop_end (add [0] 255) -> 2; end")] // the decrement joins the back-edge test
    [InlineData(",-[.]", "in [0]; loop_begin (add [0] 255) -> 4; out [0]; loop_end -> 2; end")] // ... and the entry test
    [InlineData(",[-]+[.-]", "in [0]; set [0] 1; out [0]; loop_end (add [0] 255) -> 2; end")] // known non-zero: no entry test
    public void Loops_use_what_is_known_about_their_cell(string source, string ir) => Assert.Equal(ir, Ir(source));

    [Theory]
    [InlineData("<", "check_lo [-1]..[0]; end")]
    [InlineData(",[>.<-]", "in [0]; loop_begin -> 5; check_hi [0]..[+1]; out [+1]; loop_end (add [0] 255) -> 3; end")] // balanced: checked once per entry
    [InlineData(",[>>.>]", "in [0]; loop_begin -> 7; check_hi [0]..[+2]; out [+2]; check_hi [+2]..[+3]; move +3; loop_end -> 2; end")]
    [InlineData(",[<.]", "in [0]; loop_begin -> 6; check_lo [-1]..[0]; out [-1]; move -1; loop_end -> 2; end")]
    public void Checks_are_placed_where_needed(string source, string ir) => Assert.Equal(ir, Ir(source));

    [Fact]
    public void A_loop_moving_right_checks_only_the_right_end()
    {
        // In [>>>>>>>>>+<] the cells left of the pointer were visited by the previous iteration.
        var ops = IrBuilder.Build(",[>>>>>>>>>+<]").Ops;
        Assert.DoesNotContain(ops, o => o.Kind == OpKind.Check && (o.Imm & Op.CheckLow) != 0);
        Assert.Contains(ops, o => o.Kind == OpKind.Check && o.Imm == Op.CheckHigh);
    }

    [Fact]
    public void Long_moves_are_checked_before_the_far_cells_are_touched()
    {
        var ops = IrBuilder.Build(new string('>', 5000) + "+" + new string('<', 5000) + ".").Ops;
        Assert.Equal("check_hi [0]..[+5000]; move +5000; add [0] 1; move -5000; out [0]; end",
            string.Join("; ", ops.Select(o => o.ToString())));
    }

    [Fact]
    public void Unchecked_accesses_stay_within_reach_of_checked_cells()
    {
        // Zig-zag runs: each segment's visited range grows until it would pass MaxReach, then it is checked.
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < 50; i++) sb.Append('>', 100).Append('+').Append('<', 30).Append('-');
        var ops = IrBuilder.Build(sb.ToString()).Ops;
        Assert.True(ops.Count(o => o.Kind == OpKind.Check) >= 50 * 70 / IrBuilder.MaxReach);
        Assert.All(ops.Where(o => o.Kind is OpKind.Add), o => Assert.InRange(o.Offset, -2 * IrBuilder.MaxReach, 2 * IrBuilder.MaxReach));
    }

    [Fact]
    public void Program_counts_are_reported()
    {
        var program = IrBuilder.Build("++>--[-]<.");
        Assert.Equal(program.Ops.Length, program.Count);
        Assert.Equal(1, program.CountOf(OpKind.End));
        Assert.Contains("end 1", program.Summary());
        Assert.Contains("add [0] 2", program.Dump());
    }
}
