using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using Patchouly.Runtime.Tests.Stencils;
using Xunit.Abstractions;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>
/// Tests that depend on process-wide state — counts of mappings, where the kernel places a mapping (hints, reuse of a
/// freed address), the shared array pool — run alone, after the parallel tests.
/// </summary>
[CollectionDefinition(nameof(ProcessWideCollection), DisableParallelization = true)]
public sealed class ProcessWideCollection;

/// <summary>
/// The runtime under load: eight threads compile, run and free functions and modules at once for a bounded time,
/// and share functions that their owners dispose while other threads call them.
/// </summary>
[Collection(nameof(ProcessWideCollection))]
public unsafe class ConcurrencyTests(ITestOutputHelper output)
{
    private const int Threads = 8;
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(3);

    [UnmanagedCallersOnly]
    private static long Twice(long x) => 2 * x;

    /// <summary>What the threads did.</summary>
    private sealed class Counters
    {
        public long Functions, Modules, Calls, PreventedCalls;
    }

    [Fact]
    public void EightThreadsCompileRunAndFreeWithoutCorruptionOrLeakedMappings()
    {
        // A short round first, so that the process's own one-time mappings (thread stacks, malloc arenas of new
        // threads, GC regions) exist before counting.
        Run(TimeSpan.FromMilliseconds(300));
        CollectGarbage();
        int mappingsBefore = MemoryMaps.AnonymousExecutableCount();
        int regionsBefore = Memory.CodeFile.LiveRegions;
        int linesBefore = MemoryMaps.Count();
        using (var probe = Compile(e => e.ReturnConst(1)))
        {
            ulong entry = (ulong)probe.EntryPoint;
            // The counts see compiled code: an anonymous mapping, or a live region of the code file (Linux x86-64).
            if (probe.Memory.IsFileBacked) Assert.Equal(regionsBefore + 1, Memory.CodeFile.LiveRegions);
            else Assert.Contains(MemoryMaps.AnonymousExecutable(), m => m.From <= entry && entry < m.To);
        }

        var (counters, elapsed) = Run(s_duration);

        CollectGarbage();
        int mappingsAfter = MemoryMaps.AnonymousExecutableCount();
        int regionsAfter = Memory.CodeFile.LiveRegions;
        int linesAfter = MemoryMaps.Count();
        output.WriteLine(
            $"{Threads} threads for {elapsed.TotalSeconds:F1} s: {counters.Functions} functions and {counters.Modules} modules " +
            $"(2 functions each) compiled, run and freed; {counters.Calls} checked calls, {counters.PreventedCalls} calls of " +
            $"disposed functions refused (by their owner right after disposing, or by others racing with it); anonymous r-x mappings {mappingsBefore} before, {mappingsAfter} after; " +
            $"/proc/self/maps lines {linesBefore} before, {linesAfter} after.");
        Assert.True(counters.Functions > Threads && counters.Modules > Threads, $"{counters.Functions} functions, {counters.Modules} modules");
        Assert.True(mappingsAfter <= mappingsBefore, $"executable mappings leaked: {mappingsBefore} before, {mappingsAfter} after");
        Assert.True(regionsAfter <= regionsBefore, $"code file regions leaked: {regionsBefore} live before, {regionsAfter} after");
    }

