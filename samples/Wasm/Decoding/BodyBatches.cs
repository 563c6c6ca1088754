using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace Patchouly.Samples.Wasm.Decoding;

/// <summary>
/// Work on a module's function bodies on several threads: the bodies are cut into batches of consecutive functions
/// (about <see cref="BatchBytes"/> of code each, or what the caller asks) that the threads take in order. Used by
/// validation and by the JIT.
/// Whatever the number of threads, the error reported is the one of the lowest body that failed, so a module is
/// rejected with the same <see cref="WasmException"/> (section and offset) as on one thread.
/// </summary>
public static class BodyBatches
{
    /// <summary>The code size a batch aims at.</summary>
    public const int BatchBytes = 32 * 1024;

    /// <summary>
    /// How many threads work on one module's bodies: the environment variable <c>WASM_THREADS</c> when set (1: the
    /// calling thread only), else <see cref="Environment.ProcessorCount"/>. A module of one batch is always done on
    /// the calling thread.
    /// </summary>
    public static int Threads { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("WASM_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;

    /// <summary>The first body of every batch of <paramref name="m"/> (about <paramref name="batchBytes"/> of code each), then the number of bodies.</summary>
    public static int[] Split(WasmModule m, int batchBytes = BatchBytes)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchBytes);
        var bodies = m.Bodies;
        int count = 1;
        long size = 0;
        foreach (var body in bodies)
        {
            if (size >= batchBytes) { count++; size = 0; }
            size += body.CodeEnd - body.CodeStart;
        }
        var starts = new int[count + 1];
        count = 1;
        size = 0;
        for (int i = 0; i < bodies.Count; i++)
        {
            if (size >= batchBytes) { starts[count++] = i; size = 0; }
            size += bodies[i].CodeEnd - bodies[i].CodeStart;
        }
        starts[count] = bodies.Count;
        return starts;
    }

    /// <summary>
    /// Calls <paramref name="batch"/> for every batch of <paramref name="starts"/> (<see cref="Split"/>) on up to
    /// <paramref name="threads"/> threads. A failure of body <c>i</c> is reported by throwing a
    /// <see cref="BodyFailure"/>; any other exception counts as a failure of the batch's first body. Rethrows the
    /// failure of the lowest body once all batches that could fail before it are done.
    /// </summary>
    public static void Run(int[] starts, int threads, Action<int> batch)
    {
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(batch);
        var run = new Runner(starts, batch);
        int batches = starts.Length - 1;
        int workers = Math.Clamp(threads, 1, Math.Max(1, batches));
        if (workers == 1) run.Work();
        else Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ => run.Work());
        run.Error?.Throw();
    }

    private sealed class Runner(int[] starts, Action<int> batch)
    {
        private int _next = -1;
        private int _failedAt = int.MaxValue;
        private readonly Lock _lock = new();

        public ExceptionDispatchInfo? Error;

        public void Work()
        {
            while (true)
            {
                int b = Interlocked.Increment(ref _next);
                if (b >= starts.Length - 1) return;
                // A batch after a failed body cannot fail before it.
                if (starts[b] > Volatile.Read(ref _failedAt)) continue;
                try
                {
                    batch(b);
                }
                catch (BodyFailure f)
                {
                    Fail(f.Body, f.InnerException!);
                }
                catch (Exception e)
                {
                    Fail(starts[b], e);
                }
            }
        }

        private void Fail(int body, Exception e)
        {
            lock (_lock)
            {
                if (body >= _failedAt) return;
                _failedAt = body;
                Error = ExceptionDispatchInfo.Capture(e);
            }
        }
    }
}

/// <summary>Thrown by a batch's work (<see cref="BodyBatches.Run"/>): body <see cref="Body"/> failed with the inner exception.</summary>
public sealed class BodyFailure(int body, Exception inner) : Exception($"body {body} failed: {inner.Message}", inner)
{
    /// <summary>The body (index among the defined functions).</summary>
    public int Body { get; } = body;
}
