using System;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>
/// Moves a loop's back-edge bounds check out of the loop when it only guards the cell the back edge tests, the way
/// scan loops already work: the zero guard cells stop the loop, and one check at its exit catches the overrun.
/// </summary>
/// <remarks>
/// <para>Mandelbrot's record-shifting loops end with <c>check_lo [-9]..[+1]; move -9; loop_end</c>: the check tests only
/// that the cell the pointer moves to is on the tape (the body's own cells are at or above the loop cell, which is).
/// Without it the back edge reads that cell unchecked; when it lies before the tape it is a guard cell, which holds 0
/// (<see cref="Engines.Tape"/>), so the loop ends, and a check of the new pointer placed at the loop's exit reports the
/// overrun before anything else runs. When the cell is not 0 it is on the tape, so what the check proved (its whole
/// range) holds for the next iteration as before: the checks <see cref="RepeatedCheckElision"/> skipped stay proved.
/// Moving right is the mirror image.</para>
/// <para>A loop qualifies when its body is straight-line cell code (no inner loop, I/O or scan), its only move is the
/// last op, right after a one-sided check toward the move whose end is the new pointer, every cell the body touches
/// lies on the other side of the loop cell (so that check proves nothing about them), and the back edge only tests
/// (it adds nothing to the cell, which could be a guard cell). The exit check reports the overrun with the pointer
/// where the removed check would have (its <see cref="Op.Arg2"/> undoes the move), so every engine stops the same
/// way.</para>
/// </remarks>
public static class BackEdgeCheckDeferral
{
    /// <summary>
    /// Returns <paramref name="ops"/> with each qualifying back-edge check moved to its loop's exit (a copy when anything
    /// changed; <paramref name="ops"/> itself otherwise), and how many checks moved.
    /// </summary>
    public static Op[] Apply(Op[] ops, out int deferred)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var copy = (Op[])ops.Clone();
        deferred = ApplyInPlace(copy);
        return deferred == 0 ? ops : copy;
    }

    /// <summary>
    /// As <see cref="Apply"/>, changing <paramref name="ops"/> itself (the JIT's working copy); returns how many checks
    /// moved. Each move is local: <c>check; move; loop_end</c> becomes <c>move; loop_end; check</c>, the check taking the
    /// loop end's index, and only the loop's entry test (whose exit was the op after the loop end, now the check) changes
    /// its target; no other op jumps there.
    /// </summary>
    internal static int ApplyInPlace(Op[] ops)
    {
        int deferred = 0;
        for (int e = 2; e < ops.Length; e++)
        {
            if (ops[e].Kind != OpKind.LoopEnd || !Qualifies(ops, e, out int begin)) continue;
            Op exitCheck = ExitCheck(ops, e);
            ops[e - 2] = ops[e - 1];
            ops[e - 1] = ops[e];
            ops[e] = exitCheck;
            ops[begin].Arg = e;
            deferred++;
        }
        return deferred;
    }

    /// <summary>The check placed at the exit of the loop ending at <paramref name="loopEnd"/>: the new pointer's cell.</summary>
    private static Op ExitCheck(Op[] ops, int loopEnd)
    {
        Op check = ops[loopEnd - 2];
        int move = ops[loopEnd - 1].Arg;
        return new Op(OpKind.Check, 0, 0, check.Imm, arg2: -move);
    }

    private static bool Qualifies(Op[] ops, int e, out int begin)
    {
        begin = -1;
        ref readonly Op end = ref ops[e];
        ref readonly Op move = ref ops[e - 1];
        ref readonly Op check = ref ops[e - 2];
        int start = end.Arg;
        if (end.Imm != 0 || start < 0 || start > e - 2 || move.Kind != OpKind.Move || check.Kind != OpKind.Check || check.Arg2 != 0)
            return false;
        int m = move.Arg;
        bool left = m < 0;
        if (m == 0 || Math.Abs(m) > IrBuilder.MaxReach) return false;
        if (left ? check.Imm != Op.CheckLow || check.Offset != m : check.Imm != Op.CheckHigh || check.Arg != m) return false;
        // The body runs from the op after the entry test (a back edge may point past its leading checks).
        begin = LoopEntry.Find(ops, start, e);
        if (begin < 0) return false;
        for (int i = begin + 1; i < e - 2; i++)
        {
            ref readonly Op op = ref ops[i];
            switch (op.Kind)
            {
                case OpKind.Add or OpKind.Set:
                    if (!OnFarSide(op.Offset, left)) return false;
                    break;
                case OpKind.MulAdd or OpKind.MulSet:
                    if (!OnFarSide(op.Offset, left) || !OnFarSide(op.Arg, left)) return false;
                    break;
                case OpKind.Check or OpKind.CheckNonZero:
                    if (!OnFarSide(op.Offset, left) || !OnFarSide(op.Arg, left)) return false;
                    break;
                default:
                    return false; // a move, loop, I/O, scan or the end: not one straight-line body
            }
        }
        return true;
    }

    /// <summary>Whether a cell at <paramref name="offset"/> from the loop cell lies on the side away from the move.</summary>
    private static bool OnFarSide(int offset, bool left) => left ? offset >= 0 : offset <= 0;
}
