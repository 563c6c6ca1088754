using System.Linq;
using static Patchouly.Runtime.Tests.Arm64.Arm64Jit;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>Cold blocks on AArch64 (golden words; runs on any host): cold code after the hot code, b's between them patched.</summary>
[Collection(nameof(TargetTestsCollection))]
public class Arm64ColdBlockTests
{
    private static int BlockAt(Linking.FunctionMap map, Block block) => map.Blocks.Single(x => x.Block == block.Id).Offset;

    [Fact]
    public void ColdCodeGoesAfterTheHotCodeWithBranchesBothWays()
    {
        // if (r0 == 0) goto cold; r1 = r0 + 1; join: return r1;  cold: r1 = 7; goto join
        var b = Builder(1);
        var cold = b.NewBlock(cold: true);
        var join = b.NewBlock();
        b.JumpIfZero(R0, cold);           // mov x8, x21; cbnz x8, +8; b cold; (b next dropped)
        int afterCheck = b.CodeSize - 4;
        b.StartBlock(cold);
        b.Const(7, R1);
        b.Jump(join);
        b.StartBlock(b.NewBlock());       // hot again: the code after the check
        b.AddImm(R0, 1, R1);
        b.StartBlock(join);
        b.Return(R1);
        var (image, map) = Link(b);
        int body = map.BodyOffset, coldAt = BlockAt(map, cold), joinAt = BlockAt(map, join);
        Assert.True(coldAt > joinAt);
        Assert.Equal(0, coldAt % 16);
        Assert.Equal(coldAt - (afterCheck - 4), BranchDistance(image, body + afterCheck - 4)); // hot → cold
        int coldJump = map.BodyLength - 4;                                                      // the cold code's last word
        Assert.Equal(joinAt - coldJump, BranchDistance(image, body + coldJump));                // cold → hot
        for (int gap = joinAt + 8; gap < coldAt; gap += 4) Assert.Equal(A64.Brk0, Word(image, body + gap));
    }
}
