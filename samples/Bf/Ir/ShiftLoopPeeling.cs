using System;
using System.Buffers;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>
/// Peels the first iteration of a loop that shifts a value from record to record, so that later iterations store
/// instead of adding, and the source cell is cleared once, at the exit, instead of on every iteration.
/// </summary>
/// <remarks>
/// <para>Mandelbrot's record-shift loops, once their checks are skipped or deferred
/// (<see cref="RepeatedCheckElision"/>, <see cref="BackEdgeCheckDeferral"/>), are
/// <c>muladd [+10] += [+1]; set [+1] 0; move -9; loop_end</c>: a load, a read-modify-write and a store per iteration.
/// The cell an iteration adds to (<c>[+10]</c>) is the cell the previous iteration cleared (its <c>[+1]</c>, since the
/// pointer moved by -9), so from the second iteration on the addition is a copy (<c>mulset</c>), and each clear is
/// overwritten by the next iteration's copy before anything reads it; only the last iteration's clear survives, and it
/// is done at the exit (<c>set [+10] 0</c> from the final pointer). The loop becomes
/// <c>muladd [+10] += [+1]; move -9; loop_begin → X; L: mulset [+10] = [+1]; move -9; loop_end → L; X: set [+10] 0</c>:
/// a load and a store per iteration.</para>
/// <para>A loop qualifies when its body, on the back edge, is exactly <c>muladd [d] += [s]*f; set [s] 0; move m</c> with
/// <c>d = s - m</c> (leading checks the first iteration runs are kept in its copy), the loop test does not read the cleared cell
/// (<c>m ≠ s</c>), and the back edge adds nothing to the cell it tests. The back edge then has no check that could stop the program with
/// a cleared cell not yet cleared.</para>
/// </remarks>
public static class ShiftLoopPeeling
{
    /// <summary>
    /// Returns <paramref name="ops"/> with each qualifying loop peeled (a copy when anything changed;
    /// <paramref name="ops"/> itself otherwise), and how many loops were peeled. Jump targets are renumbered.
    /// </summary>
    public static Op[] Apply(Op[] ops, out int peeled)
    {
        ArgumentNullException.ThrowIfNull(ops);
        int[]? ends = null; // the LoopEnd of each qualifying loop
        peeled = 0;
        for (int e = 0; e < ops.Length; e++)
        {
            if (ops[e].Kind != OpKind.LoopEnd || !Qualifies(ops, e)) continue;
            ends ??= new int[8];
            if (peeled == ends.Length) Array.Resize(ref ends, 2 * peeled);
            ends[peeled++] = e;
        }
        if (ends is null) return ops;

        // Each loop's [muladd, set, move, loop_end] becomes [muladd, move, loop_begin, mulset, move, loop_end, set]: three
        // more ops. The runs between are copied whole; their jump targets move by three per loop ending before them.
        var result = new Op[ops.Length + 3 * peeled];
        int[] map = ArrayPool<int>.Shared.Rent(ops.Length + 1); // old jump targets (never inside a peeled body) to new ones
        for (int i = 0, k = 0; i <= ops.Length; i++)
        {
            if (k < peeled && i > ends[k]) k++;
            map[i] = i + 3 * k;
        }
        int src = 0, dst = 0;
        for (int k = 0; k < peeled; k++)
        {
            int x = ends[k] - 3; // the muladd
            Array.Copy(ops, src, result, dst, x + 1 - src);
            dst += x + 1 - src;
            for (int j = dst - (x + 1 - src); j < dst; j++) Renumber(ref result[j], map);
            Op mulAdd = ops[x], move = ops[x + 2];
            result[dst++] = move;                                       // the first iteration adds; its clear moves to the exit
            int body = dst + 1;
            result[dst++] = new Op(OpKind.LoopBegin, arg: body + 3);    // ran once: to the clear
            result[dst++] = Op.MulSet(mulAdd.Offset, mulAdd.Arg, mulAdd.Imm); // later iterations copy
            result[dst++] = move;
            result[dst++] = new Op(OpKind.LoopEnd, arg: body);
            result[dst++] = Op.Set(mulAdd.Offset, 0);                   // the last iteration's source, seen from the exit
            src = ends[k] + 1;
        }
        Array.Copy(ops, src, result, dst, ops.Length - src);
        for (int j = dst; j < result.Length; j++) Renumber(ref result[j], map);
        ArrayPool<int>.Shared.Return(map);
        return result;
    }

    private static void Renumber(ref Op op, int[] map)
    {
        if (op.Kind is OpKind.LoopBegin or OpKind.LoopEnd) op.Arg = map[op.Arg];
    }

    private static bool Qualifies(Op[] ops, int e)
    {
        int x = e - 3;
        if (x < 1 || ops[e].Imm != 0 || ops[e].Arg != x) return false;
        Op mulAdd = ops[x], clear = ops[x + 1], move = ops[x + 2];
        if (mulAdd.Kind != OpKind.MulAdd || clear.Kind != OpKind.Set || clear.Imm != 0 || move.Kind != OpKind.Move) return false;
        int d = mulAdd.Offset, s = mulAdd.Arg, m = move.Arg;
        if (clear.Offset != s || m == 0 || m == s || d != s - m) return false;
        // The loop's entry test, with only checks between it and the body (the first iteration runs them).
        return LoopEntry.Find(ops, x, e) >= 0;
    }
}
