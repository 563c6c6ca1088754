using System;
using System.Collections.Generic;
using System.Linq;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>Pointers to structs, struct locals, nested structs, fixed-size buffers, explicit and packed layouts.</summary>
public class StructTests : DifferentialLibrary
{
    public StructTests(ITestOutputHelper output) : base(output) { }

    internal const string Source = """
        using System;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;
        using Patchouly;

        namespace Lang;

        public struct Point { public int X; public int Y; }
        public struct Rect { public Point Min; public Point Max; public byte Tag; }
        [StructLayout(LayoutKind.Sequential, Pack = 1)] public struct Packed { public byte A; public long B; public short C; }
        [StructLayout(LayoutKind.Sequential, Pack = 2, Size = 24)] public struct Sized { public int A; public long B; public short C; }
        [StructLayout(LayoutKind.Explicit)] public struct Union { [FieldOffset(0)] public long L; [FieldOffset(0)] public double D; [FieldOffset(4)] public int Hi; [FieldOffset(1)] public short Odd; }
        public unsafe struct Buffer { public int Count; public fixed short Items[6]; public Point* Next; }
        public enum Kind : byte { A, B }
        public struct WithEnum { public Kind K; public ushort U; public double D; public char C; }
        public unsafe struct Node { public long Value; public Node* Next; }
        public struct Empty { }
        public struct Wrapper { public Empty E; public Packed P; public Union U; }

        [StencilLibrary(Registers = 2)]
        public static unsafe partial class Structs
        {
            static Point Swap(Point p) => new Point { X = p.Y, Y = p.X };
            static void Bump(ref Point p, int v) { p.X += v; }
            static int Area(Rect* r) => (r->Max.X - r->Min.X) * (r->Max.Y - r->Min.Y);

            [Stencil] public static int Arrow(Point* p) => p->X + p->Y * 3;
            [Stencil] public static int Deref(Point* p) => (*p).X - (*p).Y;
            [Stencil] public static int Index(Point* p, int i) => p[i & 3].X + p[(i >> 2) & 3].Y;
            [Stencil] public static void StoreFields(Point* p, int v) { p->X = v; p[1].Y = v * 2; (*p).Y += 7; p->X++; --p[2].X; }
            [Stencil] public static long AddressOfField(Point* p, int v) { int* q = &p->Y; *q = v; int* r = &p[1].X; *r ^= v; return (long)((byte*)q - (byte*)p) + (long)((byte*)r - (byte*)p); }
            [Stencil] public static int Nested(Rect* r, int v) { r->Max.X = v; r->Min.Y -= v; r->Tag = (byte)v; r[1].Max = r->Min; return r->Max.Y + r->Min.X + Area(r); }
            [Stencil] public static int Local(Point* p, int v) { Point q = *p; q.X += v; Point w = q; w.Y = 1; *p = w; p[1] = q; return q.X + q.Y + w.X; }
            [Stencil] public static long Defaults(Point* p, int v)
            {
                Point q = default;
                Point r = new Point();
                Point s = new Point { X = v, Y = v + 1 };
                Point t;
                t.X = 3;
                t.Y = 4;
                p[0] = s;
                p[1] = t;
                p[3] = default; // not next to p[1]: 16 adjacent bytes of constants would need -mno-implicit-float (see RegressionTests)
                return q.X + r.Y + s.Y + t.X;
            }
            [Stencil] public static long PackedFields(Packed* p, long v) { p->B += v; p->C = (short)v; p[1].A++; return p->A + p->B + p->C + p[1].B; }
            [Stencil] public static long SizedFields(Sized* p, long v) { p->B = v; p[1].C = (short)(v >> 3); return p[1].A + p->C + sizeof(Sized) + (long)((byte*)&p[1] - (byte*)p); }
            [Stencil] public static long Unions(Union* u, long v) { u->L = v; long a = u->Hi + u->Odd; u->D += 1.5; u[1].Odd = (short)v; return a + u->L; }
            [Stencil] public static long FixedBuffer(Buffer* b, int i)
            {
                b->Items[i & 3] = (short)i;
                short* items = b->Items;
                items[4] += 3;
                b->Count = items[0] + items[5];
                b->Next = (Point*)b;
                return b->Count + b->Next->X;
            }
            [Stencil] public static double Enums(WithEnum* w, int v)
            {
                w->K = (Kind)(v & 1);
                w->U = (ushort)v;
                w->C = (char)(v + 'a');
                w[1].D = w->D + v;
                return w[1].D * 2 + (w->K == Kind.B ? 10 : 0) + w->U + w->C;
            }
            [Stencil] public static long Linked(Node* n, long v)
            {
                n[0].Next = &n[1];
                n[1].Next = &n[2];
                n[2].Next = null;
                n[1].Value = v;
                long sum = 0;
                for (Node* p = n; p != null; p = p->Next) sum += p->Value;
                return sum;
            }
            [Stencil] public static int Helpers(Point* p, int v) { Point q = Swap(*p); Bump(ref q, v); Bump(ref *p, v); Bump(ref p[1], -v); return q.X * 10 + Swap(q).X; }
            [Stencil] public static Target Compare(Point* p, Target less, Target equal, out int difference)
            {
                difference = p->X - p->Y;
                if (p->X < p->Y) return less;
                return p->X == p->Y ? equal : Target.Next;
            }
            [Stencil] public static long Sizes() => sizeof(Point) * 1000000L + sizeof(Packed) * 10000L + sizeof(Sized) * 100L + sizeof(Union)
                + sizeof(Buffer) * 7L + sizeof(WithEnum) * 13L + sizeof(Empty) * 17L + sizeof(Wrapper) * 19L + Unsafe.SizeOf<Rect>() * 23L;
            [Stencil] public static long Wrapped(Wrapper* w, long v) { w->P.B = v; w->U.Hi = (int)v; Wrapper copy = *w; copy.P.A = 9; w[1] = copy; return copy.U.L + w->P.C; }
            [Stencil] public static int Conditional(Point* p, int v) { Point a = p[0], b = p[1]; Point c = v > 0 ? a : b; p[2] = c; return c.X; }
            [Stencil] public static long StructPointerArithmetic(Point* p, int i) { Point* q = p + (i & 3); q++; Point* r = q - 1; return (long)(r - p) * 100 + (q > p ? 1 : 0) + r->Y; }
        }
        """;

