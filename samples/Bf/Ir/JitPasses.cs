using System;

namespace Patchouly.Samples.Bf.Ir;

/// <summary>
/// The IR passes the JIT runs on the front end's IR, in order: <see cref="RepeatedCheckElision"/>,
/// <see cref="BackEdgeCheckDeferral"/>, <see cref="ShiftLoopPeeling"/>. Each can be turned off with its environment
/// switch set to <c>0</c> (<c>PATCHOULY_BF_ELIDE_CHECKS</c>, <c>PATCHOULY_BF_DEFER_CHECKS</c>,
/// <c>PATCHOULY_BF_PEEL_SHIFTS</c>, see <see cref="JitSwitches"/>).
/// The other engines run the front end's IR as it is; the benchmark also times clang -O3 of this IR, to keep the
/// comparison with the aot engine honest.
/// </summary>
public static class JitPasses
{
    /// <summary>Returns the optimised IR (<paramref name="ops"/> itself when no pass changed anything).</summary>
    public static Op[] Apply(Op[] ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        // One working copy for the passes that keep the length (a program of millions of ops must not be copied per pass).
        bool elide = JitSwitches.ElideChecks, defer = JitSwitches.DeferChecks;
        Op[] work = elide || defer ? (Op[])ops.Clone() : ops;
        int changed = (elide ? RepeatedCheckElision.ApplyInPlace(work) : 0) + (defer ? BackEdgeCheckDeferral.ApplyInPlace(work) : 0);
        if (changed == 0) work = ops;
        if (JitSwitches.PeelShifts) work = ShiftLoopPeeling.Apply(work, out _);
        return work;
    }

    /// <summary>The front end's program with the passes applied.</summary>
    public static BfProgram Apply(BfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        Op[] ops = Apply(program.Ops);
        return ReferenceEquals(ops, program.Ops) ? program : new BfProgram(ops, program.TokenCount, program.SourceLength);
    }
}
