using System;
using System.Linq;
using System.Text.RegularExpressions;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// Locals beyond the two cache registers of each file live in the library's move registers (r5..r7, f5..f7), which
/// only moves reach: read by a move into the entry's register (deep in the operand stack: into a register no entry
/// uses), written through the entry's location or a free register, kept across calls. Runs code with many hot
/// integer and float locals, deep operand stacks, tees, calls and reinterpretations against the interpreter.
/// </summary>
public class MoveRegisterLocalTests
{
    private const string Wat = """
        (module
          (func $mix (param i64 f64) (result i64) (local $u i64) (local $v i64) (local $w i64) (local $q f64)
            (local.set $u (i64.mul (local.get 0) (i64.const 3)))
            (local.set $v (i64.shr_s (local.get $u) (i64.const 1)))
            (local.set $w (i64.div_s (local.get $u) (i64.or (local.get $v) (i64.const 1))))
            (local.set $q (f64.mul (local.get 1) (f64.const 0.25)))
            (i64.add (i64.add (local.get $u) (local.get $v)) (i64.add (local.get $w) (i64.trunc_f64_s (local.get $q)))))
          (func (export "run") (param $n i32) (param $x f64) (result i64)
            (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i64) (local $i i32) (local $j i32)
            (local $p f64) (local $q f64) (local $r f64) (local $s f64) (local $t f64) (local $z f64)
            (local.set $p (local.get $x))
            (local.set $q (f64.const 1.5))
            (loop $l
              (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $i))))
              (local.set $b (i64.xor (local.get $b) (i64.mul (local.get $a) (i64.const 7))))
              (local.set $c (i64.add (local.get $c)
                (i64.sub (i64.add (local.get $a) (i64.mul (local.get $b) (i64.add (local.get $d) (local.tee $e (i64.add (local.get $e) (i64.const 5))))))
                         (i64.shl (local.get $c) (i64.const 1)))))
              (local.set $d (i64.rotl (local.get $c) (i64.extend_i32_u (local.tee $j (i32.and (local.get $i) (i32.const 15))))))
              (local.set $r (f64.add (local.get $r) (f64.mul (local.get $p) (local.get $q))))
              (local.set $s (f64.sub (local.get $s)
                (f64.div (f64.add (local.get $r) (f64.mul (local.get $p) (f64.add (local.get $t) (local.tee $z (f64.mul (local.get $z) (f64.const 0.5))))))
                         (f64.add (f64.const 3) (f64.abs (local.get $q))))))
              (local.set $t (f64.reinterpret_i64 (i64.and (i64.reinterpret_f64 (f64.add (local.get $s) (local.get $r))) (i64.const 0x7fefffffffffffff))))
              (local.set $q (f64.neg (local.get $q)))
              (local.set $z (f64.add (local.get $z) (f64.convert_i64_s (local.get $a))))
              (local.set $e (i64.add (local.get $e) (call $mix (local.get $d) (local.get $t))))
              (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
            (i64.add (i64.add (i64.add (local.get $a) (local.get $b)) (i64.add (local.get $c) (local.get $d)))
              (i64.add (i64.add (local.get $e) (i64.extend_i32_u (local.get $j)))
                (i64.add (i64.reinterpret_f64 (f64.add (local.get $r) (local.get $s)))
                  (i64.reinterpret_f64 (f64.add (local.get $t) (f64.add (local.get $z) (local.get $q)))))))))
        """;

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(7, -1.25)]
    [InlineData(100, 3.0)]
    [InlineData(1000, 1e-3)]
    public void Locals_in_move_registers_give_the_interpreters_results(int n, double x)
    {
        byte[] bytes = CachedLocalTests.Assemble(Wat);
        long[] args = [n, BitConverter.DoubleToInt64Bits(x)];
        long jit = CachedLocalTests.RunOnce(new JitEngine(), bytes, args);
        long interp = CachedLocalTests.RunOnce(new Patchouly.Samples.Wasm.Interp.InterpEngine(), bytes, args);
        Assert.Equal(interp, jit);
    }

    [Fact]
    public void Locals_beyond_the_cache_registers_go_to_the_move_registers()
    {
        var library = Patchouly.Samples.Wasm.Jit.WasmStencils.Library;
        Assert.True(library.MoveRegisters > 0 && library.MoveFloatRegisters > 0);
        var listing = NarrowVariantTests.JitListing(CachedLocalTests.Assemble(Wat));
        var headers = Regex.Matches(listing, @"^; (\w+) \[([^\]]*)\]", RegexOptions.Multiline).Select(x => (Family: x.Groups[1].Value, Operands: x.Groups[2].Value)).ToList();
        string r = "r" + library.Registers, f = "f" + library.FloatRegisters;
        Assert.Contains(headers, h => h.Family == "__move" && h.Operands.EndsWith("-> " + r, StringComparison.Ordinal));
        Assert.Contains(headers, h => h.Family == "__move" && h.Operands.StartsWith(r + " ->", StringComparison.Ordinal));
        Assert.Contains(headers, h => h.Family == "__move_float" && h.Operands.EndsWith("-> " + f, StringComparison.Ordinal));
        // Only moves name a move register.
        Assert.DoesNotContain(headers, h => !h.Family.StartsWith("__move", StringComparison.Ordinal)
            && Regex.IsMatch(h.Operands, $@"\b[r]([{library.Registers}-9]|10)\b|\bf[{library.FloatRegisters}-7]\b"));
    }
}
