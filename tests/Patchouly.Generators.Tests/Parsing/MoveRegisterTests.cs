using System.Linq;
using System.Threading;
using Patchouly.Generators.Format;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Variants;

namespace Patchouly.Generators.Tests.Parsing;

/// <summary>[StencilLibrary(MoveRegisters = n, MoveFloatRegisters = m)]: registers only the built-in moves reach (their
/// variants, the C signatures, the model hash and the diagnostics).</summary>
public class MoveRegisterTests
{
    private const string Stencils = """
        [Stencil] public static double Add(double a, double b) => a + b;
        [Stencil] public static long Plus(long a, long b) => a + b;
        """;

    private static Model.LibraryModel Parse(string attribute, string stencils = Stencils)
    {
        var c = RoslynTestHost.Compile("using Patchouly; namespace F; " + attribute + " public static partial class Lib { " + stencils + " }");
        var result = StencilLibraryParser.Parse(c.GetTypeByMetadataName("F.Lib")!, c, CancellationToken.None);
        Assert.DoesNotContain(result.Diagnostics, d => d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        return result.Library!;
    }

    private static int Count(Model.LibraryModel lib, string name)
    {
        var f = lib.Families.Single(x => x.Name == name);
        return VariantEnumerator.Enumerate(f, lib.FamilyRegisters(f), lib.FamilyFloatRegisters(f)).Count();
    }

    [Fact]
    public void Only_the_built_in_moves_get_variants_for_the_move_registers()
    {
        var lib = Parse("[StencilLibrary(Registers = 3, FloatRegisters = 2, MoveRegisters = 4, MoveFloatRegisters = 3)]");
        Assert.Equal((3, 4, 2, 3), (lib.Registers, lib.MoveRegisters, lib.FloatRegisters, lib.MoveFloatRegisters));
        // Moves: every register of the class (registers and move registers) or a slot, on both sides.
        Assert.Equal(8 * 8, Count(lib, "__move"));
        Assert.Equal(6 * 6, Count(lib, "__move_float"));
        Assert.Equal(6 * 8, Count(lib, "__move_float_to_int"));
        Assert.Equal(8 * 6, Count(lib, "__move_int_to_float"));
        // Every other stencil: as without move registers.
        Assert.Equal(3 * 3 * 3, Count(lib, "Add"));
        Assert.Equal(4 * 4 * 4, Count(lib, "Plus"));
        var plain = Parse("[StencilLibrary(Registers = 3, FloatRegisters = 2)]");
        Assert.Equal(Count(plain, "Plus"), Count(lib, "Plus"));
        // The move's variant names and index count the move registers; the stack code is after them.
        var move = lib.Families.Single(f => f.Name == "__move");
        var names = VariantEnumerator.Enumerate(move, 7, 5).Select(s => VariantNames.Variant(move.CName, s, 7)).ToList();
        Assert.Contains(names, n => n.EndsWith("__r6__s"));
        Assert.Equal(7, VariantIndex.FamilyRegisters(StencilFamilyKind.Move, 3, 4));
        Assert.Equal(3, VariantIndex.FamilyRegisters(StencilFamilyKind.Normal, 3, 4));
        Assert.Equal(3, VariantIndex.FamilyRegisters(StencilFamilyKind.Return, 3, 4));
    }

    [Fact]
    public void The_C_passes_the_move_registers_through_every_stencil_and_only_moves_use_them()
    {
        var lib = Parse("[StencilLibrary(Registers = 2, FloatRegisters = 1, MoveRegisters = 2, MoveFloatRegisters = 1)]");
        var c = CLibraryWriter.Write(lib);
        Assert.Contains("#define PATCHOULY_REGS uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3, double d0, double d1", c.Header);
        Assert.Contains("#define PATCHOULY_ARGS r0, r1, r2, r3, d0, d1", c.Header);
        string text = c.FullText;
        string C(string family) => lib.Families.Single(f => f.Name == family).CName;
        Assert.Contains(C("__move") + "__r3__r0(uint64_t *fp, PATCHOULY_REGS) {", text);
        Assert.Contains(C("__move") + "__s__r2(uint64_t *fp, PATCHOULY_REGS) {", text);
        Assert.Contains(C("__move_float") + "__f1__f0(uint64_t *fp, PATCHOULY_REGS) {", text);
        Assert.Contains(C("__move_int_to_float") + "__r3__f1(uint64_t *fp, PATCHOULY_REGS) {", text);
        Assert.Contains(C("Plus") + "__r1_r0__s(uint64_t *fp, PATCHOULY_REGS) {", text);
        Assert.DoesNotContain(C("Plus") + "__r2", text);
        Assert.DoesNotContain(C("Add") + "__f1", text);
        // The entry passes zeros for every register beyond its arguments, move registers included.
        Assert.Contains("return patchouly_body(fp, a0, a1, a2, a3, 0.0, 0.0);", text);
    }

    [Fact]
    public void A_library_without_move_registers_is_unchanged()
    {
        var plain = Parse("[StencilLibrary(Registers = 3, FloatRegisters = 2)]");
        var zero = Parse("[StencilLibrary(Registers = 3, FloatRegisters = 2, MoveRegisters = 0, MoveFloatRegisters = 0)]");
        Assert.Equal(Model.ModelHash.Compute(plain), Model.ModelHash.Compute(zero));
        Assert.Equal(CLibraryWriter.Write(plain).FullText, CLibraryWriter.Write(zero).FullText);
        var moves = Parse("[StencilLibrary(Registers = 3, FloatRegisters = 2, MoveRegisters = 1)]");
        Assert.NotEqual(Model.ModelHash.Compute(plain), Model.ModelHash.Compute(moves));
    }

    [Theory]
    [InlineData("Registers = 5, MoveRegisters = 7", "MoveRegisters = 7 is out of range")]
    [InlineData("Registers = 5, MoveRegisters = -1", "MoveRegisters = -1 is out of range")]
    [InlineData("Registers = 3, FloatRegisters = 6, MoveFloatRegisters = 3", "MoveFloatRegisters = 3 is out of range")]
    [InlineData("Registers = 3, MoveFloatRegisters = 1", "a library without FloatRegisters has no float moves")]
    public void PATCH0032_move_register_count_out_of_range(string arguments, string message)
    {
        var diagnostics = RoslynTestHost.Analyze($"using Patchouly; [StencilLibrary({arguments})] public static partial class Lib {{ [Stencil] public static long A(long a) => a; }}");
        var d = Assert.Single(diagnostics, x => x.Id == "PATCH0032");
        Assert.Contains(message, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
