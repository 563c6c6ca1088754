using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;
using Xunit.Abstractions;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// Guarded memories (<see cref="Memory.UseGuardPages"/>: unchecked loads and stores, a fault beyond the size is the
/// out-of-bounds trap): traps in a callee reach the caller's caller with the right kind, other traps keep theirs, the
/// instance stays usable, and a guarded load is a few instructions.
/// </summary>
public class GuardedMemoryTests(ITestOutputHelper output)
{
    private const string Source = """
        __attribute__((noinline)) int load_at(unsigned p) { return *(volatile int *)p; }
        __attribute__((noinline)) void store_at(unsigned p, int v) { *(volatile int *)p = v; }
        __attribute__((export_name("outer"))) int outer(unsigned p) { return load_at(p) + 1; }
        __attribute__((export_name("store"))) int store(unsigned p, int v) { store_at(p, v); return load_at(p); }
        __attribute__((export_name("div"))) int div(int a, int b) { return a / b; }
        """;

    private static byte[] Compile()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"patchouly-guard-{Environment.ProcessId}-{Guid.NewGuid():n}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "g.c"), Source);
            var psi = new ProcessStartInfo("clang-19", ["--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-o", Path.Combine(dir, "g.wasm"), Path.Combine(dir, "g.c")])
            { RedirectStandardError = true };
            var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"clang-19 failed: {err}");
            return File.ReadAllBytes(Path.Combine(dir, "g.wasm"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Out_of_bounds_accesses_in_a_callee_trap_and_other_traps_keep_their_kind()
    {
        var m = ModuleDecoder.Decode(Compile());
        Validator.Validate(m);
        using var store = new Store();
        var instance = new JitEngine().Instantiate(store, m, (_, _) => null);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, (int)instance.GetFunction("outer").Invoke(16)[0]);
            var t = Assert.Throws<TrapException>(() => instance.GetFunction("outer").Invoke(0x7FFF_FFF0));
            Assert.Equal(TrapKind.MemoryOutOfBounds, t.Kind);
            t = Assert.Throws<TrapException>(() => instance.GetFunction("outer").Invoke(unchecked((int)0xFFFF_FFFE)));
            Assert.Equal(TrapKind.MemoryOutOfBounds, t.Kind);
            t = Assert.Throws<TrapException>(() => instance.GetFunction("div").Invoke(1, 0));
            Assert.Equal(TrapKind.DivideByZero, t.Kind);
            Assert.Equal(42, (int)instance.GetFunction("store").Invoke(32, 42)[0]);
            t = Assert.Throws<TrapException>(() => instance.GetFunction("store").Invoke(0x1000_0000, 7));
            Assert.Equal(TrapKind.MemoryOutOfBounds, t.Kind);
            Assert.Equal(2, (int)instance.GetFunction("div").Invoke(4, 2)[0]);
        }
    }

    [Fact]
    public void A_guarded_load_is_a_few_instructions()
    {
        var listing = NarrowVariantTests.JitListing(EngineAgreementTests.CompileC("sieve"));
        var loads = Regex.Matches(listing, @"^; (\w*Load\w*) \[[^\]]*\][^\n]*\n((?:[^;\n][^\n]*\n)*)", RegexOptions.Multiline)
            .Select(x => (Family: x.Groups[1].Value, Instructions: x.Groups[2].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, Text: x.Value)).ToList();
        Assert.NotEmpty(loads);
        foreach (var l in loads.DistinctBy(l => l.Family)) output.WriteLine(l.Text);
        if (!Memory.UseGuardPages)
        {
            Assert.DoesNotContain(loads, l => l.Family.EndsWith("Guarded", StringComparison.Ordinal));
            return;
        }
        Assert.All(loads, l => Assert.EndsWith("Guarded", l.Family));
        // movabs of the memory's address + offset, the zero-extension of the address, the load (x86-64).
        Assert.All(loads, l => Assert.True(l.Instructions <= 3, l.Text));
    }
}
