using System;
using System.Collections.Generic;
using System.Text;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Interp;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// A <c>select</c> on <c>eqz c</c> is one select stencil with the values swapped (<c>SelectI64</c> for an i64 c), and on
/// <c>x &amp; k</c> or its eqz one test-and-select stencil (<c>SelectAndImm</c>). These run selects of i32, i64, f32
/// and f64 values on those conditions (masks narrow and wide, with the sign bit of an i32, the constant on either side)
/// and on every comparison, in registers and deep in the operand stack, under the JIT and the interpreter.
/// </summary>
public class SelectFusionTests
{
    private static readonly string[] Types = ["i32", "i64", "f32", "f64"];
    private static readonly string[] Cmps = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];
    private static readonly long[] Masks32 = [1, 2, 0x100, int.MinValue, -1];
    private static readonly long[] Masks64 = [1, 2, 0x8000_0000, -1, 0x1_0000_0000, long.MinValue, 0x7fff_ffff_0000_0000];

    /// <summary>Condition values (c64; c32 is its low 32 bits).</summary>
    private static readonly long[] Conds = [0, 1, 2, 3, -1, 0x100, int.MinValue, long.MinValue, 0x1_0000_0000, 0x8000_0000, 0x1_0000_0001, 0x7fff_ffff_0000_0000];

    /// <summary>Value pairs per type (bits: an f32's zero-extended, NaNs and signed zeros included).</summary>
    private static readonly Dictionary<string, (long, long)[]> Values = new()
    {
        ["i32"] = [(7, -1), (int.MinValue, 0)],
        ["i64"] = [(long.MinValue, 0x1_0000_0000), (-1, 5)],
        ["f32"] = [(0x7fc0_0001, 0x8000_0000), (BitConverter.SingleToUInt32Bits(1.5f), BitConverter.SingleToUInt32Bits(-2.25f))],
        ["f64"] = [(0x7ff8_0000_0000_0001, unchecked((long)0x8000_0000_0000_0000)), (BitConverter.DoubleToInt64Bits(1.5), BitConverter.DoubleToInt64Bits(-1e300))],
    };

    /// <summary>Every condition form, by name.</summary>
    private static IEnumerable<(string Name, string Cond)> Conditions()
    {
        yield return ("c32", "(local.get $c32)");
        yield return ("eqz32", "(i32.eqz (local.get $c32))");
        yield return ("eqz64", "(i64.eqz (local.get $c64))");
        foreach (var (t, masks, c) in new[] { ("i32", Masks32, "$c32"), ("i64", Masks64, "$c64") })
        {
            for (int i = 0; i < masks.Length; i++)
            {
                string and = $"({t}.and (local.get {c}) ({t}.const {masks[i]}))";
                // An i64 and is no condition itself: wrapped (not fused), it tests the low 32 bits.
                string wrap(string e) => t == "i64" ? $"(i32.wrap_i64 {e})" : e;
                yield return ($"and{t}_{i}", wrap(and));
                yield return ($"eqzand{t}_{i}", $"({t}.eqz {and})");
                yield return ($"kand{t}_{i}", wrap($"({t}.and ({t}.const {masks[i]}) (local.get {c}))"));
                yield return ($"eqzkand{t}_{i}", $"({t}.eqz ({t}.and ({t}.const {masks[i]}) (local.get {c})))");
            }
            foreach (var op in Cmps)
            {
                yield return ($"{t}{op}", $"({t}.{op} (local.get {c}) ({t}.const 1))");
                yield return ($"{t}{op}r", $"({t}.{op} (local.get {c}) ({t}.const 0x100))");
                yield return ($"eqz{t}{op}", $"(i32.eqz ({t}.{op} (local.get {c}) ({t}.const 2)))");
            }
        }
    }

    /// <summary>Per value type and condition: <c>s_T_NAME</c> (the select's result), <c>k_T_NAME</c> (a constant value and a
    /// computed one), and <c>d_T_NAME</c> (the select at depth 3, its values and condition in slots, with three i64s below).</summary>
    private static string Module()
    {
        var w = new StringBuilder("(module\n");
        foreach (var t in Types)
        {
            string ps = $"(param $a {t}) (param $b {t}) (param $c32 i32) (param $c64 i64)";
            foreach (var (name, cond) in Conditions())
            {
                w.Append($"  (func (export \"s_{t}_{name}\") {ps} (result {t}) (select (local.get $a) (local.get $b) {cond}))\n");
                w.Append($"  (func (export \"k_{t}_{name}\") {ps} (result {t}) (select ({t}.const 3) (local.get $b) {cond}))\n");
                w.Append($"  (func (export \"d_{t}_{name}\") {ps} (result i64 i64 i64 {t}) (local.get $c64) (local.get $c64) (local.get $c64) (select (local.get $a) (local.get $b) {cond}))\n");
            }
        }
        return w.Append(')').ToString();
    }

    private static long Mask(string type, long bits) => type is "i64" or "f64" ? bits : (long)(uint)bits;

    [Fact]
    public void Fused_selects_agree_with_the_interpreter()
    {
        byte[] bytes = CachedLocalTests.Assemble(Module());
        var results = new Dictionary<string, long[]>[2];
        int checkedCount = 0;
        WasmRuntime.RunOnLargeStack(() =>
        {
            using var jit = new JitEngine().Load(bytes);
            using var interp = new InterpEngine().Load(bytes);
            foreach (var t in Types)
            {
                foreach (var (name, _) in Conditions())
                {
                    foreach (var (x, y) in Values[t])
                    {
                        foreach (var (a, b) in new[] { (x, y), (y, x) })
                        {
                            foreach (long c in Conds)
                            {
                                long[] args = [a, b, (long)(uint)c, c];
                                foreach (var form in new[] { "s", "k", "d" })
                                {
                                    string f = $"{form}_{t}_{name}";
                                    long[] expected = interp.Invoke(f, args), actual = jit.Invoke(f, args);
                                    Assert.Equal(expected.Length, actual.Length);
                                    int last = expected.Length - 1;
                                    for (int i = 0; i < last; i++) Assert.True(expected[i] == actual[i], $"{f}({a}, {b}, {c}) result {i}");
                                    Assert.True(Mask(t, expected[last]) == Mask(t, actual[last]), $"{f}({a}, {b}, {c}): interpreter {expected[last]:x}, JIT {actual[last]:x}");
                                    checkedCount++;
                                }
                            }
                        }
                    }
                }
            }
            return 0;
        });
        Assert.True(checkedCount > 10_000, $"{checkedCount} cases");
    }

    [Fact]
    public void A_deep_condition_in_a_move_register_local_survives_float_values_moved_to_integer_registers()
    {
        // $c4 lives in a move register (the fifth used integer local), so at depth 3 it is read through a free integer
        // register: that of the f64 values at depths 1 and 2, which the select then moves to integer registers.
        const string wat = """
            (module
              (func (export "run") (param $a f64) (param $b f64) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32) (param $c4 i32) (result i32 f64)
                (drop (i32.add (local.get $c2) (local.get $c3)))
                (i32.add (local.get $c0) (local.get $c1))
                (local.get $a) (local.get $b)
                (select (i32.eqz (local.get $c4))))
              (func (export "and") (param $a f64) (param $b f64) (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32) (param $c4 i32) (result i32 f64)
                (drop (i32.add (local.get $c2) (local.get $c3)))
                (i32.add (local.get $c0) (local.get $c1))
                (local.get $a) (local.get $b)
                (select (i32.and (local.get $c4) (i32.const 1)))))
            """;
        byte[] bytes = CachedLocalTests.Assemble(wat);
        long a = BitConverter.DoubleToInt64Bits(1.5), b = BitConverter.DoubleToInt64Bits(-2.5);
        WasmRuntime.RunOnLargeStack(() =>
        {
            using var jit = new JitEngine().Load(bytes);
            foreach (long c in (long[])[0, 1, 2, 3])
            {
                Assert.Equal([5, c == 0 ? a : b], jit.Invoke("run", [a, b, 2, 3, 0, 0, c]));
                Assert.Equal([5, (c & 1) != 0 ? a : b], jit.Invoke("and", [a, b, 2, 3, 0, 0, c]));
            }
            return 0;
        });
    }

    [Fact]
    public void Interpreter_selects_match_the_wasm_semantics()
    {
        // The reference itself, on a few cases computed here.
        byte[] bytes = CachedLocalTests.Assemble(Module());
        using var interp = new InterpEngine().Load(bytes);
        foreach (long c in Conds)
        {
            long[] args = [10, 20, (long)(uint)c, c];
            Assert.True(((c & 1) == 0 ? 10L : 20L) == interp.Invoke("s_i64_eqzandi64_0", args)[0], $"eqzand {c}");
            Assert.True((c == 0 ? 10L : 20L) == interp.Invoke("s_i64_eqz64", args)[0], $"eqz64 {c}");
            Assert.True((((uint)c & 0x8000_0000u) != 0 ? 10L : 20L) == interp.Invoke("s_i64_andi32_3", args)[0], $"andi32_3 {c}");
            Assert.True(((c & 0x1_0000_0000) == 0 ? 10L : 20L) == interp.Invoke("s_i64_eqzandi64_4", args)[0], $"eqzandi64_4 {c}");
        }
    }

    [Fact]
    public void A_select_on_eqz_or_on_an_and_with_a_constant_is_one_stencil()
    {
        var w = new StringBuilder("(module\n");
        foreach (var t in Types)
            foreach (var (name, cond) in Conditions())
                if (name is "eqz32" or "eqz64" || name.StartsWith("eqzand", StringComparison.Ordinal) || name.StartsWith("eqzkand", StringComparison.Ordinal)
                    || name.StartsWith("andi32", StringComparison.Ordinal) || name.StartsWith("kandi32", StringComparison.Ordinal))
                    w.Append($"  (func (export \"s_{t}_{name}\") (param $a {t}) (param $b {t}) (param $c32 i32) (param $c64 i64) (result {t}) (select (local.get $a) (local.get $b) {cond}))\n");
        var listing = NarrowVariantTests.JitListing(CachedLocalTests.Assemble(w.Append(')').ToString()));
        Assert.Contains("; SelectI64 [", listing);
        Assert.Contains("; Select [", listing); // i32.eqz: the values swapped
        Assert.Matches(@"; SelectAndImm \[[^\]]*\] narrow", listing);
        Assert.Matches(@"; SelectAndImm \[[^\]]*\] wide", listing); // masks beyond a sign-extended 32 bits
        foreach (var separate in new[] { "; I32Eqz [", "; I64Eqz [", "; I32AndImm [", "; I64AndImm [", "; I32And [", "; I64And [" })
            Assert.DoesNotContain(separate, listing);
    }
}
