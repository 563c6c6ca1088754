using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// The JIT keeps each function's most used integer and float locals in the registers beyond the operand stack's
/// (for the whole function). These run code that exercises the ways a cached local is read and written (parameters,
/// zero-initialised locals, <c>local.tee</c>, a pending operation written straight to the register, a reinterpretation
/// that needs the value in the other register file, <c>select</c>, globals, stores, <c>br_table</c> trampolines, calls
/// to a function with cached locals of its own, loops) against the interpreter, and check that the registers are used.
/// </summary>
public class CachedLocalTests
{
    private const string Wat = """
        (module
          (memory 1)
          (global $g (mut f64) (f64.const 0))
          (func $clobber (param i64 f64) (result i64) (local $a i64) (local $b f64) (local $k i32)
            (loop $l
              (local.set $a (i64.add (local.get $a) (local.get 0)))
              (local.set $b (f64.mul (f64.add (local.get $b) (local.get 1)) (f64.const 0.5)))
              (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 5))))
            (i64.add (local.get $a) (i64.trunc_f64_s (local.get $b))))
          (func (export "run") (param $n i32) (param $x f64) (result i64) (local $acc i64) (local $f f64) (local $i i32) (local $t i64)
            (block $out
              (loop $l
                (local.set $f (f64.add (local.get $f) (local.get $x)))
                (local.set $t (i64.reinterpret_f64 (local.get $f)))
                (local.set $acc (i64.xor (local.get $acc) (i64.shr_u (local.get $t) (i64.const 20))))
                (local.set $acc (i64.add (local.get $acc) (call $clobber (local.get $acc) (local.get $f))))
                (f64.store (i32.const 8) (local.get $f))
                (global.set $g (select (local.get $f) (local.get $x) (i32.and (local.get $i) (i32.const 1))))
                (local.set $acc (i64.add (local.get $acc) (i64.load (i32.const 8))))
                (local.set $f (f64.reinterpret_i64 (i64.and (i64.reinterpret_f64 (local.get $f)) (i64.const 0x7fffffffffffffff))))
                (block $b2 (block $b1 (block $b0
                  (br_table $b0 $b1 $b2 $out (local.get $acc) (i32.rem_u (local.get $i) (i32.const 7))))
                  (local.set $acc (i64.add (local.get $acc) (i64.const 3))) (br $b2))
                  (local.set $acc (i64.mul (local.get $acc) (i64.const 5))))
                (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
            (i64.add (local.get $acc) (i64.add (i64.reinterpret_f64 (global.get $g)) (i64.trunc_f64_s (local.get $f))))))
        """;

    /// <summary>Loads <paramref name="bytes"/> with <paramref name="engine"/>, runs its <c>run</c> export on a large stack
    /// and frees the module again.</summary>
    internal static long RunOnce(Engine engine, byte[] bytes, long[] args) => WasmRuntime.RunOnLargeStack(() =>
    {
        using var module = engine.Load(bytes);
        return module.Invoke("run", args)[0];
    });

    internal static byte[] Assemble(string wat)
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            string src = Path.Combine(dir, "m.wat"), wasm = Path.Combine(dir, "m.wasm");
            File.WriteAllText(src, wat);
            var psi = new ProcessStartInfo("wat2wasm", [src, "-o", wasm]) { RedirectStandardError = true };
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("wat2wasm was not found: install Debian's wabt ('apt-get install wabt', or ./build.sh test does it)", e);
            }
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
            return File.ReadAllBytes(wasm);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(6, -1.25)]
    [InlineData(7, 3.0)]
    [InlineData(50, 1e-3)]
    [InlineData(200, 12345.678)]
    public void Cached_locals_give_the_interpreters_results(int n, double x)
    {
        byte[] bytes = Assemble(Wat);
        long[] args = [n, BitConverter.DoubleToInt64Bits(x)];
        long jit = CachedLocalTests.RunOnce(new JitEngine(), bytes, args);
        long interp = CachedLocalTests.RunOnce(new Patchouly.Samples.Wasm.Interp.InterpEngine(), bytes, args);
        Assert.Equal(interp, jit);
    }

    [Fact]
    public void The_hottest_locals_live_in_the_cache_registers()
    {
        var listing = NarrowVariantTests.JitListing(Assemble(Wat));
        // $clobber's loop: $a += p0 and $b = ($b + p1) * 0.5 read and write the cache registers, not slots.
        var headers = Regex.Matches(listing, @"^; (\w+) \[([^\]]*)\]", RegexOptions.Multiline).Select(x => (Family: x.Groups[1].Value, Operands: x.Groups[2].Value)).ToList();
        Assert.Contains(headers, h => h.Family == "I64Add" && h.Operands.EndsWith("-> r3", StringComparison.Ordinal));
        Assert.Contains(headers, h => h.Family == "F64Mul" && h.Operands.EndsWith("-> f3", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("nbody")]
    [InlineData("matmul")]
    public void The_validators_local_weights_choose_what_the_compilers_own_walk_chooses(string? program)
    {
        // The validator records the weights (FunctionBody.LocalWeights); a module compiled unvalidated is walked by
        // the compiler instead. Both must choose the same locals, so emit the same stencils on the same locations (the
        // stencil headers; the code's immediates differ between two instances: cells, host operation ids).
        byte[] bytes = program is null ? Assemble(Wat) : EngineAgreementTests.CompileC(program);
        var validated = ModuleDecoder.Decode(bytes);
        Validator.Validate(validated);
        Assert.All(validated.Bodies, b => Assert.NotNull(b.LocalWeights));
        var unvalidated = ModuleDecoder.Decode(bytes);
        Assert.All(unvalidated.Bodies, b => Assert.Null(b.LocalWeights));
        static string Listing(WasmModule m)
        {
            using var store = new Store();
            return string.Join('\n', Regex.Matches(
                Assert.IsType<Patchouly.Samples.Wasm.Jit.JitCode>(new JitEngine(disassemblable: true).Instantiate(store, m, (_, _) => null).Code).Disassemble(),
                @"^; \w+ \[[^\]]*\].*$", RegexOptions.Multiline).Select(x => x.Value));
        }
        string listing = Listing(validated);
        Assert.Matches(@"-> [rf][34]\]", listing); // some local is cached
        Assert.Equal(Listing(unvalidated), listing);
    }
}
