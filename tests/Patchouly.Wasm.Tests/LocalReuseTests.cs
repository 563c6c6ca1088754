using System;
using System.Linq;
using System.Text.RegularExpressions;
using Patchouly.Samples.Wasm.Engines;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// A local in a move register is read where its value already is: in the register a <c>local.set</c>/<c>local.tee</c>
/// wrote it through (for the next load, store or numeric instruction), or in the register of an operand-stack entry
/// that holds it (a read of it, a tee of it) until the local is set or a label is reached. The listings show the moves
/// gone; the programs (every location class of locals, deep float stacks, tees into copies, loops that change a local
/// whose copy sits below them) give the interpreter's results.
/// </summary>
public class LocalReuseTests
{
    // In each function the first two locals of a register file are the heaviest (registers 3 and 4) and the next ones
    // go to the move registers (5, 6, …).
    private const string ListingWat = """
        (module
          (memory 1)
          (func (export "deep") (param $a f64) (param $b f64) (result f64) (local $m f64)
            i32.const 8                  ;; depth 0 is an i32: float register 0 is free
            local.get $a
            local.get $b
            local.get $a
            local.get $b
            f64.sub                      ;; depth 3: deep
            local.tee $m                 ;; $m is in float move register 5
            local.get $m
            f64.mul                      ;; both reads from the register the tee wrote through
            f64.add
            f64.add
            f64.store
            i32.const 8
            f64.load
            local.get $a
            local.get $b
            f64.add
            f64.add)
          (func (export "tee") (param $a i32) (param $b i32) (result i64) (local $x i32)
            local.get $a
            local.get $b
            local.get $a
            local.get $b
            local.get $a
            local.get $b
            i32.add
            i32.add
            i32.add
            i32.add
            i32.add
            drop
            local.get $a
            i32.const 16
            i32.add
            local.tee $x                 ;; $x is in move register 5; entry 0 keeps its value
            local.get $a
            local.get $b
            i32.mul
            local.get $x                 ;; read from entry 0's register
            i32.add
            i32.store
            local.get $x
            local.get $x
            i32.mul                      ;; one move for both reads
            i64.extend_i32_u)
          (func (export "set") (param $a i32) (param $b i32) (result i32) (local $x i32)
            local.get $a
            local.get $b
            local.get $a
            local.get $b
            i32.add
            i32.add
            i32.add
            drop
            local.get $a
            local.get $b
            i32.add
            local.set $x                 ;; through register 0
            local.get $x
            i32.const 3
            i32.shl))                    ;; reads register 0
        """;

    private static string Function(string listing, int index)
    {
        var parts = Regex.Split(listing, @"^; function f", RegexOptions.Multiline);
        return parts.Single(p => p.StartsWith(index + "\n", StringComparison.Ordinal) || p.StartsWith(index + "\r", StringComparison.Ordinal));
    }

    private static string[] Headers(string listing) =>
        [.. Regex.Matches(listing, @"^; (\w+ \[[^\]]*\])", RegexOptions.Multiline).Select(m => m.Groups[1].Value)];

    [Fact]
    public void A_deep_tee_is_read_back_from_the_register_it_was_written_through()
    {
        var lib = Patchouly.Samples.Wasm.Jit.WasmStencils.Library;
        string m = "f" + lib.FloatRegisters;
        var headers = Headers(Function(NarrowVariantTests.JitListing(CachedLocalTests.Assemble(ListingWat)), 0));
        Assert.Contains(headers, h => h.StartsWith("__move_float [", StringComparison.Ordinal) && h.EndsWith("-> " + m + "]", StringComparison.Ordinal));
        Assert.DoesNotContain(headers, h => h.StartsWith($"__move_float [{m} ->", StringComparison.Ordinal));
        // The square reads one register twice: no copy through a slot.
        Assert.Contains(headers, h => Regex.IsMatch(h, @"^F64Mul \[(f\d), \1 ->"));
    }

