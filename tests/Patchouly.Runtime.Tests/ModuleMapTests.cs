using System;
using System.Runtime.CompilerServices;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>
/// What a compiled module keeps of its builders: their stencil maps only while <see cref="JitModule.KeepStencilMaps"/>
/// is true (for disassembly), the builders themselves never.
/// </summary>
public class ModuleMapTests
{
    /// <summary>Defines <paramref name="count"/> functions <c>f_i(n) = n + i</c> of <paramref name="stencils"/> stencils each (returns the bytes emitting allocated).</summary>
    private static long Emit(JitModule module, int count, int stencils)
    {
        var functions = new FunctionBuilder[count];
        for (int i = 0; i < count; i++) functions[i] = module.DefineFunction(1);
        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
        {
            var f = functions[i];
            var e = new TestEmitter(f);
            var done = f.NewBlock();
            for (int k = 0; k < stencils; k++) e.AddImm8(R0, (sbyte)(k == 0 ? i : 0), R0);
            e.JumpIfZero(R1, done);
            f.StartBlock(done);
            e.Return(R0);
        }
        return GC.GetAllocatedBytesForCurrentThread() - start;
    }

    [Fact]
    public void WithoutStencilMapsTheModuleRunsButCannotBeDisassembled()
    {
        var module = new JitModule(TestStencils.Library) { KeepStencilMaps = false };
        Assert.False(module.KeepStencilMaps);
        Emit(module, 3, 5);
        var second = module.Functions[2];
        using var compiled = module.Compile();

        Assert.Equal(12, compiled[0].Invoke(12));
        Assert.Equal(14, compiled.GetFunction(second).Invoke(12));
        Assert.Equal(compiled[2].BodyOffset, compiled.GetFunction("f2").BodyOffset);
        var e = Assert.Throws<InvalidOperationException>(() => compiled[1].Disassemble());
        Assert.Contains("KeepStencilMaps", e.Message, StringComparison.Ordinal);
        Assert.Contains("f1", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => compiled.Disassemble());
    }

    [Fact]
    public void ByDefaultTheMapsAreKeptForDisassembly()
    {
        var module = new JitModule(TestStencils.Library);
        Assert.True(module.KeepStencilMaps);
        Emit(module, 2, 3);
        using var compiled = module.Compile();
        Assert.Contains("; AddImm8 [r0 -> r0]", compiled[1].Disassemble(), StringComparison.Ordinal);
        Assert.Contains("; function f0", compiled.Disassemble(), StringComparison.Ordinal);
    }

    [Fact]
    public void DroppedMapsAreReusedByTheNextModulesBuilders()
    {
        // Dropped maps go back to the pools, so emitting the next module of the same shape allocates nothing.
        for (int i = 0; i < 3; i++)
        {
            var warm = new JitModule(TestStencils.Library) { KeepStencilMaps = false };
            Emit(warm, 4, 200);
            using var _ = warm.Compile();
        }
        var next = new JitModule(TestStencils.Library) { KeepStencilMaps = false };
        Assert.Equal(0, Emit(next, 4, 200));
        using var compiled = next.Compile();

        // Kept maps hold their arrays, so the module after them must rent new ones: the measurement can see it.
        var keeping = new JitModule(TestStencils.Library);
        Emit(keeping, 4, 200);
        using var kept = keeping.Compile();
        var after = new JitModule(TestStencils.Library);
        Assert.True(Emit(after, 4, 200) > 0);
        using var compiledAfter = after.Compile();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (CompiledModule Module, WeakReference Builder, WeakReference Source) CompileAndForget(bool keepMaps)
    {
        var module = new JitModule(TestStencils.Library) { KeepStencilMaps = keepMaps };
        Emit(module, 2, 3);
        var builder = new WeakReference(module.Functions[1]);
        return (module.Compile(), builder, new WeakReference(module));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ACompiledModuleDoesNotKeepItsBuildersAlive(bool keepMaps)
    {
        var (compiled, builder, source) = CompileAndForget(keepMaps);
        using (compiled)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.False(builder.IsAlive, "the compiled module keeps its builders alive");
            Assert.False(source.IsAlive, "the compiled module keeps its JitModule alive");
            Assert.Equal(9, compiled[1].Invoke(8));
            if (keepMaps) Assert.Contains("; AddImm8", compiled[1].Disassemble(), StringComparison.Ordinal);
        }
    }
}
