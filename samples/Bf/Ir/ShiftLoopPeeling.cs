using System;
using System.Collections.Generic;

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
        var begins = new int[ops.Length]; // the LoopBegin of each qualifying loop's LoopEnd, else -1
        peeled = 0;
        for (int e = 0; e < ops.Length; e++)
        {
            begins[e] = -1;
            if (ops[e].Kind == OpKind.LoopEnd && Qualifies(ops, e, out int begin))
            {
                begins[e] = begin;
                peeled++;
            }
        }
        if (peeled == 0) return ops;

        var result = new List<Op>(ops.Length + 4 * peeled);
        var renumber = new List<bool>(ops.Length + 4 * peeled); // whether an op's target is still an old index
        var map = new int[ops.Length + 1];
        var peel = new bool[ops.Length];
        for (int e = 0; e < ops.Length; e++)
            if (begins[e] >= 0) peel[begins[e]] = true;

        for (int i = 0; i < ops.Length; i++)
        {
            map[i] = result.Count;
            if (!peel[i])
            {
                Add(ops[i], true);
                continue;
            }
            // ops[i] is the LoopBegin of a qualifying loop ending at e: [i+1, x) leading checks, x muladd, x+1 set,
            // x+2 move, e = x+3 loop_end.
            int e = ops[i].Arg - 1, x = e - 3;
            Op mulAdd = ops[x], move = ops[x + 2];
            Add(ops[i], true);                                       // entry test → the exit (old e + 1)
            for (int j = i + 1; j < x; j++)
            {
                map[j] = result.Count;
                Add(ops[j], true);                                   // the first iteration's checks
            }
            map[x] = result.Count;
            Add(mulAdd, true);
            map[x + 1] = result.Count;                               // the clear moves to the exit
            map[x + 2] = result.Count;
            Add(move, true);
            int secondTest = result.Count;
            Add(new Op(OpKind.LoopBegin), false);                    // → the clear, patched below
            int body = result.Count;
            Add(Op.MulSet(mulAdd.Offset, mulAdd.Arg, mulAdd.Imm), false);
            Add(move, false);
            map[e] = result.Count;
            Add(new Op(OpKind.LoopEnd, arg: body), false);
            result[secondTest] = new Op(OpKind.LoopBegin, arg: result.Count);
            Add(Op.Set(mulAdd.Offset, 0), false);                    // the last iteration's source, seen from the exit
            i = e;
        }
        map[ops.Length] = result.Count;
        for (int k = 0; k < result.Count; k++)
        {
            if (!renumber[k] || result[k].Kind is not (OpKind.LoopBegin or OpKind.LoopEnd)) continue;
            Op op = result[k];
            op.Arg = map[op.Arg];
            result[k] = op;
        }
        return result.ToArray();

        void Add(Op op, bool oldTarget)
        {
            result.Add(op);
            renumber.Add(oldTarget);
        }
    }

    private static bool Qualifies(Op[] ops, int e, out int begin)
    {
        begin = -1;
        int x = e - 3;
        if (x < 1 || ops[e].Imm != 0 || ops[e].Arg != x) return false;
        Op mulAdd = ops[x], clear = ops[x + 1], move = ops[x + 2];
        if (mulAdd.Kind != OpKind.MulAdd || clear.Kind != OpKind.Set || clear.Imm != 0 || move.Kind != OpKind.Move) return false;
        int d = mulAdd.Offset, s = mulAdd.Arg, m = move.Arg;
        if (clear.Offset != s || m == 0 || m == s || d != s - m) return false;
        // The loop's entry test, with only checks between it and the body (the first iteration runs them).
        int b = x - 1;
        while (b >= 0 && ops[b].Kind is OpKind.Check or OpKind.CheckNonZero) b--;
        if (b < 0 || ops[b].Kind != OpKind.LoopBegin || ops[b].Arg != e + 1) return false;
        begin = b;
        return true;
    }
}
