using System;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

[Collection(nameof(ProcessWideCollection))]
public class AllocationTests
{
    /// <summary>
    /// Emits a few hundred stencils through the typed emitter (collection expressions for every span) and returns the
    /// bytes allocated by the emitting part on this thread.
    /// </summary>
    private static long EmitAndMeasure()
    {
        var builder = Builder(1);
        var e = new TestEmitter(builder);
        long start = GC.GetAllocatedBytesForCurrentThread();
        var exit = builder.NewBlock();
        for (int i = 0; i < 100; i++)
        {
            var loop = builder.NewBlock();
            builder.StartBlock(loop);
            e.Const(i, R1);
            e.Add(R0, R1, S(3));
            e.AddImm(S(3), 1L << 40, R2);
            e.BranchLess(R2, R1, exit, loop);
            builder.Move(R2, S(i % 7));
            e.JumpIfNotZero(R0, loop);
        }
        e.Return(R1);
        builder.StartBlock(exit);
        e.ReturnConst(-1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start;
        using var f = builder.Compile();
        return allocated;
    }

    [Fact]
    public void EmittingDoesNotAllocateOnceBuffersArePooled()
    {
        EmitAndMeasure(); // the first builder grows the pooled buffers and returns them at Compile
        EmitAndMeasure();
        Assert.Equal(0, EmitAndMeasure());
    }
}
