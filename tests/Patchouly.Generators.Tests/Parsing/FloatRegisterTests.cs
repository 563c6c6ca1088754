using System.Linq;
using System.Threading;
using Patchouly.Generators.Format;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Variants;

namespace Patchouly.Generators.Tests.Parsing;

/// <summary>[StencilLibrary(FloatRegisters = n)]: the float class's masks, variants, names, C and diagnostics.</summary>
public class FloatRegisterTests
{
    private const string Stencils = """
        [Stencil] public static double Add(double a, double b) => a + b;
        [Stencil] public static float AddF(float a, float b) => a + b;
        [Stencil] public static long Less(double a, double b) => a < b ? 1 : 0;
        [Stencil] public static double Scale(double a, long n) => a * n;
        [Stencil] public static long Plus(long a, long b) => a + b;
        """;

    private static Model.LibraryModel Parse(string attribute, string stencils = Stencils)
    {
        var c = RoslynTestHost.Compile("using Patchouly; namespace F; " + attribute + " public static partial class Lib { " + stencils + " }");
        var result = StencilLibraryParser.Parse(c.GetTypeByMetadataName("F.Lib")!, c, CancellationToken.None);
        Assert.DoesNotContain(result.Diagnostics, d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        return result.Library!;
    }

    [Fact]
    public void Float_and_double_values_are_of_the_float_class_and_the_float_moves_are_built_in()
    {
        var lib = Parse("[StencilLibrary(Registers = 3, FloatRegisters = 2)]");
        Assert.Equal(2, lib.FloatRegisters);
        Assert.Equal(new[] { "__entry", "__move", "__jump", "__move_float", "__move_float_to_int", "__move_int_to_float" }, lib.Families.Take(6).Select(f => f.Name));
        Assert.Equal(new uint[] { 0, 0, 0, 3, 1, 2 }, lib.Families.Take(6).Select(f => f.FloatMask));
        uint Mask(string name) => lib.Families.Single(f => f.Name == name).FloatMask;
        Assert.Equal(0b111u, Mask("Add"));
        Assert.Equal(0b111u, Mask("AddF"));
        Assert.Equal(0b011u, Mask("Less"));
        Assert.Equal(0b101u, Mask("Scale"));
        Assert.Equal(0u, Mask("Plus"));
        // Mixed radix: doubles count in base 3 (f0, f1, stack), longs in base 4 (r0..r2, stack).
        var scale = lib.Families.Single(f => f.Name == "Scale");
        Assert.Equal(3 * 4 * 3, VariantEnumerator.NarrowSlots(scale, 3, 2));
        var add = lib.Families.Single(f => f.Name == "Add");
        var names = VariantEnumerator.Enumerate(add, 3, 2).Select(s => VariantNames.Variant(add.CName, s, 3)).ToList();
        Assert.Equal(27, names.Count);
        Assert.Contains(names, n => n.EndsWith("__f0_f1__f1"));
        Assert.Contains(names, n => n.EndsWith("__s_f1__s"));
        Assert.DoesNotContain(names, n => n.Contains("r"));
    }

    [Fact]
    public void The_variant_index_is_the_mixed_radix_number_of_the_codes()
    {
        // Values: double (float class), long, double out; F = 2, R = 3.
        uint mask = 0b101;
        Assert.Equal(3 * 4 * 3, VariantIndex.NarrowSlots(3, 3, mask, 2));
        int index = VariantIndex.Encode([1, 3, 2], 3, mask, 2);   // f1, stack, stack
        Assert.Equal((1 * 4 + 3) * 3 + 2, index);
        var codes = new int[3];
        Assert.Equal(2, VariantIndex.Decode(index, 3, codes, mask, 2));
        Assert.Equal(new[] { 1, 3, 2 }, codes);
        // Without a mask, the old base-L formula.
        Assert.Equal(VariantIndex.Encode([1, 3, 2], 3), VariantIndex.Encode([1, 3, 2], 3, 0, 2));
        // Outputs of different classes may share an index; outputs of one class may not.
        Assert.True(VariantIndex.OutputsDistinct([0, 0], 3, 0b01, 2));
        Assert.False(VariantIndex.OutputsDistinct([0, 0], 3, 0b11, 2));
        Assert.True(VariantIndex.OutputsDistinct([2, 2], 3, 0b11, 2));     // both on the stack
    }

    [Fact]
    public void The_C_passes_the_float_registers_through_every_stencil_as_doubles()
    {
        var lib = Parse("[StencilLibrary(Registers = 2, FloatRegisters = 3)]");
        var c = CLibraryWriter.Write(lib);
        Assert.Contains("#define PATCHOULY_REGS uint64_t r0, uint64_t r1, double d0, double d1, double d2", c.Header);
        Assert.Contains("#define PATCHOULY_ARGS r0, r1, d0, d1, d2", c.Header);
        string text = c.FullText;
        Assert.Contains("_Add__f0_f1__f2(uint64_t *fp, PATCHOULY_REGS) {", text);
        Assert.Contains("d2 = out0;", text);
        Assert.Contains("d2 = patchouly_d_of_f32(out0);", text);          // AddF: a float as the low lanes
        Assert.Contains("patchouly_f32_of(d0)", text);
        // The entry passes zeros for the float registers.
        Assert.Contains("return patchouly_body(fp, a0, a1, 0.0, 0.0, 0.0);", text);
    }

    [Fact]
    public void A_library_without_float_registers_is_unchanged()
    {
        var lib = Parse("[StencilLibrary(Registers = 3)]");
        Assert.Equal(0, lib.FloatRegisters);
        Assert.Equal(3, lib.Families.TakeWhile(f => f.Name.StartsWith("__")).Count());
        Assert.All(lib.Families, f => Assert.Equal(0u, f.FloatMask));
        var c = CLibraryWriter.Write(lib);
        Assert.DoesNotContain("double d0", c.Header);
        Assert.DoesNotContain("patchouly_f32_of", c.Header);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(9)]
    public void PATCH0031_float_register_count_out_of_range(int count)
    {
        var diagnostics = RoslynTestHost.Analyze($"using Patchouly; [StencilLibrary(Registers = 3, FloatRegisters = {count})] public static partial class Lib {{ [Stencil] public static double A(double a) => a; }}");
        var d = Assert.Single(diagnostics, x => x.Id == "PATCH0031");
        Assert.Contains($"FloatRegisters = {count} is out of range", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void PATCH0030_a_float_class_value_cannot_be_pinned()
    {
        var diagnostics = RoslynTestHost.Analyze("using Patchouly; [StencilLibrary(Registers = 3, FloatRegisters = 2)] public static partial class Lib { [Stencil] public static double A([Pinned(0)] double a) => a; }");
        var d = Assert.Single(diagnostics, x => x.Id == "PATCH0030");
        Assert.Contains("float or double value, which lives in one of the library's 2 float registers", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        // Without float registers a double is a word like any other and may be pinned.
        Assert.DoesNotContain(RoslynTestHost.Analyze("using Patchouly; [StencilLibrary(Registers = 3)] public static partial class Lib { [Stencil] public static double A([Pinned(0)] double a) => a; }"),
            x => x.Id == "PATCH0030");
    }
}
