using System.Linq;
using Patchouly.Runtime;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>[Pinned(n)] through the whole pipeline: fewer variants, and at run time the pinned register works directly,
/// another one through the scratch registers when the pinned register is one of them, and is a
/// <see cref="MissingVariantException"/> otherwise.</summary>
public class PinnedExecutionTests
{
    private const string Pinned = """
        using Patchouly;
        namespace T;
        [StencilLibrary(Registers = 3)]
        public static unsafe partial class PinnedLib
        {
            [Stencil][return: Pinned(2)] public static long AddConst([Pinned(2)] long a, [Hole] long c) => a + c;
            [Stencil] public static long Add(long a, long b) => a + b;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
        }
        """;

    private static BuiltStencils Built => TestStencils.Build(Pinned);

    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2);

    [Fact]
    public void Only_the_pinned_placement_is_compiled()
    {
        var family = Built.Model.Families.Single(f => f.Name == "AddConst");
        var variants = Built.Source.Variants.Where(v => v.Family == family.Index).ToList();
        Assert.Equal(2, variants.Count); // narrow and wide, both r2 -> r2
        var unpinned = Built.Model.Families.Single(f => f.Name == "Add");
        Assert.Equal(64, Built.Source.Variants.Count(v => v.Family == unpinned.Index)); // 4^3
    }

    [Fact]
    public void The_pinned_register_is_emitted_directly()
    {
        var b = new FunctionBuilder(Built.Library, 1);
        b.Emit(Built.Library.GetFamily("Add"), [R0, R0], [R2]);
        b.Emit(Built.Library.GetFamily("AddConst"), [R2], [R2], [5]);
        b.Emit(Built.Library.GetFamily("Ret"), [R2], []);
        using var f = b.Compile();
        Assert.Equal(79, f.Invoke(37));
    }

    [Fact]
    public void Another_register_goes_through_the_scratch_registers()
    {
        var b = new FunctionBuilder(Built.Library, 1) { ScratchRegisters = [R2] };
        b.Emit(Built.Library.GetFamily("Add"), [R0, R0], [R1]);
        b.Emit(Built.Library.GetFamily("AddConst"), [R1], [R1], [1L << 40]); // r1 -> r2 (scratch), the r2 variant (wide), r2 -> r1
        b.Emit(Built.Library.GetFamily("Ret"), [R1], []);
        using var f = b.Compile();
        Assert.Equal(2 * 21 + (1L << 40), f.Invoke(21));
    }

    [Fact]
    public void Another_register_without_scratch_registers_is_a_missing_variant()
    {
        var b = new FunctionBuilder(Built.Library, 1);
        var e = Assert.Throws<MissingVariantException>(() => b.Emit(Built.Library.GetFamily("AddConst"), [R1], [R0], [5]));
        Assert.Contains("AddConst", e.Message);
    }
}