    /// <summary>Runs the eight threads for <paramref name="duration"/>, then disposes what they shared.</summary>
    private static (Counters Counters, TimeSpan Elapsed) Run(TimeSpan duration)
    {
        var counters = new Counters();
        var failures = new ConcurrentQueue<Exception>();
        var shared = new CompiledFunction?[Threads]; // each thread publishes functions here that the others call
        var clock = Stopwatch.StartNew();
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int thread = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    Work(thread, shared, counters, clock, duration);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }, 4 << 20);
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        var elapsed = clock.Elapsed;
        foreach (var f in shared) f?.Dispose();
        Assert.Empty(failures);
        return (counters, elapsed);
    }

    private static void Work(int thread, CompiledFunction?[] shared, Counters counters, Stopwatch clock, TimeSpan duration)
    {
        var random = new Random(thread);
        var builder = Builder(1); // reused through Reset, like a real JIT's
        for (int round = 0; clock.Elapsed < duration; round++)
        {
            // A loop function: sum(1..n) + c, with the constant narrow or wide and a value on the stack.
            long c = random.Next(2) == 0 ? random.Next(-1000, 1000) : random.NextInt64() | 1L << 40;
            int slot = random.Next(64);
            builder.Reset();
            EmitSumLoop(builder, c, slot);
            using (var f = builder.Compile())
            {
                CheckCode(f);
                for (int k = 0; k < 4; k++)
                {
                    long n = random.Next(0, 2000);
                    Check(n * (n + 1) / 2 + c, f.Invoke(n), f);
                }
                Interlocked.Increment(ref counters.Functions);
                Interlocked.Add(ref counters.Calls, 4);
            }

            // A module: even/odd calling each other through their slots, and a host call.
            var module = new JitModule(TestStencils.Library);
            var even = module.DefineFunction(1, "even");
            var odd = module.DefineFunction(1, "odd");
            EmitParity(module, even, odd, 1);
            EmitParity(module, odd, even, 0);
            using (var compiled = module.Compile())
            {
                CheckCode(compiled[0]);
                CheckCode(compiled[1]);
                long n = random.Next(0, 300);
                Check(2 * (n % 2 == 0 ? 1 : 0), compiled[0].Invoke(n), compiled[0]);
                Check(2 * (n % 2), compiled[1].Invoke(n), compiled[1]);
                Interlocked.Increment(ref counters.Modules);
                Interlocked.Add(ref counters.Calls, 2);
            }

            // Publish a function for the other threads, and call (or fail to call) theirs; the owner disposes its own
            // previous one, possibly while another thread is calling it.
            builder.Reset();
            EmitSumLoop(builder, thread, 0);
            var mine = builder.Compile();
            var previous = Interlocked.Exchange(ref shared[thread], mine);
            Interlocked.Increment(ref counters.Functions);
            if (previous is not null)
            {
                previous.Dispose(); // another thread may be running it: the unmapping waits for that call
                Assert.Throws<ObjectDisposedException>(() => previous.Invoke(1));
                Assert.Throws<ObjectDisposedException>(() => previous.EntryPoint);
                Interlocked.Increment(ref counters.PreventedCalls);
            }
            var theirs = Volatile.Read(ref shared[random.Next(Threads)]);
            if (theirs is null) continue;
            try
            {
                long result = theirs.Invoke(100);
                long owner = result - 5050;
                if (owner < 0 || owner >= Threads) throw new InvalidOperationException($"A shared function returned {result}.");
                Interlocked.Increment(ref counters.Calls);
            }
            catch (ObjectDisposedException)
            {
                Interlocked.Increment(ref counters.PreventedCalls);
            }
        }
    }

    /// <summary><c>f(n) = sum(1..n) + c</c> with a backward branch, <c>c</c> passing through stack slot <paramref name="slot"/>.</summary>
    private static void EmitSumLoop(FunctionBuilder b, long c, int slot)
    {
        var e = new TestEmitter(b);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        e.Const(0, R1);
        b.StartBlock(loop);
        e.JumpIfZero(R0, done);
        e.Add(R1, R0, R1);
        e.AddImm8(R0, -1, R0);
        b.Jump(loop);
        b.StartBlock(done);
        e.Const(c, S(slot));
        e.Add(R1, S(slot), R2);
        e.Return(R2);
    }

    /// <summary><c>f(n) = n == 0 ? 2 * atZero : other(n - 1)</c> through the slot, doubling by a host call at the end.</summary>
    private static void EmitParity(JitModule module, FunctionBuilder f, FunctionBuilder other, long atZero)
    {
        var e = new TestEmitter(f);
        var zero = f.NewBlock();
        e.JumpIfZero(R0, zero);
        e.AddImm8(R0, -1, R0);
        e.CallSlot(R0, module.SlotAddress(other), R0);
        e.Return(R0);
        f.StartBlock(zero);
        e.Const(atZero, R0);
        e.CallHost(R0, &Twice, R0);
        e.Return(R0);
    }

    /// <summary>The executable memory holds exactly the code the function was compiled to.</summary>
    private static void CheckCode(CompiledFunction f)
    {
        var inMemory = new ReadOnlySpan<byte>((void*)f.EntryPoint, f.Code.Length);
        if (!inMemory.SequenceEqual(f.Code)) throw new InvalidOperationException($"The code of {f} differs from its image.");
    }

    private static void Check(long expected, long actual, CompiledFunction f)
    {
        if (expected != actual) throw new InvalidOperationException($"{f} returned {actual}, expected {expected}.");
    }

    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
