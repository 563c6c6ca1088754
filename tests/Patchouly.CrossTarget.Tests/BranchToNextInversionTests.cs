using Patchouly.Runtime;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// A loop closed by <see cref="DiffStencils.JumpIfLess"/> (<c>a &lt; b ? less : Target.Next</c>, which clang lays out as
/// a conditional branch to next and the trailing jump to <c>less</c>): with the loop head behind and the code after
/// it next, the builder turns the pair into one conditional branch back (x86-64 <c>jl</c>, AArch64 <c>b.lt</c>), on
/// every target, and the loop still runs both ways.
/// </summary>
public class BranchToNextInversionTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2);

    [Theory, MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void A_loop_back_edge_is_one_conditional_branch(string target)
    {
        var library = RunnableTables.Of(DiffStencils.Library, target);
        // The Return stencil's length, alone.
        var alone = new FunctionBuilder(library, 1);
        new DiffStencils.Emitter(alone).Return(R1);
        int returnLength = alone.CodeSize;

        // f(n) = 1 + 2 + ... + max(n, 1): r1 = 0; r2 = 0; loop: r2 += 1; r1 += r2; if (r2 < n) goto loop; return r1
        var b = new FunctionBuilder(library, 1);
        var e = new DiffStencils.Emitter(b);
        var loop = b.NewBlock();
        e.Const(0, R1);
        e.Const(0, R2);
        b.StartBlock(loop);
        e.AddImm(R2, 1, R2);
        e.Add(R1, R2, R1);
        e.JumpIfLess(R2, R0, loop);
        int withPair = b.CodeSize; // the branch stencil as copied: its pair and its trailing jump still there
        e.Return(R1);
        int removed = withPair + returnLength - b.CodeSize;
        Assert.True(removed > 0, $"{target}: the back edge kept its pair ({removed} bytes removed)");
        using var f = b.Compile();
        Assert.Equal(55, f.Invoke(10));
        Assert.Equal(1, f.Invoke(1));
        Assert.Equal(1, f.Invoke(-5));
        Assert.Equal(45150, f.Invoke(300));
    }
}
