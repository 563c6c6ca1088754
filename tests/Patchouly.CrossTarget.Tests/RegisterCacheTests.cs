using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Patchouly.Runtime.Allocation;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Values in registers across blocks on every target (natively on x86-64, under qemu on arm64, under wine on win-x64):
/// a loop whose two Fibonacci values stay in registers across the back edge (swapped by a
/// <see cref="ParallelMove"/> cycle through a scratch register), and whose counter and step count live in memory but
/// are worked on in the one register of a <see cref="RegisterCache"/>: evicted (spilled) when the other is needed,
/// reloaded, and written back before the loop's branch.
/// </summary>
public unsafe class RegisterCacheTests
{
    private static readonly Location Homes = Location.Register(0), A = Location.Register(1), B = Location.Register(2),
        Scratch = Location.Register(3), Cached = Location.Register(4);

    private struct HomeSpiller(CacheStencils.Emitter emit) : IValueSpiller
    {
        public readonly void Spill(long value, Location register) => emit.Store(Homes, (nint)value, register);
    }

    private static Location Get(RegisterCache cache, CacheStencils.Emitter emit, long home)
    {
        if (cache.TryGet(home, out var reg)) return reg;
        var spiller = new HomeSpiller(emit);
        reg = cache.Bind(home, dirty: false, ref spiller);
        emit.Load(Homes, (nint)home, reg);
        return reg;
    }

    /// <summary>homes[0] = n (counter), homes[1] = steps; returns fib(n) (fib(0) = 0).</summary>
    private static FunctionBuilder EmitFibonacci(Runtime.Tables.StencilLibrary library)
    {
        var b = new FunctionBuilder(library, parameterCount: 1);
        var emit = new CacheStencils.Emitter(b);
        var cache = new RegisterCache(Cached);
        var spiller = new HomeSpiller(emit);
        var loop = b.NewBlock();
        var test = b.NewBlock();
        var done = b.NewBlock();
        emit.Const(0, A);
        emit.Const(1, B);
        b.Jump(test);

        b.StartBlock(loop); // entered from the back edge: nothing cached
        cache.Clear();
        Location counter = Get(cache, emit, 0);
        emit.AddImm(counter, -1, counter);
        cache.MarkDirty(0);
        Location steps = Get(cache, emit, 1); // evicts the counter: a spill
        emit.AddImm(steps, 2, steps);
        cache.MarkDirty(1);
        emit.Add(A, B, A);                   // (a, b) = (b, a + b): a + b into A, then swap A and B
        ParallelMove.Emit(b, [(A, B), (B, A)], Scratch);
        cache.SpillAll(ref spiller);         // a block edge: the step count is written back
        cache.Clear();

        b.StartBlock(test); // entered from the entry and by falling through, with nothing cached
        counter = Get(cache, emit, 0);       // reloads the counter
        emit.LoopIfNonZero(counter, done, loop);
        b.StartBlock(done);
        emit.Return(A);
        return b;
    }

    [Theory]
    [MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void Values_stay_in_registers_across_blocks_and_are_spilled_and_reloaded(string target)
    {
        var library = RunnableTables.Of(CacheStencils.Library, target);
        using var f = EmitFibonacci(library).Compile();
        long* homes = (long*)NativeMemory.AllocZeroed(2 * sizeof(long));
        try
        {
            long fa = 0, fb = 1;
            for (int n = 0; n <= 50; n++)
            {
                homes[0] = n;
                homes[1] = 0;
                Assert.Equal(fa, f.Invoke((long)homes));
                Assert.Equal(0, homes[0]);
                Assert.Equal(2 * n, homes[1]);
                (fa, fb) = (fb, fa + fb);
            }
        }
        finally
        {
            NativeMemory.Free(homes);
        }
    }
}
