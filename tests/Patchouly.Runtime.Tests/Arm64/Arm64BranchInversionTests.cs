using System.Linq;
using static Patchouly.Runtime.Tests.Arm64.Arm64Jit;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// Branch inversion on AArch64 (golden words; runs on any host). BranchLess ends in the pair
/// <c>b.lt +8; b notLess; b less</c>: with notLess next and less placed, it becomes <c>b.lt less</c>; with less next
/// (its <c>b</c> dropped) and notLess placed, <c>b.ge notLess</c>. A conditional branch reaches ±1 MiB, so a
/// destination not placed yet keeps the pair.
/// </summary>
[Collection(nameof(TargetTestsCollection))]
public class Arm64BranchInversionTests
{
    private static int BlockAt(Linking.FunctionMap map, Block block) => map.Blocks.Single(x => x.Block == block.Id).Offset;

    /// <summary>r1 = 0; r2 = 0; goto test; loop: r2 += 1; r1 += r2; test: (the branch); exit: return r1.</summary>
    private static (FunctionBuilder Builder, Block Loop, Block Exit, int TestEnd) Loop(bool lessIsLoop)
    {
        var b = Builder(1);
        var loop = b.NewBlock();
        var test = b.NewBlock();
        var exit = b.NewBlock();
        b.Const(0, R1);
        b.Const(0, R2);
        b.Jump(test);
        b.StartBlock(loop);
        b.AddImm(R2, 1, R2);
        b.Add(R1, R2, R1);
        b.StartBlock(test);
        if (lessIsLoop) b.BranchLess(R2, R0, loop, exit); // while (r2 < n)
        else b.BranchLess(R0, R2, exit, loop);             // until (n < r2)
        int end = b.CodeSize;
        b.StartBlock(exit);
        b.Return(R1);
        return (b, loop, exit, end);
    }

    [Fact]
    public void OtherTargetNextAndTrailingTargetPlacedBecomesOneConditionalBranch()
    {
        var (b, loop, exit, end) = Loop(lessIsLoop: true);
        var (image, map) = Link(b);
        int pair = end - 12;
        Assert.Equal(pair + 4, BlockAt(map, exit)); // b notLess and b less are gone
        Assert.Equal(A64.BCond(A64.Lt, BlockAt(map, loop) - pair), Word(image, map.BodyOffset + pair));
        Assert.Equal(A64.Mov(0, 22), Word(image, map.BodyOffset + pair + 4)); // Return r1
    }

    [Fact]
    public void TrailingTargetNextAndOtherTargetPlacedBecomesOneInvertedBranch()
    {
        var (b, loop, exit, end) = Loop(lessIsLoop: false);
        var (image, map) = Link(b);
        int pair = end - 12;
        Assert.Equal(pair + 4, BlockAt(map, exit));
        Assert.Equal(A64.BCond(A64.Ge, BlockAt(map, loop) - pair), Word(image, map.BodyOffset + pair));
    }

    [Fact]
    public void DestinationNotPlacedYetKeepsThePair()
    {
        // Forward: the conditional branch could not be patched later (its reach is less than the body's), so the
        // words stay; only the trailing b is dropped when its destination follows.
        foreach (bool lessNext in new[] { false, true })
        {
            var b = Builder(2);
            var less = b.NewBlock();
            var notLess = b.NewBlock();
            b.BranchLess(R0, R1, less, notLess);
            int end = b.CodeSize;
            b.StartBlock(lessNext ? less : notLess);
            b.ReturnConst(1);
            b.StartBlock(lessNext ? notLess : less);
            b.ReturnConst(0);
            var (image, map) = Link(b);
            int pair = end - 12, at = map.BodyOffset + pair;
            Assert.Equal(A64.BCond(A64.Lt, 8), Word(image, at));
            Assert.Equal(BlockAt(map, notLess) - (pair + 4), BranchDistance(image, at + 4));
            if (lessNext) Assert.Equal(pair + 8, BlockAt(map, less));
            else Assert.Equal(BlockAt(map, less) - (pair + 8), BranchDistance(image, at + 8));
        }
    }
}
