using System.Linq;
using Patchouly.Generators.Model;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Variants;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

public class VariantEnumeratorTests
{
    private static FamilyModel Family(int inputs, int outputs, bool hole = false)
    {
        var word = new WordType("long", "int64_t", 64, WordClass.Signed);
        var ps = Enumerable.Range(0, inputs).Select(i => new ParameterModel("i" + i, ParameterRole.Input, word))
            .Concat(Enumerable.Range(0, outputs).Select(i => new ParameterModel("o" + i, ParameterRole.Output, word)))
            .Concat(hole ? new[] { new ParameterModel("h", ParameterRole.Hole, word) } : System.Array.Empty<ParameterModel>());
        return new FamilyModel("F", 3, Patchouly.Generators.Format.StencilFamilyKind.Normal, ps.ToEquatableArray(), null, false, "", "f3_F", "");
    }

    [Theory]
    [InlineData(1, 1, 9, 100)]   // 10^2: inputs may share, one output
    [InlineData(0, 2, 9, 91)]    // 100 minus the 9 assignments of both outputs to one register
    [InlineData(2, 1, 3, 64)]
    [InlineData(0, 0, 9, 1)]
    [InlineData(3, 0, 1, 8)]
    public void Counts_match_the_formula(int inputs, int outputs, int registers, int expected)
    {
        Assert.Equal(expected, VariantEnumerator.Enumerate(Family(inputs, outputs), registers).Count());
    }

    [Fact]
    public void Wide_twins_follow_the_narrow_slots()
    {
        var family = Family(1, 1, hole: true);
        var variants = VariantEnumerator.Enumerate(family, 3).ToList();
        Assert.Equal(32, variants.Count);
        Assert.Equal(16, VariantEnumerator.NarrowSlots(family, 3));
        foreach (var v in variants.Where(v => v.Wide))
            Assert.Contains(variants, n => !n.Wide && n.Index + 16 == v.Index && n.Inputs.SequenceEqual(v.Inputs) && n.Outputs.SequenceEqual(v.Outputs));
    }

    [Fact]
    public void Index_is_the_base_L_number_of_the_codes()
    {
        // registers = 3 → L = 4; inputs (2, 3=stack), output 1 → 2*16 + 3*4 + 1 = 45
        var v = VariantEnumerator.Enumerate(Family(2, 1), 3).Single(v => v.Inputs.SequenceEqual([2, 3]) && v.Outputs.SequenceEqual([1]));
        Assert.Equal(45, v.Index);
        Assert.Equal(1, v.StackValues(3));
        Assert.Equal("f3_F__r2_s__r1", VariantNames.Variant("f3_F", v, 3));
    }

    [Fact]
    public void Outputs_never_share_a_register_but_may_share_the_stack()
    {
        var variants = VariantEnumerator.Enumerate(Family(0, 2), 2).ToList();
        Assert.DoesNotContain(variants, v => v.Outputs[0] == v.Outputs[1] && v.Outputs[0] != 2);
        Assert.Contains(variants, v => v.Outputs[0] == 2 && v.Outputs[1] == 2);
    }

    [Fact]
    public void A_pinned_value_keeps_the_numbering_and_only_its_register()
    {
        var word = new WordType("long", "int64_t", 64, WordClass.Signed);
        var family = Family(2, 1) with
        {
            Parameters = new[] { new ParameterModel("i0", ParameterRole.Input, word, Pin: 0), new ParameterModel("i1", ParameterRole.Input, word),
                new ParameterModel("o0", ParameterRole.Output, word, Pin: 2) }.ToEquatableArray(),
        };
        var all = VariantEnumerator.Enumerate(Family(2, 1), 3).ToList();
        var pinned = VariantEnumerator.Enumerate(family, 3).ToList();
        Assert.Equal(4, pinned.Count); // only the second input varies: 4 locations
        Assert.All(pinned, v => Assert.True(v.Inputs[0] == 0 && v.Outputs[0] == 2));
        // The same slots as without the pins: skipped slots stay empty.
        Assert.All(pinned, v => Assert.Contains(all, a => a.Index == v.Index && a.Inputs.SequenceEqual(v.Inputs) && a.Outputs.SequenceEqual(v.Outputs)));
        Assert.Equal(VariantEnumerator.NarrowSlots(Family(2, 1), 3), VariantEnumerator.NarrowSlots(family, 3));
    }
}