    [Fact]
    public void A_tee_at_depth_0_and_a_read_serve_later_reads_of_the_local()
    {
        var lib = Patchouly.Samples.Wasm.Jit.WasmStencils.Library;
        string x = "r" + lib.Registers;
        var headers = Headers(Function(NarrowVariantTests.JitListing(CachedLocalTests.Assemble(ListingWat)), 1));
        // Written twice (zeroed at the start, the tee); read once (the square's first read, after the store popped
        // the tee's entry): the read after the tee and the square's second read take registers that hold $x.
        Assert.Equal(2, headers.Count(h => h.StartsWith("__move [", StringComparison.Ordinal) && h.EndsWith("-> " + x + "]", StringComparison.Ordinal)));
        Assert.Single(headers, h => h.StartsWith($"__move [{x} ->", StringComparison.Ordinal));
        Assert.Contains(headers, h => Regex.IsMatch(h, @"^I32Mul \[(r\d), \1 ->"));
    }

    [Fact]
    public void A_set_then_a_get_reads_the_register_the_set_wrote_through()
    {
        var lib = Patchouly.Samples.Wasm.Jit.WasmStencils.Library;
        string x = "r" + lib.Registers;
        var headers = Headers(Function(NarrowVariantTests.JitListing(CachedLocalTests.Assemble(ListingWat)), 2));
        Assert.Contains(headers, h => h == $"__move [r0 -> {x}]");
        Assert.DoesNotContain(headers, h => h.StartsWith($"__move [{x} ->", StringComparison.Ordinal));
        Assert.Contains(headers, h => h.StartsWith("I32ShlImm [r0 ->", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("deep", 1.5, -0.25)]
    [InlineData("tee", 3, 11)]
    [InlineData("set", -7, 100)]
    public void The_listing_functions_give_the_interpreters_results(string name, double a, double b)
    {
        byte[] bytes = CachedLocalTests.Assemble(ListingWat);
        long[] args = name == "deep" ? [BitConverter.DoubleToInt64Bits(a), BitConverter.DoubleToInt64Bits(b)] : [(long)a, (long)b];
        Assert.Equal(Invoke(new Patchouly.Samples.Wasm.Interp.InterpEngine(), bytes, name, args), Invoke(new JitEngine(), bytes, name, args));
    }

    private static long Invoke(Engine engine, byte[] bytes, string name, long[] args) => Patchouly.Samples.Wasm.Runtime.WasmRuntime.RunOnLargeStack(() =>
    {
        using var module = engine.Load(bytes);
        return module.Invoke(name, args)[0];
    });

    // "run": integer and float locals in every location class (cache registers, move registers, slots), deep float
    // stacks over an i32, tees and sets read back at once and later. "labels": a tee's copy of a move-register local
    // below a loop that changes the local (the loop must not read the stale copy). "alias": a set through register 0
    // followed by reads of two move-register locals, the first of which takes register 0.
    private const string RunWat = """
        (module
          (memory 1)
          (func (export "run") (param $n i32) (param $seed f64) (result i64)
            (local $i i32) (local $j i32) (local $k i32) (local $p i32) (local $q i32) (local $r i32) (local $s i32)
            (local $a f64) (local $b f64) (local $c f64) (local $d f64) (local $e f64) (local $f f64) (local $g f64) (local $h f64)
            (local $acc i64)
            (local.set $a (local.get $seed))
            (local.set $b (f64.const 0.5))
            (local.set $f (f64.const 1.25))
            (loop $outer
              (f64.store offset=16
                (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 1023))
                (f64.add (local.get $a)
                  (f64.mul (local.get $b)
                    (f64.sub (local.get $c)
                      (f64.div (f64.add (local.tee $d (f64.sub (local.get $a) (local.get $e))) (local.get $d))
                               (f64.add (f64.const 3) (f64.mul (local.tee $e (f64.mul (local.get $f) (f64.const 0.75))) (local.get $e))))))))
              (local.set $p (i32.add (local.get $i) (i32.const 3)))
              (local.set $q (i32.xor (local.get $p) (i32.shl (local.get $p) (i32.const 2))))
              (i32.store offset=2048 (i32.and (local.get $q) (i32.const 1020))
                (i32.add (local.get $r) (i32.mul (local.tee $s (i32.add (local.get $s) (local.get $q))) (local.get $s))))
              (local.set $k (i32.add (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $r)))
              (local.set $j (i32.add (local.get $j) (i32.mul (local.get $k) (local.get $k))))
              (local.set $g (f64.add (local.get $g) (f64.mul (local.get $h) (local.get $h))))
              (local.set $h (f64.sub (f64.mul (local.get $g) (f64.const 0.5)) (local.tee $c (f64.add (local.get $c) (local.get $d)))))
              (local.set $f (f64.add (local.get $f) (f64.convert_i32_s (i32.and (local.get $k) (i32.const 15)))))
              (local.set $acc (i64.add (local.get $acc)
                (i64.add (i64.reinterpret_f64 (f64.load offset=16 (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 1023))))
                         (i64.extend_i32_u (i32.load offset=2048 (i32.and (local.get $q) (i32.const 1020)))))))
              (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
            (i64.add (local.get $acc)
              (i64.add (i64.extend_i32_u (i32.add (local.get $j) (local.get $s)))
                (i64.reinterpret_f64 (f64.add (f64.add (local.get $g) (local.get $h)) (f64.add (local.get $f) (local.get $c)))))))
          (func (export "labels") (param $n i32) (result i64) (local $a i32) (local $b i32) (local $x i32) (local $acc i64) (local $guard i32)
            (loop $l
              (local.set $acc (i64.add (local.get $acc)
                (i64.extend_i32_u (i32.add (local.tee $x (i32.add (local.get $x) (i32.const 5)))
                  (loop $m (result i32)
                    (local.set $x (i32.sub (local.get $x) (i32.const 1)))
                    (local.set $b (i32.add (local.get $b) (i32.xor (local.get $a) (local.get $b))))
                    (local.set $a (i32.add (local.get $a) (i32.rotl (local.get $b) (i32.const 3))))
                    (local.set $b (i32.sub (local.get $b) (local.get $a)))
                    ;; (the guard ends the loop when a stale $x would never let it end)
                    (br_if $m (i32.and (i32.gt_u (local.get $x) (i32.and (local.get $a) (i32.const 3)))
                                       (i32.lt_u (local.tee $guard (i32.add (local.get $guard) (i32.const 1))) (i32.const 100000))))
                    (local.get $x))))))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (i64.add (local.get $acc) (i64.extend_i32_u (i32.add (local.get $a) (local.get $b)))))
          (func (export "alias") (param $n i32) (result i64) (local $a i32) (local $b i32) (local $x i32) (local $y i32) (local $cnt i64)
            (local.set $a (i32.add (local.get $n) (i32.const 0x1234567)))
            (loop $l
              (local.set $a (i32.add (local.get $a) (i32.mul (local.get $b) (local.get $a))))
              (local.set $b (i32.xor (local.get $b) (i32.add (local.get $a) (i32.const 0x9e37))))
              (local.set $a (i32.rotl (local.get $a) (local.get $b)))
              (local.set $y (i32.add (local.get $y) (i32.const 3)))
              (local.set $x (i32.and (local.get $a) (i32.const 1023)))
              local.get $y
              local.get $x
              i32.lt_u
              (if (then (local.set $cnt (i64.add (local.get $cnt) (i64.const 1)))))
              (local.set $x (i32.and (local.get $b) (i32.const 511)))
              local.get $y
              local.get $x
              i32.add
              i64.extend_i32_u
              local.get $cnt
              i64.add
              local.set $cnt
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (i64.add (local.get $cnt) (i64.extend_i32_u (local.get $y)))))
        """;

    [Theory]
    [InlineData("run", 1, 0.5)]
    [InlineData("run", 7, -1.25)]
    [InlineData("run", 300, 3.0)]
    [InlineData("labels", 1, 0)]
    [InlineData("labels", 50, 0)]
    [InlineData("alias", 1, 0)]
    [InlineData("alias", 500, 0)]
    public void Programs_reusing_locals_registers_give_the_interpreters_results(string name, int n, double x)
    {
        byte[] bytes = CachedLocalTests.Assemble(RunWat);
        long[] args = name == "run" ? [n, BitConverter.DoubleToInt64Bits(x)] : [n];
        long interp = Invoke(new Patchouly.Samples.Wasm.Interp.InterpEngine(), bytes, name, args);
        Assert.Equal(interp, Invoke(new JitEngine(), bytes, name, args));
    }

    [Fact]
    public void The_copy_below_the_loop_is_of_a_move_register_local()
    {
        // The "labels" test means something only if $x lives in a move register and its tee's entry is a register.
        var lib = Patchouly.Samples.Wasm.Jit.WasmStencils.Library;
        var headers = Headers(Function(NarrowVariantTests.JitListing(CachedLocalTests.Assemble(RunWat)), 1));
        Assert.Contains(headers, h => Regex.IsMatch(h, $@"^__move \[r[0-2] -> r{lib.Registers}\]"));
    }
}
