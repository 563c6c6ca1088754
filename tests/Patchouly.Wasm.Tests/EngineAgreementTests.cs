using System;
using System.Diagnostics;
using System.IO;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Wasm.Tests;

/// <summary>The benchmark programs (compiled here with clang-19 to wasm32) give the same results under the JIT and Wasmtime.</summary>
public class EngineAgreementTests
{
    private static readonly string Programs = Path.Combine(AppContext.BaseDirectory, "Bench", "programs");

    internal static byte[] CompileC(string name)
    {
        // Unique per call: tests running in parallel compile the same program (one would delete the other's output).
        string output = Path.Combine(Path.GetTempPath(), $"patchouly-wasm-test-{Environment.ProcessId}-{name}-{Guid.NewGuid():n}.wasm");
        var psi = new ProcessStartInfo("clang-19", ["--target=wasm32", "-O2", "-mbulk-memory", "-nostdlib", "-Wl,--no-entry", "-o", output, Path.Combine(Programs, name + ".c")])
        {
            RedirectStandardError = true,
        };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("clang-19 is needed (./build.sh installs clang-19 and lld-19)", e); }
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"clang-19 failed (is lld-19 installed for wasm-ld?): {err}");
        var bytes = File.ReadAllBytes(output);
        File.Delete(output);
        return bytes;
    }

    [Theory]
    [InlineData("sieve", 100_000, 2)]
    [InlineData("matmul", 40, 3)]
    [InlineData("nbody", 20_000, 0)]
    [InlineData("collatz", 30_000, 0)]
    [InlineData("hash", 20, 99)]
    [InlineData("sort", 50_000, 2)]
    [InlineData("mandelbrot", 80, 0)]
    public void JitAgreesWithWasmtime(string program, int a, int b)
    {
        var bytes = CompileC(program);
        var jit = WasmRuntime.RunOnLargeStack(() =>
        {
            using var m = new JitEngine().Load(bytes);
            return m.Invoke("run", [a, b]);
        });
        using var w = new WasmtimeEngine().Load(bytes);
        var expected = w.Invoke("run", [a, b]);
        Assert.Equal(expected, jit);
    }

    [Theory]
    [InlineData("sieve", 5_000, 1)]
    [InlineData("nbody", 200, 0)]
    [InlineData("hash", 1, 5)]
    [InlineData("sort", 2_000, 1)]
    public void InterpreterAgreesWithJit(string program, int a, int b)
    {
        var bytes = CompileC(program);
        var (jit, interp) = WasmRuntime.RunOnLargeStack(() =>
        {
            using var j = new JitEngine().Load(bytes);
            using var i = new Patchouly.Samples.Wasm.Interp.InterpEngine().Load(bytes);
            return (j.Invoke("run", [a, b]), i.Invoke("run", [a, b]));
        });
        Assert.Equal(jit, interp);
    }

    [Fact]
    public void CallsFromSeveralThreadsAreSerialized()
    {
        // The exchange area is process-wide: Invoke holds a lock, so concurrent callers each get their own results.
        var bytes = CompileC("collatz");
        using var m = new JitEngine().Load(bytes);
        var threads = new System.Threading.Thread[4];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        for (int t = 0; t < threads.Length; t++)
        {
            int n = 1000 + t * 1000;
            long expected = WasmRuntime.RunOnLargeStack(() => m.Invoke("run", [n, 0]))[0];
            threads[t] = new System.Threading.Thread(() =>
            {
                for (int i = 0; i < 300; i++)
                {
                    long r = m.Invoke("run", [n, 0])[0];
                    if (r != expected) failures.Add($"run({n}) = {r}, expected {expected}");
                }
            });
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Empty(failures);
    }

    [Fact]
    public void KnownResults()
    {
        // Independent of both engines: 9592 primes below 100,000; 77031 has the longest Collatz chain (351) below 100,000.
        var sieve = CompileC("sieve");
        var collatz = CompileC("collatz");
        WasmRuntime.RunOnLargeStack(() =>
        {
            using var s = new JitEngine().Load(sieve);
            Assert.Equal(9592, (int)s.Invoke("run", [100_000, 1])[0]);
            using var c = new JitEngine().Load(collatz);
            Assert.Equal(77031L * 1000 + 351, c.Invoke("run", [100_000, 0])[0]);
            return 0;
        });
    }
}
