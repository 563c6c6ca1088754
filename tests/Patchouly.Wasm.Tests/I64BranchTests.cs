using System;
using System.Linq;
using System.Text;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// An i64 comparison (or <c>i64.eqz</c>) feeding <c>br_if</c> or <c>if</c> is one compare-and-branch stencil
/// (<c>BrIfI64…</c>, with the right operand a register, a slot or a constant, narrow or wide), taken on the right side of
/// every edge value, in both branch senses (<c>br_if</c> branches when true, <c>if</c> when false).
/// </summary>
public class I64BranchTests
{
    private static readonly string[] Ops = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];

    private static readonly long[] Values = [0, 1, -1, 2, long.MinValue, long.MaxValue, 0x1_0000_0000, -0x1_0000_0000, int.MaxValue, int.MinValue];

    private static bool Compare(string op, long a, long b) => op switch
    {
        "eq" => a == b, "ne" => a != b, "lt_s" => a < b, "lt_u" => (ulong)a < (ulong)b, "gt_s" => a > b,
        "gt_u" => (ulong)a > (ulong)b, "le_s" => a <= b, "le_u" => (ulong)a <= (ulong)b, "ge_s" => a >= b, _ => (ulong)a >= (ulong)b,
    };

    /// <summary>Per operator: <c>br_OP</c> (operands as parameters), <c>if_OP</c>, and <c>br_OP_K</c> against each constant K of <see cref="Values"/>; plus eqz.</summary>
    private static string Module()
    {
        var w = new StringBuilder("(module\n");
        void Both(string name, string cond, string parameters)
        {
            w.Append($"  (func (export \"br_{name}\") {parameters} (result i32) (block $t (br_if $t {cond}) (return (i32.const 0))) (i32.const 1))\n");
            w.Append($"  (func (export \"if_{name}\") {parameters} (result i32) (if (result i32) {cond} (then (i32.const 1)) (else (i32.const 0))))\n");
        }
        foreach (var op in Ops)
        {
            Both(op, $"(i64.{op} (local.get 0) (local.get 1))", "(param i64 i64)");
            for (int k = 0; k < Values.Length; k++) Both($"{op}_{k}", $"(i64.{op} (local.get 0) (i64.const {Values[k]}))", "(param i64)");
        }
        Both("eqz", "(i64.eqz (local.get 0))", "(param i64)");
        return w.Append(')').ToString();
    }

    [Fact]
    public void Fused_i64_compare_and_branch_agrees_with_the_comparison()
    {
        byte[] bytes = CachedLocalTests.Assemble(Module());
        WasmRuntime.RunOnLargeStack(() =>
        {
            using var m = new JitEngine().Load(bytes);
            foreach (var form in new[] { "br", "if" })
            {
                foreach (long a in Values)
                {
                    Assert.Equal(a == 0 ? 1L : 0L, m.Invoke($"{form}_eqz", [a])[0]);
                    foreach (var op in Ops)
                    {
                        for (int k = 0; k < Values.Length; k++)
                        {
                            long b = Values[k], expected = Compare(op, a, b) ? 1 : 0;
                            Assert.True(expected == m.Invoke($"{form}_{op}", [a, b])[0], $"{form}_{op}({a}, {b})");
                            Assert.True(expected == m.Invoke($"{form}_{op}_{k}", [a])[0], $"{form}_{op}_{k}({a}) against {b}");
                        }
                    }
                }
            }
            return 0;
        });
    }

    [Fact]
    public void An_i64_comparison_feeding_a_branch_is_one_stencil()
    {
        var listing = NarrowVariantTests.JitListing(CachedLocalTests.Assemble(Module()));
        foreach (var op in Ops)
        {
            string name = "I64" + string.Concat(op.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            Assert.Contains("; BrIf" + name + " [", listing);
            Assert.Contains("; BrIf" + name + "Imm [", listing);
            Assert.DoesNotContain("; " + name + " [", listing);
        }
        Assert.Contains("; BrIfI64Eqz [", listing);
        Assert.Contains("; BrIfI64Nez [", listing);
        Assert.Matches(@"; BrIfI64\w+Imm \[[^\]]*\] wide", listing); // the constants beyond 32 bits
        Assert.Matches(@"; BrIfI64\w+Imm \[[^\]]*\] narrow", listing);
    }
}
