using Patchouly;

namespace Patchouly.Samples.Bf;

[StencilLibrary(Registers = 3)]
public static unsafe partial class BfStencils
{
    [Stencil] public static void Add(byte* p, [Hole] nint off, [Hole] byte n) { p[off] += n; }
    [Stencil] public static void Set(byte* p, [Hole] nint off, [Hole] byte n) { p[off] = n; }
    [Stencil] public static void MulAdd(byte* p, [Hole] nint src, [Hole] nint dst, [Hole] byte f) { p[dst] += (byte)(p[src] * f); }
    [Stencil] public static byte* Move(byte* p, [Hole] nint n) => p + n;
    [Stencil]
    public static Target Check(byte* p, byte* start, [Hole] nint lo, [Hole] nuint span, Target left, Target right)
    {
        if ((nuint)(p + lo - start) > span) return p + lo < start ? left : right;
        return Target.Next;
    }
    [Stencil] public static Target LoopBegin(byte* p, Target exit) => *p == 0 ? exit : Target.Next;
    [Stencil] public static Target LoopEnd(byte* p, Target body) => *p != 0 ? body : Target.Next;
    [Stencil] public static byte* Scan(byte* p, [Hole] nint step) { while (*p != 0) p += step; return p; }
    [Stencil]
    public static Target Output(byte* p, [Hole] nint off, [Hole] delegate* unmanaged<nint, int, int> write, [Hole] nint ctx, Target ioError)
        => write(ctx, p[off]) != 0 ? ioError : Target.Next;
    [Stencil] public static Target T1(byte* p, Target exit) { if (*p == 0) return exit; return Target.Next; }
    [Stencil] public static Target T2(byte* p, Target exit) => *p != 0 ? Target.Next : exit;
    [Stencil] public static Target T3(byte* p, Target body, Target exit) => *p != 0 ? body : exit;
    [Stencil] public static Target T4(byte* p, Target body, Target exit) => *p == 0 ? exit : body;
    [Stencil] public static Target T5(byte* p, Target exit, Target body) => *p != 0 ? body : exit;
    [Stencil] public static Target C2(byte* p, byte* start, [Hole] nint lo, [Hole] nuint span, Target bad) => (nuint)(p + lo - start) > span ? bad : Target.Next;
    [Stencil] public static void A1(byte* p, [Hole] nint off, [Hole] nint n) { p[off] = (byte)(p[off] + (byte)n); }
    [Stencil] public static void A2(byte* p, [Hole] nint off, [Hole] sbyte n) { p[off] = (byte)(p[off] + n); }
    [Stencil] public static void A3(byte* p, [Hole] nint off) { p[off]++; }
    [Stencil] public static void S1(byte* p, [Hole] nint off, [Hole] nint n) { p[off] = (byte)n; }
    [Stencil(ReturnsToCaller = true)] public static long Return([Hole] long code) => code;
}
