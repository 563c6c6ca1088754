using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// Float arithmetic deep in the operand stack (nbody's <c>dt / (d2 * sqrt(d2))</c> at depth 3 to 5, above an address
/// and two floats): a pending float result whose own location is a spill slot goes to the float register of an
/// integer entry below depth 3 instead, and an f64 load goes straight into a float register. Checked against the
/// interpreter, also with no free register (three floats below) and with a lazy <c>local.get</c> lending its register.
/// </summary>
public class DeepFloatOperandTests
{
    private const string Wat = """
        (module
          (memory 1)
          (func (export "run") (param $p i32) (param $x f64) (param $n i32) (result i64)
            (local $acc f64) (local $d f64) (local $i i32) (local $k i32)
            (f64.store (local.get $p) (local.get $x))
            (f64.store offset=8 (i32.const 0) (f64.const 2.5))
            (f32.store offset=16 (i32.const 0) (f32.const 1.5))
            (loop $l
              ;; an address (integer) at depth 0, floats at 1 and 2, the rest deeper
              (f64.store (local.get $p)
                (f64.sub (f64.load (local.get $p))
                  (f64.mul (f64.mul (f64.load offset=8 (i32.const 0)) (local.get $x))
                    (f64.div (f64.const 0.01)
                      (f64.mul (local.tee $d (f64.add (f64.mul (local.get $x) (local.get $x)) (f64.load (local.get $p))))
                               (f64.sqrt (local.get $d)))))))
              ;; a float comparison deep in the stack
              (i32.store offset=24 (i32.const 0)
                (i32.add (i32.load offset=24 (i32.const 0))
                  (f64.lt (f64.sqrt (local.get $d)) (f64.mul (local.get $acc) (f64.const 0.5)))))
              ;; three floats below: no free float register, the pending result goes through its slot
              (local.set $acc (f64.add (local.get $x) (f64.add (local.get $d) (f64.add (local.get $acc)
                (f64.mul (local.get $x) (f64.sqrt (f64.load (local.get $p))))))))
              ;; $k at depth 0 lends its float register to the root and the product above the load
              (local.get $k)
              (f64.store offset=32 (local.get $p) (f64.add (f64.load (local.get $p)) (f64.mul (local.get $d) (f64.sqrt (local.get $acc)))))
              (local.set $k (i32.add (i32.const 1)))
              ;; a deep address computation read by a load (into the integer register of a float entry), the load read
              ;; by an addition and the sum by a store (into float register 0)
              (local.get $k) (f64.sqrt (local.get $x)) (f64.mul (local.get $d) (f64.const 2))
              (f64.store offset=40 (local.get $p) (f64.add (local.get $x) (f64.load offset=8 (i32.add (local.get $p) (i32.const 24)))))
              (local.set $acc (f64.add (local.get $acc) (f64.sub)))
              (local.set $k (i32.add (i32.load offset=40 (local.get $p))))
              (local.set $acc (f64.add (local.get $acc) (f64.promote_f32 (f32.mul (f32.load offset=16 (i32.const 0))
                (f32.add (f32.const 1) (f32.sqrt (f32.load offset=16 (i32.const 0))))))))
              (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
            (i64.add (i64.add (i64.reinterpret_f64 (local.get $acc)) (i64.reinterpret_f64 (f64.load (local.get $p))))
              (i64.add (i64.extend_i32_u (i32.load offset=24 (i32.const 0))) (i64.extend_i32_u (local.get $k))))))
        """;

    [Theory]
    [InlineData(64, 0.5, 1)]
    [InlineData(128, -1.25, 7)]
    [InlineData(256, 3.0, 50)]
    [InlineData(512, 1e-3, 3)]
    public void Deep_float_operations_give_the_interpreters_results(int p, double x, int n)
    {
        byte[] bytes = CachedLocalTests.Assemble(Wat);
        long[] args = [p, BitConverter.DoubleToInt64Bits(x), n];
        long jit = CachedLocalTests.RunOnce(new JitEngine(), bytes, args);
        long interp = CachedLocalTests.RunOnce(new Patchouly.Samples.Wasm.Interp.InterpEngine(), bytes, args);
        Assert.Equal(interp, jit);
    }

    [Fact]
    public void A_deep_pending_float_result_and_an_f64_load_go_straight_into_float_registers()
    {
        var listing = NarrowVariantTests.JitListing(CachedLocalTests.Assemble(Wat));
        var headers = Regex.Matches(listing, @"^; (\w+) \[([^\]]*)\]", RegexOptions.Multiline).Select(x => (Family: x.Groups[1].Value, Operands: x.Groups[2].Value)).ToList();
        // sqrt(d2) at depth 5 is read by the multiplication from float register 0 (the address's entry is an integer).
        Assert.Contains(headers, h => h.Family == "F64Sqrt" && h.Operands.EndsWith("-> f0", StringComparison.Ordinal));
        // The deep address goes to the integer register of a float entry, and the load's result to float register 0.
        Assert.Contains(headers, h => h.Family == "I32AddImm" && h.Operands.EndsWith("-> r1", StringComparison.Ordinal));
        Assert.Contains(headers, h => h.Family is "F64Load" or "F64LoadGuarded" && h.Operands == "r1 -> f0");
        Assert.Contains(headers, h => h.Family is "F64Store" or "F64StoreGuarded" && h.Operands.EndsWith(", f0", StringComparison.Ordinal));
        // With three floats below, the root goes through its slot.
        Assert.Contains(headers, h => h.Family == "F64Sqrt" && h.Operands.Contains("-> s", StringComparison.Ordinal));
        // An f64 load into a float register is one load, no move from an integer register (checked, or unchecked on a
        // guarded memory).
        var loads = Regex.Matches(listing, @"^; F64Load(?:Guarded)? \[[^\]]*-> f\d\][^\n]*\n((?:  [^\n]*\n)+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(loads);
        bool arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        foreach (var code in loads)
        {
            Assert.Contains(arm64 ? "ldr d" : "movsd xmm", code);
            Assert.DoesNotContain(arm64 ? "fmov d" : "movq xmm", code);
        }
    }
}