    private static readonly Lazy<Harness> s_harness = new(() => Harness.Create([Source]));

    public static IEnumerable<object[]> Stencils => StencilNames(Source);

    [Theory]
    [MemberData(nameof(Stencils))]
    public void Agrees_with_managed_code(string stencil) => Check(s_harness.Value, stencil);

    internal const string BoolSource = """
        using Patchouly;

        namespace Lang;

        public struct Flags { public bool A; public char C; public bool B; public float F; public bool D; }

        [StencilLibrary(Registers = 2)]
        public static unsafe partial class BoolStructs
        {
            [Stencil] public static int Bools(Flags* f, int v)
            {
                f->A = v > 3;
                f[1].B = !f->A;
                f->C = (char)v;
                f->F = v * 0.5f;
                f->D |= f->B;
                f[2].D ^= true;
                return (f->A ? 1 : 0) + (f->B ? 2 : 0) + (f->D ? 4 : 0) + f->C;
            }
            [Stencil] public static bool Local(Flags* f, bool b) { Flags g = *f; g.B = b & g.A; *f = g; return g.B | g.D; }
            [Stencil] public static int BoolPointer(bool* p, int i) { p[i & 7] = !p[(i >> 3) & 7]; bool x = *p; return x ? 1 : 0; }
        }
        """;

    private static readonly Lazy<Harness> s_bools = new(() => Harness.Create([BoolSource], MemoryFill.Bits));

    public static IEnumerable<object[]> BoolStencils => StencilNames(BoolSource);

    /// <summary>Bools in memory hold 0 or 1 here: .NET leaves the meaning of other byte values unspecified.</summary>
    [Theory]
    [MemberData(nameof(BoolStencils))]
    public void Bools_in_structs_agree_with_managed_code(string stencil) => Check(s_bools.Value, stencil, fill: MemoryFill.Bits);
}
