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
    /// changed; <paramref name="ops"/> itself otherwise), and how many checks moved. Jump targets are renumbered.
    /// </summary>
    public static Op[] Apply(Op[] ops, out int deferred)
    {
        ArgumentNullException.ThrowIfNull(ops);
        int[]? ends = null; // the LoopEnd of each loop whose check moves (its check is two ops before it)
        deferred = 0;
        for (int e = 2; e < ops.Length; e++)
        {
            if (ops[e].Kind != OpKind.LoopEnd || !Qualifies(ops, e)) continue;
            ends ??= new int[8];
            if (deferred == ends.Length) Array.Resize(ref ends, 2 * deferred);
            ends[deferred++] = e;
        }
        if (ends is null) return ops;

        // One op removed and one inserted per loop: the same length. The runs between the edits are copied whole.
        var result = new Op[ops.Length];
        int src = 0, dst = 0;
        for (int k = 0; k < deferred; k++)
        {
            int check = ends[k] - 2, exit = ends[k] + 1;
            Array.Copy(ops, src, result, dst, check - src);             // up to the check, which leaves the loop ...
            dst += check - src;
            Array.Copy(ops, check + 1, result, dst, exit - check - 1);  // the move and the loop end
            dst += exit - check - 1;
            result[dst++] = ExitCheck(ops, ends[k]);                    // ... for its exit
            src = exit;
        }
        Array.Copy(ops, src, result, dst, ops.Length - src);
        // Jump targets: a removed check's index becomes the op after it, a loop exit the check inserted before it.
        var map = new int[ops.Length + 1];
        int i = 0, delta = 0;
        for (int k = 0; k < deferred; k++)
        {
            for (int check = ends[k] - 2; i <= check; i++) map[i] = i + delta;
            delta--;
            for (int exit = ends[k] + 1; i <= exit; i++) map[i] = i + delta;
            delta++;
        }
        for (; i <= ops.Length; i++) map[i] = i + delta;
        for (int j = 0; j < result.Length; j++)
            if (result[j].Kind is OpKind.LoopBegin or OpKind.LoopEnd) result[j].Arg = map[result[j].Arg];
        return result;
    }

    /// <summary>The check placed at the exit of the loop ending at <paramref name="loopEnd"/>: the new pointer's cell.</summary>
    private static Op ExitCheck(Op[] ops, int loopEnd)
    {
        Op check = ops[loopEnd - 2];
        int move = ops[loopEnd - 1].Arg;
        return new Op(OpKind.Check, 0, 0, check.Imm, arg2: -move);
    }

    private static bool Qualifies(Op[] ops, int e)
    {
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
        // The body runs from the loop's first op (a back edge may point past its leading checks).
        int first = start;
        while (first > 0 && ops[first - 1].Kind is OpKind.Check or OpKind.CheckNonZero) first--;
        if (first == 0 || ops[first - 1].Kind != OpKind.LoopBegin || ops[first - 1].Arg != e + 1) return false;
        for (int i = first; i < e - 2; i++)
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
