using System.Linq;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>Move registers through the build: compiled for every target, only the moves' slots count them, the tables
/// say so (PTAB v4), and a move into a move register is real code that the other stencils pass through.</summary>
public class MoveRegisterLayoutTests
{
    private const string Source = """
        using Patchouly;
        namespace G;
        [StencilLibrary(Registers = 2, FloatRegisters = 1, MoveRegisters = 2, MoveFloatRegisters = 1)]
        public static unsafe partial class Moves
        {
            [Stencil] public static long Add(long a, long b) => a + b;
            [Stencil] public static long Div(long a, long b) => b == 0 ? 0 : a / b;
            [Stencil] public static double Half(double a) => a * 0.5;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long value) => value;
        }
        """;

    public static TheoryData<string> Targets => new(BuildTargets.All.Select(t => t.RuntimeIdentifier));

    [Theory, MemberData(nameof(Targets))]
    public void Only_the_moves_have_variants_for_the_move_registers(string rid)
    {
        var target = BuildTargets.All.Single(t => t.RuntimeIdentifier == rid);
        var built = TestStencils.Build(Source, target);
        var library = built.Library;
        Assert.Equal((2, 2, 1, 1), (library.Registers, library.MoveRegisters, library.FloatRegisters, library.MoveFloatRegisters));
        Assert.Equal(5 * 5, library.MoveFamily.NarrowSlots);
        Assert.Equal(3 * 3, library.FloatMoveFamily!.NarrowSlots);
        Assert.Equal(5 * 3, library.IntToFloatMoveFamily!.NarrowSlots);
        Assert.Equal(3 * 3 * 3, library.GetFamily("Add").NarrowSlots);
        Assert.Equal(2 * 2, library.GetFamily("Half").NarrowSlots);
        // Every move between two distinct registers of r0..r3 exists (move registers included), and the layout's
        // slots match the runtime's numbering.
        for (int from = 0; from < 4; from++)
            for (int to = 0; to < 4; to++)
                if (from != to)
                    Assert.True(library.Variants[library.MoveFamily.FirstVariant + from * 5 + to].Exists, $"{rid}: __move r{from} -> r{to}");
        Assert.Equal(built.Layout.FamilyFirst, library.Families.Select(f => f.FirstVariant));
        Assert.Contains(built.Extracted.Variants, v => v.Symbol.EndsWith("__r3__s"));
        Assert.DoesNotContain(built.Extracted.Variants, v => v.Family == library.GetFamily("Add").Index && v.Symbol.Contains("r3"));
        // The tables blob of such a library is version 4 and reads back with its counts.
        byte[] blob = TableBlob.Write(built.Layout.ToBlobContents(target.Triple, "test"));
        Assert.Equal(TableBlob.MoveVersion, System.BitConverter.ToUInt16(blob, 4));
        var read = TableBlob.Read(blob, "test");
        Assert.Equal((2, 1), (read.MoveRegisters, read.MoveFloatRegisters));
    }

    [Fact]
    public void A_value_kept_in_a_move_register_survives_a_division()
    {
        var built = TestStencils.Build(Source, BuildTargets.LinuxX64);
        var b = new FunctionBuilder(built.Library, 2);
        var add = built.Library.GetFamily("Add");
        var div = built.Library.GetFamily("Div");
        Location r0 = Location.Register(0), r1 = Location.Register(1), r3 = Location.Register(3);
        b.Move(r0, r3);                 // keep a
        b.Emit(div, [r0, r1], [r0]);    // a / b (x86-64: RAX and RDX, which a move register may be)
        b.Move(r3, r1);
        b.Emit(add, [r0, r1], [r0]);    // a / b + a
        b.Emit(built.Library.GetFamily("Ret"), [r0], []);
        using var f = b.Compile();
        Assert.Equal(100 / 7 + 100, f.Invoke(100, 7));
    }
}
