using System;
using System.Collections.Generic;
using System.Text;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// An ordered f32/f64 comparison feeding <c>br_if</c> or <c>if</c> is one compare-and-branch stencil (<c>BrIfF64Lt</c>; its
/// negation <c>BrIfNotF64Lt</c>, true on a NaN, for <c>if</c> and for <c>eqz; br_if</c>), and <c>i32.eqz</c> between any
/// comparison and a branch is folded into the branch's sense. Every operator, NaNs, signed zeros and infinities, both
/// branch senses, against the comparison computed here.
/// </summary>
public class FusedBranchTests
{
    private static readonly string[] FOps = ["eq", "ne", "lt", "gt", "le", "ge"];
    private static readonly string[] IOps = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];
    private static readonly double[] FValues = [0.0, -0.0, 1.0, -1.5, double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-310, 3.4e38];
    private static readonly long[] IValues = [0, 1, -1, 2, long.MinValue, long.MaxValue, 0x1_0000_0000, int.MinValue, int.MaxValue, 0xffff_ffff];

    private static bool FCompare(string op, double a, double b) => op switch
    {
        "eq" => a == b, "ne" => a != b, "lt" => a < b, "gt" => a > b, "le" => a <= b, _ => a >= b,
    };

    private static bool ICompare(string op, long a, long b) => op switch
    {
        "eq" => a == b, "ne" => a != b, "lt_s" => a < b, "lt_u" => (ulong)a < (ulong)b, "gt_s" => a > b,
        "gt_u" => (ulong)a > (ulong)b, "le_s" => a <= b, "le_u" => (ulong)a <= (ulong)b, "ge_s" => a >= b, _ => (ulong)a >= (ulong)b,
    };

    /// <summary>Per condition: <c>br_</c> (br_if), <c>if_</c> (if/else), <c>nbr_</c> (eqz; br_if) and <c>nif_</c> (eqz; if), each
    /// returning 1 when the (possibly negated) condition holds.</summary>
    /// <remarks>With <paramref name="deep"/>, three values lie below, so the comparison's operands are in slots.</remarks>
    private static void Forms(StringBuilder w, string name, string cond, string parameters, bool deep = false)
    {
        string pre = deep ? "(i32.const 1) (i32.const 2) (i32.const 3) " : "", post = deep ? " (drop) (drop) (drop)" : "";
        foreach (var (prefix, c) in new[] { ("", cond), ("n", $"(i32.eqz {cond})") })
        {
            w.Append($"  (func (export \"{prefix}br_{name}\") {parameters} (result i32) {pre}(block $t (br_if $t {c}) (return (i32.const 0))){post} (i32.const 1))\n");
            w.Append($"  (func (export \"{prefix}if_{name}\") {parameters} (result i32) (local $r i32) {pre}(local.set $r (if (result i32) {c} (then (i32.const 1)) (else (i32.const 0)))){post} (local.get $r))\n");
        }
    }

    private static string Module()
    {
        var w = new StringBuilder("(module\n");
        foreach (var t in new[] { "f32", "f64" })
        {
            foreach (var op in FOps)
            {
                Forms(w, $"{t}_{op}", $"({t}.{op} (local.get 0) (local.get 1))", $"(param {t} {t})");
                // Deep in the operand stack (slots), the left operand computed (a pending operation).
                Forms(w, $"{t}_{op}_deep", $"({t}.{op} ({t}.add (local.get 0) ({t}.const 0)) (local.get 1))", $"(param {t} {t})", deep: true);
            }
        }
        foreach (var t in new[] { "i32", "i64" })
        {
            foreach (var op in IOps)
            {
                Forms(w, $"{t}_{op}", $"({t}.{op} (local.get 0) (local.get 1))", $"(param {t} {t})");
                Forms(w, $"{t}_{op}_k", $"({t}.{op} (local.get 0) ({t}.const 2))", $"(param {t} {t})");
            }
        }
        return w.Append(')').ToString();
    }

    private static long Bits(string t, double v) => t == "f32" ? BitConverter.SingleToUInt32Bits((float)v) : BitConverter.DoubleToInt64Bits(v);

    [Fact]
    public void Fused_compare_and_branch_agrees_with_the_comparison()
    {
        byte[] bytes = CachedLocalTests.Assemble(Module());
        int cases = 0;
        WasmRuntime.RunOnLargeStack(() =>
        {
            using var m = new JitEngine().Load(bytes);
            void Check(string name, bool holds, long[] args, string what)
            {
                foreach (var (form, negated) in new[] { ("br", false), ("if", false), ("nbr", true), ("nif", true) })
                {
                    long expected = holds != negated ? 1 : 0;
                    Assert.True(expected == m.Invoke($"{form}_{name}", args)[0], $"{form}_{name}{what}");
                    cases++;
                }
            }
            foreach (var t in new[] { "f32", "f64" })
                foreach (var op in FOps)
                    foreach (double a in FValues)
                        foreach (double b in FValues)
                        {
                            // f32 operands compare as floats (3.4e38 and 1e-310 round to f32 values first).
                            bool holds = t == "f32" ? FCompare(op, (float)a, (float)b) : FCompare(op, a, b);
                            long[] args = [Bits(t, a), Bits(t, b)];
                            Check($"{t}_{op}", holds, args, $"({a}, {b})");
                            Check($"{t}_{op}_deep", holds, args, $"({a}, {b})");
                        }
            foreach (var t in new[] { "i32", "i64" })
                foreach (var op in IOps)
                    foreach (long a in IValues)
                        foreach (long b in IValues)
                        {
                            // An i32 compares its low 32 bits: sign-extended, or zero-extended for the unsigned operators.
                            bool unsigned32 = t == "i32" && op.EndsWith("_u", StringComparison.Ordinal);
                            long x = t == "i32" ? (int)a : a, y = t == "i32" ? (int)b : b;
                            long cx = unsigned32 ? (uint)x : x, cy = unsigned32 ? (uint)y : y;
                            Check($"{t}_{op}", ICompare(op, cx, cy), [x, y], $"({x}, {y})");
                            Check($"{t}_{op}_k", ICompare(op, cx, 2), [x, y], $"({x}, 2)");
                        }
            return 0;
        });
        Assert.True(cases > 10_000, $"{cases} cases");
    }

    [Fact]
    public void A_float_comparison_or_an_eqz_of_a_comparison_feeding_a_branch_is_one_stencil()
    {
        var listing = NarrowVariantTests.JitListing(CachedLocalTests.Assemble(Module()));
        foreach (var t in new[] { "F32", "F64" })
        {
            foreach (var op in new[] { "Eq", "Ne", "Lt", "Gt", "Le", "Ge" })
            {
                if (op is "Eq" or "Ne") continue; // not fused (see gen_stencils.py)
                Assert.Contains($"; BrIf{t}{op} [", listing);
                Assert.DoesNotContain($"; {t}{op} [", listing);
                Assert.Contains($"; BrIfNot{t}{op} [", listing);
            }
        }
        foreach (var separate in new[] { "; I32LtS [", "; I64GeU [" })
            Assert.DoesNotContain(separate, listing);
    }
}
