using System.IO;
using System.Linq;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>C# stencils through the whole build pipeline: every variant compiles and is extracted with the relocations the runtime needs.</summary>
public class PipelineTests
{
    internal const string Arithmetic = """
        using Patchouly;
        namespace T;
        [StencilLibrary(Registers = 3)]
        public static unsafe partial class Arith
        {
            [Stencil] public static long Const([Hole] long value) => value;
            [Stencil] public static long Add(long a, long b) => a + b;
            [Stencil] public static long AddConst(long a, [Hole] long c) => a + c;
            [Stencil] public static byte AddByte(byte a, [Hole] byte c) => (byte)(a + c);
            [Stencil] public static long Load(long* p, [Hole] int index) => p[index];
            [Stencil] public static void Store(long* p, long v, [Hole] int index) { p[index] = v; }
            [Stencil] public static long CallHost(long a, [Hole] delegate* unmanaged<long, long> f) => f(a);
            [Stencil] public static Target IfZero(long a, Target zero) => a == 0 ? zero : Target.Next;
            [Stencil] public static Target Branch(long a, Target zero, Target nonZero) => a == 0 ? zero : nonZero;
            [Stencil] public static Target DivMod(long a, long b, Target fail, out long q, out long r) { q = 0; r = 0; if (b == 0 || (b == -1 && a == long.MinValue)) return fail; q = a / b; r = a % b; return Target.Next; }
            [Stencil(ReturnsToCaller = true)] public static long Ret(long value) => value;
            [Stencil(ReturnsToCaller = true)] public static long RetConst([Hole] long value) => value;
        }
        """;

    private static Patchouly.Build.Tasks.Extract.ExtractedVariant Variant(BuiltStencils built, string family, string locations)
    {
        string prefix = built.Model.Families.Single(f => f.Name == family).CName;
        return built.Extracted.Variants.Single(v => v.Symbol == prefix + "__" + locations);
    }

    [Fact]
    public void Every_variant_is_compiled_and_extracted()
    {
        var built = TestStencils.Build(Arithmetic);
        Assert.Equal(built.Source.Variants.Count, built.Extracted.Variants.Count);
        // 4 locations: Add has 4^3 = 64 variants; AddConst 16 narrow + 16 wide; AddByte has no wide twins (8-bit hole).
        Assert.Equal(64, built.Extracted.Variants.Count(v => built.Model.Families[v.Family].Name == "Add"));
        Assert.Equal(32, built.Extracted.Variants.Count(v => built.Model.Families[v.Family].Name == "AddConst"));
        Assert.Equal(16, built.Extracted.Variants.Count(v => built.Model.Families[v.Family].Name == "AddByte"));
        // DivMod: 4^4 = 256 minus the 12 with both outputs in one register... (3 registers * 16 input pairs = 48)
        Assert.Equal(256 - 48, built.Extracted.Variants.Count(v => built.Model.Families[v.Family].Name == "DivMod"));
        Assert.True(File.Exists(Path.Combine(built.Directory, "unit0.c")));
    }

    [Fact]
    public void Register_variants_are_small_and_end_with_a_droppable_jump()
    {
        var built = TestStencils.Build(Arithmetic);
        var add = Variant(built, "Add", "r0_r1__r2");
        Assert.True(add.Flags.HasFlag(VariantFlags.EndsWithJump));
        Assert.True(add.Code.Length <= 12, $"Add r0,r1->r2 is {add.Code.Length} bytes");
        var last = add.Relocations[^1];
        Assert.Equal(PatchKind.Next, last.Patch);
        Assert.Equal(RelocationKind.Rel32, last.Kind);
        Assert.Equal(-4, last.Addend);
    }

    [Fact]
    public void Holes_are_narrow_immediates_or_wide_movabs()
    {
        var built = TestStencils.Build(Arithmetic);
        var narrow = Variant(built, "AddConst", "r0__r1");
        var wide = Variant(built, "AddConst", "r0__r1__w");
        Assert.Contains(narrow.Relocations, r => r.Patch == PatchKind.Hole && r.Kind is RelocationKind.Abs32 or RelocationKind.Abs32S);
        Assert.Contains(wide.Relocations, r => r.Patch == PatchKind.Hole && r.Kind == RelocationKind.Abs64);
        var call = Variant(built, "CallHost", "r0__r0__w");
        Assert.Contains(call.Relocations, r => r.Patch == PatchKind.Hole && r.Kind == RelocationKind.Abs64);
    }

    [Fact]
    public void Stack_locations_use_slot_relocations()
    {
        var built = TestStencils.Build(Arithmetic);
        var v = Variant(built, "Add", "s_s__s");
        Assert.Equal(3, v.Relocations.Count(r => r.Patch == PatchKind.Slot));
        Assert.Equal([0, 1, 2], v.Relocations.Where(r => r.Patch == PatchKind.Slot).Select(r => (int)r.Index).Order());
    }

    [Fact]
    public void Branches_jump_to_their_targets()
    {
        var built = TestStencils.Build(Arithmetic);
        var v = Variant(built, "Branch", "r0__");
        Assert.Contains(v.Relocations, r => r.Patch == PatchKind.Target && r.Index == 0);
        Assert.Contains(v.Relocations, r => r.Patch == PatchKind.Target && r.Index == 1);
        Assert.DoesNotContain(v.Relocations, r => r.Patch == PatchKind.Next);
    }

    [Fact]
    public void The_entry_shim_calls_the_body_and_sizes_the_frame()
    {
        var built = TestStencils.Build(Arithmetic);
        var entry = built.Extracted.Variants.Single(v => v.Family == 0);
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.Target && r.Kind == RelocationKind.Rel32);
        Assert.Contains(entry.Relocations, r => r.Patch == PatchKind.FrameSize);
    }

    [Fact]
    public void The_layout_builds_a_runtime_library()
    {
        var built = TestStencils.Build(Arithmetic);
        var lib = built.Library;
        Assert.Equal(3, lib.Registers);
        Assert.Equal("Add", lib.GetFamily("Add").Name);
        Assert.True(built.Layout.Chunks.Count < built.Extracted.Variants.Count, "identical variants share code");
        foreach (var f in lib.Families)
            for (int i = 0; i < f.VariantSlots; i++)
            {
                var v = lib.Variants[f.FirstVariant + i];
                if (!v.Exists) continue;
                Assert.True(lib.RelocationsOf(v).ToArray().All(r => r.Offset + r.Size <= v.Length));
            }
    }
}
