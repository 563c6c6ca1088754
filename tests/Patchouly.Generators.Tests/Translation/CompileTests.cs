using System.IO;
using System.Linq;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>The translated C of a broad sample of stencils compiles with clang-19 and -Werror -Wall.</summary>
public class CompileTests
{
    internal const string BroadLibrary = TranslationHarness.Usings + """
        public enum Op : byte { Add = 1, Sub = 2, Mul = 3 }
        public enum Big : long { Min = long.MinValue, Max = long.MaxValue }

        [StencilLibrary]
        public static unsafe partial class Broad
        {
            const int Limit = 1000;

            static int Clamp(int x, int lo, int hi) => x < lo ? lo : x > hi ? hi : x;
            static void Swap(ref long a, ref long b) { long t = a; a = b; b = t; }
            static bool TryHalf(int x, out int half) { half = x / 2; return (x & 1) == 0; }
            static int Clamp(long x) => (int)(x < int.MinValue ? int.MinValue : x > int.MaxValue ? int.MaxValue : x);

            [Stencil] public static int Add(int a, int b) => a + b;
            [Stencil] public static long AddHole(long a, [Hole] long c) => a + c;
            [Stencil] public static uint Mixed(uint a, int b, ushort c, sbyte d) => (uint)(a + b) * c - (uint)d;
            [Stencil] public static long Shifts(long a, int n, uint u, ulong ul) => (a << n) ^ (a >> n) ^ (a >>> n) ^ (u << n) ^ (long)(ul >> n) ^ (long)(u >>> n);
            [Stencil] public static int Divs(int a, int b, uint c, uint d) => a / b + a % b + (int)(c / d) + (int)(c % d) + a / 3 + a % 7;
            [Stencil] public static long Divs64(long a, long b, ulong c, ulong d, nint e, nuint f) => a / b + a % b + (long)(c / d) + (long)(c % d) + e / e + (nint)(f % f) + e / 3 + e % -5 + (nint)(f / 7) + (nint)(f % (nuint)9) + (long)(c / 11UL);
            [Stencil] public static bool Bools(bool a, bool b, int x) => (a & b) | (a ^ b) || !a && x > 3 || a == b || a != (x < 0);
            [Stencil] public static char Chars(char c, int d) { c++; c += (char)d; return (char)(c + 1); }
            [Stencil] public static byte Bytes(byte b, sbyte s, short h) { b += 200; b *= 3; b <<= 2; b >>= 1; s -= 100; h ^= 0x7FFF; return (byte)(b + s + h); }
            [Stencil] public static Op Enums(Op op, Big big) { op |= Op.Mul; op++; op = op + 1; var d = op - Op.Add; return big == Big.Min ? Op.Add : (Op)d; }
            [Stencil] public static long Literals() => unchecked(int.MinValue + long.MinValue + (long)ulong.MaxValue + uint.MaxValue + (short)-5 + (sbyte)-128 + 'x' + (nint)(-3) + (long)(nuint)7 + Limit);
            [Stencil] public static long Pointers(long* p, int i, byte* q, void* v)
            {
                long* r = p + i;
                r++;
                --r;
                *r += 3;
                p[i] = p[i + 1] * 2;
                p[i++]++;
                long d = (r - p) + (q + 3 - q);
                bool lt = p < r && r >= p && p != null;
                int* ip = (int*)v;
                ip[1] = (int)(nint)p;
                return d + (lt ? 1 : 0) + *(p + 1) + (long)(nint)v + (long)(q - (byte*)v);
            }
            [Stencil] public static int Targets(int x, Target yes, Target no) => 0;
            [Stencil] public static Target Branch(int x, Target yes, Target no) => x > 0 ? yes : x < 0 ? no : Target.Next;
            [Stencil] public static Target Branch2(Target t, Target u) { if (t == u || t.IsNext || t != Target.Next) return default; return u; }
            [Stencil] public static int Outs(int x, out int half, out long big) { bool even = TryHalf(x, out half); big = even ? Clamp(x, -5, 5) : Clamp((long)x * x); return half; }
            [Stencil] public static long Swaps(long a, long b) { Swap(ref a, ref b); return a - b; }
            [Stencil] public static int Loops(int n)
            {
                int sum = 0;
                for (int i = 0; i < n; i++) { if (i == 3) continue; if (i > 100) break; sum += i; }
                int j = 0;
                while (j < n) { j++; if (j == 50) break; }
                do { j--; } while (j > 0);
                for (;;) { break; }
                for (int a = 0, b = 10; a < b; a++, b--) sum ^= a * b;
                return sum + j;
            }
            [Stencil] public static int Switches(int x, char c, Op op)
            {
                int r = 0;
                switch (x)
                {
                    case 1: r = 10; break;
                    case 2:
                    case 3: int y = x * 2; r = y; break;
                    default: r = -1; break;
                    case int.MinValue: return 5;
                }
                switch (c) { case 'a': r++; break; case '\u1234': r--; break; }
                switch (op) { case Op.Add: r += 100; break; default: break; }
                return r;
            }
            [Stencil] public static long FunctionPointers(delegate* unmanaged<int, long> f, delegate* unmanaged[Cdecl]<long*, void> g, long* p, int x)
            {
                g(p);
                var h = f;
                return f(x) + h(x + 1);
            }
            [Stencil] public static int Conversions(long l, ulong ul, int i, nint n, nuint un)
            {
                sbyte a = (sbyte)l; byte b = (byte)l; short c = (short)ul; ushort d = (ushort)i; char e = (char)l;
                uint f = (uint)l; int g = (int)ul; long h = (long)ul; ulong k = (ulong)i; nint m = (nint)l; nuint o = (nuint)i;
                int* p = (int*)l; long q = (long)p; int r = (int)(nuint)p; byte* s = (byte*)(void*)p; ulong t = (ulong)s;
                return a + b + c + d + e + (int)f + g + (int)h + (int)k + (int)m + (int)o + (int)q + r + (int)t + (int)n + (int)un;
            }
            [Stencil] public static int Floats(int a, long b)
            {
                float f = a * 0.5f;
                double d = b / 3.0;
                d += f;
                f = (float)d;
                f++;
                bool lt = f < d;
                return (int)f + (int)d + (lt ? 1 : 0) + (byte)d + (int)(long)d + (int)(uint)f + (int)(ulong)d + (int)(-f) + unchecked((int)1e30);
            }
            [Stencil] public static int Misc(int x)
            {
                int _ = 3;
                _ = x;
                int unused;
                unused = 4;
                const int k = 7;
                int v = sizeof(long) + sizeof(Op) + sizeof(int*) + (nameof(x) == "x" ? 0 : 1);
                unchecked { v += k; }
                v = unchecked(v * 31);
                ;
                return v + default(int) + (int)default(nint);
            }
            [Stencil] public static int Keywords(int @int, int @char, int auto, int register, int é) { int @double = @int + @char; int @volatile = auto * register; return @double + @volatile + é; }
            [Stencil] public static int CallsStencil(int a, int b) => Add(a, b) + Add(b, a);
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
            [Stencil] public static void Nothing() { }
            [Stencil] public static void VoidWork(long* p) { *p = 1; return; }
            [Stencil] public static int Assignments(int* p, int x)
            {
                int a, b;
                a = b = x;
                int c = (a += 2) + (b -= 1);
                p[a & 3] = p[b & 3] = c;
                *p = x++ + ++x;
                return a + b + c + x--;
            }
        }
        """;

    [Fact]
    public void BroadLibraryTranslatesWithoutDiagnostics()
    {
        var library = TranslationHarness.Translate(BroadLibrary);
        Assert.Empty(library.Diagnostics.Select(d => d.ToString()));
        Assert.Equal(library.Stencils.Count, library.Functions.Count);
    }

    [Fact]
    public void BroadLibraryCompilesWithClang()
    {
        var library = TranslationHarness.Translate(BroadLibrary);
        Assert.Empty(library.Diagnostics.Select(d => d.ToString()));
        string c = library.AllC();
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "patchouly-broad.c"), c);
        TranslationHarness.AssertCompiles(c);
    }
}
