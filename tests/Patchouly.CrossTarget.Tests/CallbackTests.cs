using System;
using System.Runtime.InteropServices;
using System.Threading;
using Patchouly.Runtime;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Host callbacks (<c>[UnmanagedCallersOnly]</c> methods called from JIT code through a function-pointer hole) on the
/// process's platform, with <see cref="CallbackStencils"/> compiled by clang for it: a callback may throw and catch an
/// exception, walk the managed stack across the JIT frames, and be called again and again from several threads.
/// </summary>
public unsafe class CallbackTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1);

    [ThreadStatic] private static string? t_stackTrace;
    [ThreadStatic] private static int t_caught;

    [UnmanagedCallersOnly]
    private static long ThrowAndCatch(long x)
    {
        try
        {
            if (x >= 0) throw new InvalidOperationException($"thrown inside a callback for {x}");
            return -1;
        }
        catch (InvalidOperationException e) when (e.Message.EndsWith(x.ToString(), StringComparison.Ordinal))
        {
            t_caught++;
            return x * 10;
        }
    }

    [UnmanagedCallersOnly]
    private static long CaptureStackTrace(long x)
    {
        t_stackTrace = Environment.StackTrace;
        return x + 1;
    }

    /// <summary><c>f(x) = callback(x + 1) + 2</c>, the callback called through a <c>CallHost</c> stencil.</summary>
    private static CompiledFunction Compile(delegate* unmanaged<long, long> callback)
    {
        var b = new FunctionBuilder(CallbackStencils.Library, 1);
        var e = new CallbackStencils.Emitter(b);
        e.AddImm(R0, 1, R1);
        e.CallHost(R1, callback, R0);
        e.AddImm(R0, 2, R0);
        e.Return(R0);
        return b.Compile();
    }

    [Fact]
    public void An_exception_thrown_and_caught_inside_a_callback_does_not_disturb_the_jit_code()
    {
        using var f = Compile(&ThrowAndCatch);
        t_caught = 0;
        for (long x = 0; x < 200; x++) Assert.Equal((x + 1) * 10 + 2, f.Invoke(x));
        Assert.Equal(200, t_caught);
        Assert.Equal(-1 + 2, f.Invoke(-5)); // no exception on this path
    }

    [Fact]
    public void Callbacks_that_throw_and_catch_run_on_several_threads_at_once()
    {
        using var f = Compile(&ThrowAndCatch);
        int failures = 0;
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            long seed = t * 1000;
            threads[t] = new Thread(() =>
            {
                for (long x = seed; x < seed + 100; x++)
                    if (f.Invoke(x) != (x + 1) * 10 + 2) Interlocked.Increment(ref failures);
            });
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        Assert.Equal(0, failures);
    }

    [Fact]
    public void The_stack_trace_of_a_callback_reaches_the_managed_caller_of_the_jit_code()
    {
        using var f = Compile(&CaptureStackTrace);
        t_stackTrace = null;
        Assert.Equal(10 + 1 + 1 + 2, f.Invoke(10));
        Assert.NotNull(t_stackTrace);
        Assert.Contains(nameof(CaptureStackTrace), t_stackTrace);
        Assert.Contains(nameof(The_stack_trace_of_a_callback_reaches_the_managed_caller_of_the_jit_code), t_stackTrace);
        Assert.Contains("CompiledFunction.Invoke", t_stackTrace);
    }
}
