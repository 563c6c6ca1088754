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

    /// <summary>Location triples drawn at random from r0..r3 and s0..s7 (so emits touch many different variants).</summary>
    public static (Location A, Location B, Location C)[] RandomTriples(int count, int seed)
    {
        var random = new System.Random(seed);
        var pool = new Location[12];
        for (int i = 0; i < 4; i++) pool[i] = Location.Register(i);
        for (int i = 0; i < 8; i++) pool[4 + i] = Location.Stack(i);
        var triples = new (Location, Location, Location)[count];
        for (int i = 0; i < count; i++)
            triples[i] = (pool[random.Next(12)], pool[random.Next(12)], pool[random.Next(12)]);
        return triples;
    }

    /// <summary>Emits one arithmetic stencil with the locations of <paramref name="t"/> (Add, Sub, Mul or AddConst by <paramref name="i"/>).</summary>
    public static void EmitRandom(BenchStencils.Emitter e, (Location A, Location B, Location C) t, int i)
    {
        switch (i & 3)
        {
            case 0: e.Add(t.A, t.B, t.C); break;
            case 1: e.Sub(t.A, t.B, t.C); break;
            case 2: e.Mul(t.A, t.B, t.C); break;
            default: e.AddConst(t.A, (i & 4) != 0 ? 1L << 40 : i, t.C); break;
        }
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
