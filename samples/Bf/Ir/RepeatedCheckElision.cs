using System;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>
/// Drops bounds checks that a loop's previous iteration has already proved, by pointing the back edge past them.
/// </summary>
/// <remarks>
/// <para>A loop whose body is straight-line code (cell ops, moves and checks; no inner loop, I/O or scan) moves the
/// pointer by the same amount on every iteration. The checks its body passes prove a range of cells to be on the tape;
/// shifted by that movement, the range is known at the start of the next iteration. A check at the head of the body
/// (such as mandelbrot's <c>check_nz_hi [+1]..[+10] if [+1]</c> in its record-shifting loops
/// <c>muladd [+10] += [+1]; set [+1] 0; check_lo [-9]..[+1]; move -9</c>) whose range lies inside it cannot fail when
/// reached over the back edge, so the back edge (<see cref="OpKind.LoopEnd"/>'s target) skips it; the loop's entry
/// still runs it on the first iteration. Only a prefix of checks at the head can be skipped this way.</para>
/// <para>The IR's checks mean "when this passes, cells Offset..Arg are on the tape" (<see cref="OpKind.Check"/>), which
/// is all this pass relies on; a <see cref="OpKind.CheckNonZero"/> proves nothing (it may not test), but can itself be
/// skipped. Programs keep their output and their overrun reports: a skipped check is one that would have passed.</para>
/// </remarks>
public static class RepeatedCheckElision
{
    /// <summary>
    /// Returns <paramref name="ops"/> with back edges retargeted past checks their loop's previous iteration proved
    /// (a copy when anything changed; <paramref name="ops"/> itself otherwise), and how many back edges changed.
    /// </summary>
    public static Op[] Apply(Op[] ops, out int retargeted)
    {
        ArgumentNullException.ThrowIfNull(ops);
        Op[]? result = null;
        retargeted = Retarget(ops, ref result);
        return result ?? ops;
    }

    /// <summary>As <see cref="Apply"/>, changing <paramref name="ops"/> itself (the JIT's working copy); returns how many back edges changed.</summary>
    internal static int ApplyInPlace(Op[] ops)
    {
        Op[]? same = ops;
        return Retarget(ops, ref same);
    }

    // Retargets into result, which is copied from ops on the first change when null.
    private static int Retarget(Op[] ops, ref Op[]? result)
    {
        int retargeted = 0;
        for (int e = 0; e < ops.Length; e++)
        {
            if (ops[e].Kind != OpKind.LoopEnd) continue;
            int start = ops[e].Arg;
            if (start < 0 || start > e || !ProvedRange(ops, start, e, out long lo, out long hi)) continue;
            int skip = start;
            while (skip < e && ops[skip].Kind is OpKind.Check or OpKind.CheckNonZero && ops[skip].Offset >= lo && ops[skip].Arg <= hi)
                skip++;
            if (skip == start) continue;
            result ??= (Op[])ops.Clone();
            result[e].Arg = skip;
            retargeted++;
        }
        return retargeted;
    }

    /// <summary>
    /// The cells (relative to the pointer at the start of the next iteration) the straight-line body
    /// <paramref name="ops"/>[<paramref name="start"/>..<paramref name="end"/>) proves to be on the tape when it reaches
    /// the back edge; false when the body is not straight-line code or proves nothing.
    /// </summary>
    private static bool ProvedRange(Op[] ops, int start, int end, out long lo, out long hi)
    {
        bool known = false;
        lo = hi = 0;
        for (int i = start; i < end; i++)
        {
            ref readonly Op op = ref ops[i];
            switch (op.Kind)
            {
                case OpKind.Add or OpKind.Set or OpKind.MulAdd or OpKind.MulSet or OpKind.CheckNonZero:
                    break;
                case OpKind.Move:
                    lo -= op.Arg;
                    hi -= op.Arg;
                    break;
                case OpKind.Check:
                    if (known && op.Offset <= hi + 1 && op.Arg >= lo - 1)
                    {
                        lo = Math.Min(lo, op.Offset);
                        hi = Math.Max(hi, op.Arg);
                    }
                    else if (!known || op.Arg - op.Offset > hi - lo)
                    {
                        lo = op.Offset;
                        hi = op.Arg;
                    }
                    known = true;
                    break;
                default:
                    return false; // a loop test, I/O, a scan or the end: not one straight-line body
            }
        }
        return known;
    }
}
