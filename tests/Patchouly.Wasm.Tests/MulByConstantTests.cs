using System.Text;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Wasm.Tests;

/// <summary>
/// <c>i32.mul</c>/<c>i64.mul</c> by a constant 3, 5 or 9 is one <c>lea</c> stencil (<c>I64Mul3</c>, …): wrapping on
/// overflow, with the constant on the right, in registers and in slots; other constants keep the immediate form.
/// </summary>
public class MulByConstantTests
{
    private static readonly long[] Values = [0, 1, -1, 7, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 0x5555_5555_5555_5555, 0xffff_ffff];
    private static readonly int[] Factors = [3, 5, 9, 7];

    private static string Module()
    {
        var w = new StringBuilder("(module\n");
        foreach (var t in new[] { "i32", "i64" })
            foreach (int k in Factors)
            {
                w.Append($"  (func (export \"{t}_{k}\") (param {t}) (result {t}) ({t}.mul (local.get 0) ({t}.const {k})))\n");
                // Deep: the operand and the result in slots.
                w.Append($"  (func (export \"{t}_{k}_deep\") (param {t}) (result {t}) (local $r {t}) (i32.const 1) (i32.const 2) (i32.const 3) (local.set $r ({t}.mul ({t}.add (local.get 0) ({t}.const 0)) ({t}.const {k}))) (drop) (drop) (drop) (local.get $r))\n");
            }
        return w.Append(')').ToString();
    }

    [Fact]
    public void Multiplications_by_small_constants_wrap_like_wasm()
    {
        byte[] bytes = CachedLocalTests.Assemble(Module());
        WasmRuntime.RunOnLargeStack(() =>
        {
            using var m = new JitEngine().Load(bytes);
            foreach (long v in Values)
                foreach (int k in Factors)
                    foreach (var suffix in new[] { "", "_deep" })
                    {
                        Assert.Equal(unchecked(v * k), m.Invoke($"i64_{k}{suffix}", [v])[0]);
                        // An i32 result leaves wasm sign-extended.
                        Assert.Equal((long)unchecked((int)v * k), m.Invoke($"i32_{k}{suffix}", [(int)v])[0]);
                    }
            return 0;
        });
    }

    [Fact]
    public void A_multiplication_by_3_5_or_9_is_one_stencil()
    {
        var listing = NarrowVariantTests.JitListing(CachedLocalTests.Assemble(Module()));
        foreach (var t in new[] { "I32", "I64" })
        {
            foreach (int k in (int[])[3, 5, 9]) Assert.Contains($"; {t}Mul{k} [", listing);
            Assert.Contains($"; {t}MulImm [", listing); // 7
        }
    }
}
