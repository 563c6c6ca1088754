using System.Runtime.InteropServices;
using Patchouly.Runtime;

namespace Patchouly.Benchmarks;

/// <summary>The code the benchmarks emit: a realistic mix of stencils, locations, holes and branches.</summary>
internal static unsafe class Workload
{
    public static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2), R3 = Location.Register(3);

    /// <summary>Emits per <see cref="EmitUnit"/>.</summary>
    public const int EmitsPerUnit = 12;

    /// <summary>
    /// Emits 12 stencils: constants (narrow and wide holes), arithmetic in registers and stack slots, a load and a
    /// store, a forward branch to <paramref name="exit"/>, a backward branch, a move, and two blocks.
    /// </summary>
    public static void EmitUnit(FunctionBuilder b, BenchStencils.Emitter e, Block exit, int i)
    {
        var loop = b.NewBlock();
        var next = b.NewBlock();
        b.StartBlock(loop);
        e.Const(i, R1);
        e.Add(R0, R1, R2);
        e.AddConst(R2, 1L << 40, Location.Stack(3));
        e.Load(R0, i & 63, R3);
        e.Store(R0, R3, (i + 1) & 63);
        e.Sub(Location.Stack(3), R2, R1);
        e.IfZero(R1, exit);
        e.Mul(R1, R2, Location.Stack(i & 7));
        b.Move(Location.Stack(i & 7), R2);
        e.IfLess(R2, R1, loop, next);
        b.StartBlock(next);
        e.AddConst(R2, 7, R2);
        e.Sub(R2, R3, R1);
    }

    /// <summary>Emits <paramref name="units"/> units and the function's end; the result can be compiled.</summary>
    public static void EmitFunction(FunctionBuilder b, int units)
    {
        var e = new BenchStencils.Emitter(b);
        var exit = b.NewBlock();
        for (int i = 0; i < units; i++) EmitUnit(b, e, exit, i);
        e.Return(R1);
        b.StartBlock(exit);
        e.ReturnConst(-1);
    }
}
