using System.Linq;
using Xunit.Abstractions;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>
/// The translated C means what the C# means: each stencil is run as managed code and as the translated C on many
/// inputs (edge values and random ones), see <see cref="Differential"/>.
/// </summary>
public class SemanticsTests
{
    private readonly ITestOutputHelper _output;

    public SemanticsTests(ITestOutputHelper output) => _output = output;

    private void Report(Differential.Outcome outcome)
    {
        _output.WriteLine($"{outcome.Stencils} stencils, {outcome.Calls} compared calls, {outcome.Skipped} inputs skipped because C# throws");
        foreach (var (name, count) in outcome.ThrowsByStencil.OrderBy(p => p.Key)) _output.WriteLine($"  {name}: {count} throwing inputs");
        Assert.True(outcome.Calls > outcome.Stencils * 10);
    }

    internal const string IntegerLibrary = TranslationHarness.Usings + """
        public enum Color : byte { Red = 1, Green = 2, Blue = 4, White = 255 }
        public enum Wide : long { X = 0x0F0F_0F0F_0F0F_0F0F, Y = -5 }
        public enum Small : sbyte { Neg = -100, Pos = 100 }

        [StencilLibrary]
        public static unsafe partial class Ints
        {
            [Stencil] public static int AddI(int a, int b) => a + b;
            [Stencil] public static int SubI(int a, int b) => a - b;
            [Stencil] public static int MulI(int a, int b) => a * b;
            [Stencil] public static int DivI(int a, int b) => a / b;
            [Stencil] public static int RemI(int a, int b) => a % b;
            [Stencil] public static uint DivU(uint a, uint b) => a / b;
            [Stencil] public static uint RemU(uint a, uint b) => a % b;
            [Stencil] public static long DivL(long a, long b) => a / b;
            [Stencil] public static long RemL(long a, long b) => a % b;
            [Stencil] public static ulong DivUL(ulong a, ulong b) => a / b;
            [Stencil] public static ulong RemUL(ulong a, ulong b) => a % b;
            [Stencil] public static nint DivN(nint a, nint b) => a / b + a % b;
            [Stencil] public static nuint DivNU(nuint a, nuint b) => a / b + a % b;
            [Stencil] public static int DivConst(int a) => a / 7 + a % -3 + a / -2 + a / 1;
            [Stencil] public static int DivMinusOne(int a) => a / -1;
            [Stencil] public static long DivSmall(short a, sbyte b) => a / b + a % b;
            [Stencil] public static long MulL(long a, long b) => a * b - (a + b);
            [Stencil] public static ulong MulUL(ulong a, ulong b) => a * b + (a - b);
            [Stencil] public static uint MulU(uint a, uint b) => a * b - b;
            [Stencil] public static int MulShort(ushort a, ushort b) => a * b;
            [Stencil] public static int Neg(int a) => -a;
            [Stencil] public static long NegL(long a) => -a + ~a;
            [Stencil] public static long NegU(uint a) => -a;
            [Stencil] public static nint NegN(nint a) => -a;
            [Stencil] public static int Cpl(int a, uint b) => ~a ^ (int)~b;
            [Stencil] public static int Plus(int a) => +a;
            [Stencil] public static int Shl(int a, int b) => a << b;
            [Stencil] public static int Shr(int a, int b) => a >> b;
            [Stencil] public static int Ushr(int a, int b) => a >>> b;
            [Stencil] public static uint ShU(uint a, int b) => (a << b) ^ (a >> b) ^ (a >>> (b + 1));
            [Stencil] public static long ShL(long a, int b) => (a << b) ^ (a >> (b * 3)) ^ (a >>> (b - 7));
            [Stencil] public static ulong ShUL(ulong a, int b) => (a << b) + (a >> b);
            [Stencil] public static nint ShN(nint a, int b) => (a << b) ^ (a >> b) ^ (a >>> b);
            [Stencil] public static nuint ShNU(nuint a, int b) => (a << b) ^ (a >> b);
            [Stencil] public static int ShSmall(byte a, short b, int c) => (a << c) + (b >> c) + (b >>> c);
            [Stencil] public static long ShConst(long a) => (a << 65) + (a >> 70) + (a >>> 127) + (a << -1) + (a >> 0);
            [Stencil] public static int ShConst32(int a) => (a << 33) + (a >> -1) + (a >>> 32);
            [Stencil] public static bool CmpMixed(int a, uint b) => a < b;
            [Stencil] public static int Cmps(int a, int b) => (a < b ? 1 : 0) | (a <= b ? 2 : 0) | (a > b ? 4 : 0) | (a >= b ? 8 : 0) | (a == b ? 16 : 0) | (a != b ? 32 : 0);
            [Stencil] public static int CmpsU(uint a, uint b) => (a < b ? 1 : 0) | (a <= b ? 2 : 0) | (a > b ? 4 : 0) | (a >= b ? 8 : 0) | (a == b ? 16 : 0) | (a != b ? 32 : 0);
            [Stencil] public static int CmpsL(long a, long b) => (a < b ? 1 : 0) | (a <= b ? 2 : 0) | (a > b ? 4 : 0) | (a >= b ? 8 : 0) | (a == b ? 16 : 0) | (a != b ? 32 : 0);
            [Stencil] public static int CmpsUL(ulong a, ulong b) => (a < b ? 1 : 0) | (a <= b ? 2 : 0) | (a > b ? 4 : 0) | (a >= b ? 8 : 0) | (a == b ? 16 : 0) | (a != b ? 32 : 0);
            [Stencil] public static int CmpsSmall(sbyte a, byte b) => (a < b ? 1 : 0) | (a == b ? 2 : 0) | ((char)a > (char)b ? 4 : 0) | ((short)a >= (ushort)b ? 8 : 0);
            [Stencil] public static long MixUI(uint a, int b) => a + b;
            [Stencil] public static long MixUI2(uint a, int b) => a * b - a / (b | 1);
            [Stencil] public static ulong MixUL(ulong a, uint b) => a + b * 3;
            [Stencil] public static int Narrow(long a) => (sbyte)a + (byte)a + (short)a + (ushort)a + (char)a;
            [Stencil] public static long Narrow2(ulong a) => (int)a + (uint)a + (long)(sbyte)a + (long)(nint)a + (long)(nuint)a;
            [Stencil] public static long Widen(sbyte a, byte b, short c, ushort d) => a * 1000003L + b * 1009L + (long)c * 31 + d;
            [Stencil] public static ulong Widen2(int a, sbyte b) => (ulong)a + (ulong)b + (uint)a + (ulong)(char)b;
            [Stencil] public static long Widen3(uint a, ushort b, char c) => (long)a + (long)(int)a + (long)(short)b + (long)c + (nint)(int)a;
            [Stencil] public static char Chars(char c, int d) { c++; c += (char)d; c -= 'a'; return (char)(c * 3); }
            [Stencil] public static int CharArith(char a, char b) => a * b + a - b;
            [Stencil] public static byte Bytes(byte b, int d) { b += (byte)d; b *= 3; b <<= 3; b >>= 1; b -= 7; b |= 1; b ^= 0x55; b++; ++b; return b--; }
            [Stencil] public static sbyte SBytes(sbyte s, int d) { s += (sbyte)d; s *= 5; s <<= 2; s >>= 1; s >>>= 1; s--; return (sbyte)-s; }
            [Stencil] public static short Shorts(short s, ushort u) { s *= (short)u; u += 60000; s /= (short)(u | 1); s %= 1000; return (short)(s + u); }
            [Stencil] public static int CompoundInt(int a, int b) { a += b; a -= 3; a *= b; a ^= b; a |= 5; a &= ~b; a <<= b; a >>= 3; a >>>= b; a %= 1000; a /= 3; return a; }
            [Stencil] public static long CompoundLong(long a, int b) { a <<= b; a += b; a >>>= b + 1; a *= b; a -= long.MinValue; return a; }
            [Stencil] public static uint CompoundMixed(uint a, int b) { a += (uint)b; a *= 7; a -= (uint)(b * 3); a >>= b; return a; }
            [Stencil] public static ulong CompoundUL(ulong a, long b) { a += (ulong)b; a /= 3; a %= (ulong)b | 1; a <<= (int)b; return a; }
            [Stencil] public static int CompoundDiv(int a, int b) { a /= b; return a; }
            [Stencil] public static long IncDec(int a, long b) { int x = a++; int y = ++a; long z = b--; long w = --b; return x + y + z + w + a + b; }
            [Stencil] public static uint IncDecU(uint a, ulong b) { a++; b--; uint c = a--; ulong d = ++b; return a + c + (uint)b + (uint)d; }
            [Stencil] public static long IncDecN(nint a, nuint b) { a--; ++b; return (long)a + (long)b++ + (long)b; }
            [Stencil] public static int IntMinEdge(int a) => a == int.MinValue ? -a : a - 1;
            [Stencil] public static long Literals(int a) => a + int.MinValue + long.MinValue + (long)uint.MaxValue + unchecked((long)ulong.MaxValue) + (short)-32768 + 'z' + sbyte.MinValue + 0x7FFF_FFFF_FFFF_FFFFL * 0;
            [Stencil] public static ulong ULiterals(ulong a) => a ^ ulong.MaxValue ^ 0x8000_0000_0000_0000UL ^ (nuint)ulong.MaxValue;
            [Stencil] public static bool Bools(bool a, bool b, int c) => (a & b) | (a ^ b) || !a && c > 3 || a == b && a != (c < 0);
            [Stencil] public static int BoolOps(bool a, bool b) { bool c = a & b; bool d = a | b; bool e = a ^ b; bool f = !a; c &= d; e |= f; d ^= c; return (c ? 1 : 0) + (d ? 2 : 0) + (e ? 4 : 0) + (f ? 8 : 0); }
            [Stencil] public static Color Enums(Color c, int d) { c += (byte)d; c |= Color.Blue; c++; Color e = c - 1; byte diff = (byte)(c - Color.Red); c--; c &= ~Color.Green; return (Color)((int)e ^ diff ^ (int)c); }
            [Stencil] public static long EnumsWide(Wide e, long d) => (long)(e + d) ^ (long)(e & Wide.X) ^ (e < Wide.Y ? 1 : 0) ^ (long)(e - Wide.X) ^ (long)~e;
            [Stencil] public static int EnumsSmall(Small s, int d) { s += (sbyte)d; s--; return (int)s * 7 + (s > Small.Neg ? 1 : 0) + (int)(s ^ Small.Pos); }
            [Stencil] public static nint NativeInts(nint a, nuint b) { nint c = a + (nint)b; nuint d = b * 3; c <<= 3; c >>= 1; d >>>= 2; return c + (nint)d - (nint)(b >> 2) + (a < 0 ? 1 : 0); }
            [Stencil] public static int Ternary(int a, int b) => a > b ? a - b : b - a;
            [Stencil] public static long Discard(long a) { _ = a + 1; return a; }
            [Stencil] public static int Sizes(int a) => a * (sizeof(long) + sizeof(char) + sizeof(Color) + sizeof(Wide) + sizeof(nint) + sizeof(bool));
            [Stencil] public static long Defaults(long a) => a + default(long) + (long)default(Color) + default(char) + (default(bool) ? 1 : 0);
            [Stencil] public static int Unchecked(int a, int b) => unchecked(a * b + int.MaxValue);
        }
        """;

    [Fact]
    public void IntegerArithmeticMatchesManaged()
    {
        var outcome = Differential.Run(IntegerLibrary);
        Report(outcome);
        // The division stencils skip the inputs for which C# throws; the C traps there instead.
        Assert.True(outcome.ThrowsByStencil.ContainsKey("DivI"));
        Assert.True(outcome.ThrowsByStencil.ContainsKey("RemL"));
        Assert.True(outcome.ThrowsByStencil.ContainsKey("DivMinusOne"));
        Assert.True(outcome.ThrowsByStencil.ContainsKey("DivUL"));
    }

    internal const string ControlLibrary = TranslationHarness.Usings + """
        public enum Color : byte { Red = 1, Green = 2, Blue = 4 }

        [StencilLibrary]
        public static partial class Control
        {
            static int Sq(int x) => x * x;
            static int Side(ref int counter, int v) { counter = counter * 10 + v; return v; }
            static long Fib(int n) { long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
            static bool IsOdd(int x) => (x & 1) != 0;
            static void Inc(ref long x, long by) { x += by; }
            static int Sum3(int a, int b, int c) => a * 100 + b * 10 + c;
            static bool TryDouble(int x, out int d) { d = x * 2; return x > 0; }
            static int Twice(int x) => Sq(x) + Sq(x + 1);

            [Stencil] public static int Loop1(int n) { int sum = 0; for (int i = 0; i < n; i++) { if (i % 3 == 0) continue; sum += i * i; if (sum > 10000) break; } return sum; }
            [Stencil] public static int WhileLoop(int n) { int i = 0, s = 0; while (i < n) { i++; if (i == 7) continue; s ^= i << 3; } return s; }
            [Stencil] public static int DoWhile(int n) { int i = 0; do { i += 3; if (i > 50) break; } while (i < n); return i; }
            [Stencil] public static int Nested(int n, int m)
            {
                int s = 0;
                for (int i = 0; i < n; i++)
                {
                    if (i > 20) break;
                    for (int j = 0; j < m; j++)
                    {
                        if (j == i) break;
                        if ((i + j) % 4 == 1) continue;
                        s += i * j;
                    }
                }
                return s;
            }
            [Stencil] public static int ForMulti(int n) { int s = 0; for (int i = 0, j = n; i < j; i += 2, j--) s += j - i; return s; }
            [Stencil] public static int SwitchInt(int a)
            {
                switch (a)
                {
                    case 0: return 100;
                    case 1:
                    case 2: return 200 + a;
                    default: return -a;
                    case -5: return 5;
                    case int.MaxValue: return 7;
                    case int.MinValue: return 8;
                }
            }
            [Stencil] public static long SwitchLong(long a)
            {
                long r = 1;
                switch (a)
                {
                    case long.MinValue: r = 10; break;
                    case long.MaxValue: r = 20; break;
                    case 0x1_0000_0000: r = 30; break;
                    case -1: r = 40; break;
                }
                return r * 3;
            }
            [Stencil] public static int SwitchChar(char c) { switch (c) { case 'a': return 1; case '\uffff': return 2; case (char)0: return 3; default: return 4; } }
            [Stencil] public static int SwitchEnum(Color c) { switch (c) { case Color.Red: return 1; case Color.Blue: return 2; default: return (int)c; } }
            [Stencil] public static int SwitchInLoop(int n)
            {
                int s = 0;
                for (int i = 0; i < n; i++)
                {
                    switch (i % 5)
                    {
                        case 0: continue;
                        case 1: s += 1; break;
                        case 2: if (s > 30) break; s += 10; break;
                        default: s *= 2; break;
                    }
                    s++;
                }
                return s;
            }
            [Stencil] public static int SwitchLocals(int a)
            {
                switch (a & 3)
                {
                    case 0: int y = a * 2; return y;
                    case 1: y = a + 7; return y * 3;
                    default: { int z = a; return z - 1; }
                }
            }
            [Stencil] public static int Helpers(int a, int b) => Sq(a) + Sq(b) + (IsOdd(a) ? 1 : 0) + (int)Fib(b & 15) + Twice(a);
            [Stencil] public static int Order1(int a) { int c = 0; int r = Side(ref c, 1) + Side(ref c, 2) * Side(ref c, 3); return r * 100000 + c + a; }
            [Stencil] public static int Order2(int a) { int c = a; return Sum3(Side(ref c, 1), c, Side(ref c, 2)) + c; }
            [Stencil] public static int Order3(int a) => a + (a = 5) * a + a++ + ++a;
            [Stencil] public static int Order4(int a) { int y = (a += 3) * (a -= 1) - a; return y; }
            [Stencil] public static int Order5(int a) { int b = a; int r = b * 10 + (b = 3) + b++ * 7 + Side(ref b, 4) + b; return r; }
            [Stencil] public static int Order6(int a) { int c = a; c += Side(ref c, 9); return c; }
            [Stencil] public static int Order7(int a) { int c = 1; int d = Sum3(c, c = 2, c++) + c; return d; }
            [Stencil] public static int Assign(int a) { int x, y, z; x = y = z = a; x += y -= z ^= 7; return x * 1000 + y * 10 + z; }
            [Stencil] public static Target Targets(int a, Target yes, Target no) => a > 0 ? yes : a < 0 ? no : Target.Next;
            [Stencil] public static Target Targets2(Target yes, Target no) { if (yes == no) return Target.Next; if (yes != Target.Next && !no.IsNext) return no; return yes; }
            [Stencil] public static Target Targets3(int a, Target t) { Target x = default; if (a > 3) x = t; return x; }
            [Stencil] public static int CallsStencil(int a, int b) => Ternary(a, b) + Helpers(a, 1);
            [Stencil] public static int Ternary(int a, int b) => a > b ? a - b : b - a;
            [Stencil] public static int OutParams(int a, out int q, out long r) { q = a / 3; r = (long)a * a; return a - 1; }
            [Stencil] public static void OutOnly(long a, out byte b, out bool c) { b = (byte)a; c = a < 0; }
            [Stencil] public static long RefHelper(long a, long b) { Inc(ref a, b); Inc(ref a, a); return a; }
            [Stencil] public static int OutVar(int a) => TryDouble(a, out var d) ? d : -d;
            [Stencil] public static int OutDiscard(int a) => TryDouble(a, out _) ? 1 : 0;
            [Stencil] public static int OutVarInLoop(int n) { int s = 0; for (int i = 0; i < n; i++) { if (TryDouble(i - 3, out int d)) s += d; } return s; }
            [Stencil] public static int ConstLocals(int a) { const int k = 12; const long big = 1L << 40; return (int)((a * k + big) >> 20); }
            [Stencil] public static bool ShortCircuit(int a) { int c = 0; bool r = (a > 0 && Side(ref c, 1) > 0) || Side(ref c, 2) > 5; return r ^ (c == 12); }
            [Stencil] public static int Conditional(int a) { int c = 0; int r = a > 0 ? Side(ref c, 1) : Side(ref c, 2) + Side(ref c, 3); return r * 100 + c; }
        }
        """;

    [Fact]
    public void ControlFlowHelpersAndEvaluationOrderMatchManaged()
    {
        var outcome = Differential.Run(ControlLibrary);
        Report(outcome);
    }

    internal const string PointerLibrary = TranslationHarness.Usings + """
        [StencilLibrary]
        public static unsafe partial class Pointers
        {
            static long Bump(long* p) { *p += 10; return *p; }
            static void SetTo(int* p, int v) { *p = v; }

            [Stencil] public static long Load(long* buf, int i) => buf[i];
            [Stencil] public static void Store(long* buf, int i, long v) { buf[i] = v; }
            [Stencil] public static long PtrArith(long* buf, int i, int j) { long* p = buf + i; long* q = buf - j; return (p - q) * 1000 + *(p + 1) + q[-1] + *(2 + q); }
            [Stencil] public static long PtrIndexTypes(long* buf, int i, long a) { uint u = (uint)(i & 7); long l = i; ulong ul = (ulong)(i & 3); byte b = (byte)(i & 5); return buf[u] + buf[l] + buf[ul] + buf[b] + *(buf + u) + *(buf - l) + a; }
            [Stencil] public static long PtrIncDec(long* buf, int i) { long* p = buf + i; p++; *p += 5; p--; (*p)--; ++p; long r = *p++ + *--p; return r + (p - buf); }
            [Stencil] public static long ElementIncDec(long* buf, int i) { buf[i]++; ++buf[i + 1]; buf[i - 1]--; long x = buf[i]++ + buf[i]--; return x + buf[i]; }
            [Stencil] public static long BytePtr(long* buf, int i, int v) { byte* b = (byte*)buf; b[i + 8] = (byte)v; b[i + 9] += (byte)v; short* s = (short*)(b + 16); s[i & 3] -= (short)v; sbyte* sb = (sbyte*)b; sb[i]--; return b[i + 8] + s[0] + sb[i] + *(ushort*)(b + 3); }
            [Stencil] public static long ComplexLvalue(long* buf, int i) { int k = i; buf[k++] += k; buf[k++] *= buf[k]; buf[k] = buf[k--] + k; return k + buf[i]; }
            [Stencil] public static int Compare(long* buf, int i, int j) { long* p = buf + i; long* q = buf + j; return (p < q ? 1 : 0) + (p <= q ? 2 : 0) + (p == q ? 4 : 0) + (p != q ? 8 : 0) + (p > q ? 16 : 0) + (p >= q ? 32 : 0); }
            [Stencil] public static long PtrDiffOdd(long* buf, int i) { byte* b = (byte*)buf + i * 3; long* p = (long*)b; return (p - buf) * 100 + (buf - p); }
            [Stencil] public static int AddressOfLocal(long* buf, int v) { int x = v; int* px = &x; *px += 3; SetTo(px, *px * 2); int y = x; SetTo(&y, y + 1); return x * 1000 + y; }
            [Stencil] public static long NullPtr(long* buf, int i) { long* p = null; long* q = p + i; byte* z = default; return (long)q + (p == null ? 1 : 0) + (long)(z + i) + (q - p); }
            [Stencil] public static long PtrToInt(long* buf, int i) { nint a = (nint)(buf + i); int lo = (int)(buf + i); ulong u = (ulong)(buf + i); return a - (nint)buf + (lo - (int)buf) + (long)(u - (ulong)buf); }
            [Stencil] public static long IntToPtr(long* buf, int i) { long addr = (long)buf; long* p = (long*)(addr + i * 8); nint n = (nint)buf; long* q = (long*)n + i; return *p + *q; }
            [Stencil] public static long VoidPtr(long* buf, int i) { void* v = buf + i; long* p = (long*)v; int* w = (int*)v; w[1] = 77; return *p + (long)((byte*)v - (byte*)buf); }
            [Stencil] public static long FnPtr(long* buf, delegate* unmanaged<int, long> triple, int i) => triple(i) + triple(i + 1) * 10;
            [Stencil] public static long FnPtrVoid(long* buf, delegate* unmanaged<long*, int, void> poke, int i) { poke(buf, i); poke(buf, i + 1); return buf[i] + buf[i + 1]; }
            [Stencil] public static long FnPtrOrder(long* buf, delegate* unmanaged<long*, int, void> poke, int i) { long r = buf[i] + Call(poke, buf, i) + buf[i]; return r; }
            static long Call(delegate* unmanaged<long*, int, void> f, long* p, int i) { f(p, i); return 1; }
            [Stencil] public static long FnPtrLocal(long* buf, delegate* unmanaged[Cdecl]<int, long> triple, int i) { var f = triple; delegate* unmanaged<int, long> g = (delegate* unmanaged<int, long>)f; return g(i) + (f == triple ? 1 : 0); }
            [Stencil] public static long OrderMem(long* buf, int i) { long r = buf[0] + Bump(buf) + buf[0]; return r; }
            [Stencil] public static long OrderMem2(long* buf, int i) { buf[0] = Bump(buf) + buf[0]; buf[1] += Bump(buf + 1); return buf[0] + buf[1]; }
            [Stencil] public static long OutPtr(long* buf, int i, out long v, out int w) { v = buf[i] * 2; w = (int)(buf + i - buf); return 1; }
            [Stencil] public static long PtrToPtr(long* buf, int i) { long** pp = (long**)(buf + 20); *pp = buf + i; pp[1] = *pp + 1; return **pp + *pp[1] + (pp[1] - pp[0]); }
            [Stencil] public static long BoolPtr(long* buf, int i) { bool* b = (bool*)(buf + 8); *(long*)b = 0x0100_0001_0100_0100; b[0] = i > 0; b[1] = !b[0]; b[i & 7] |= true; return (b[0] ? 1 : 0) + (b[1] ? 2 : 0) + *(byte*)(b + 7); }
            [Stencil] public static long IntToPtrExtension(long* buf, int a, long b) => (long)(byte*)a ^ (long)(byte*)(uint)a * 3 ^ (long)(void*)(short)a * 5 ^ (long)(byte*)(sbyte)a * 7 ^ (long)(int*)(ulong)b * 11 ^ (long)(char*)(ushort)a * 13 ^ (long)(byte*)(nint)b * 17;
            [Stencil] public static long PtrToNarrow(long* buf, long b) { byte* p = (byte*)b; return (int)p + (uint)p * 3L + (short)p * 5 + (sbyte)p * 7 + (ushort)p * 11 + (char)(ushort)p * 13 + (long)(ulong)p + (byte)p; }
            [Stencil] public static long CharPtr(long* buf, int i) { char* c = (char*)buf; c[i + 8]++; c[i + 9] = (char)(c[i + 8] * 3); return c[i + 8] + c[i + 9]; }
        }
        """;

    internal const string PointerNatives = """
        __attribute__((visibility("default"))) int64_t triple(int32_t x) { return (int64_t)x * 3 + 1; }
        __attribute__((visibility("default"))) void poke(int64_t* p, int32_t i) { p[i] = p[i] * 7 + i; }
        """;

    [Fact]
    public void PointersMemoryAndFunctionPointersMatchManaged()
    {
        var outcome = Differential.Run(PointerLibrary, PointerNatives);
        Report(outcome);
    }

    internal const string FloatLibrary = TranslationHarness.Usings + """
        [StencilLibrary]
        public static partial class Floats
        {
            static double Half(double d) => d * 0.5;

            [Stencil] public static int F1(int a, int b) { float f = a; float g = b; return (int)(f / g); }
            [Stencil] public static long F2(long a, long b) { double d = (double)a / b; return (long)d; }
            [Stencil] public static long FSmall(long a, long b) { double d = (double)a / b * 1000; return (byte)d + (sbyte)d * 1000 + (short)d * 7 + (char)d * 3 + (ushort)d; }
            [Stencil] public static long FUnsigned(long a, long b) { double d = (double)a / b * 1e6; return (long)(ulong)d ^ (long)(uint)d ^ (long)(nuint)d ^ (long)(nint)d; }
            [Stencil] public static long FFloat(int a, int b) { float f = (float)a / b * 1e5f; return (long)f + (int)(ulong)f + (uint)f; }
            [Stencil] public static int FCmp(long a, long b) { double x = (double)a / b; double y = (double)b / a; return (x < y ? 1 : 0) | (x == y ? 2 : 0) | (x != y ? 4 : 0) | (x >= y ? 8 : 0) | (x > y ? 16 : 0) | (x <= y ? 32 : 0); }
            [Stencil] public static long FConv(long a) { float f = a; double d = a; ulong u = (ulong)a; float fu = u; double du = u; uint w = (uint)a; return (long)(f - d) + (long)(fu - du) + (long)(float)w + (long)(double)(int)a; }
            [Stencil] public static long FArith(int a, int b) { double d = a; d *= 1.1; d -= b; d /= 3; float f = (float)d; f++; f--; --f; f += 0.25f; return (long)(f * 1000); }
            [Stencil] public static long FNeg(int a) { double d = -(double)a; float z = -0.0f; return (long)d + (long)(1 / z) + (long)(1 / -z); }
            [Stencil] public static long FLiterals(int a) { double d = a * 0.1 + 1e300 * 1e10 + double.Epsilon; float f = a * 3.4e38f * 10f; return (long)(d * 1e-300) + (long)f + (long)(double.NaN * a) + unchecked((long)(float.MinValue * 0.5f)) + (long)(a * 1e-30f * 1e30f); }
            [Stencil] public static long FHelper(long a) => (long)Half(a) + (long)Half(Half(a * 3.0));
            [Stencil] public static long FMulAdd(long a, long b) { double x = a * 1.0000001; double y = b * 0.9999999; return (long)(x * y + x) ^ (long)(x * y - y); }
            [Stencil] public static int FTernary(int a) { float f = a > 0 ? 1.5f : -2.5f; return (int)(f * a); }
        }
        """;

    [Fact]
    public void FloatingPointMatchesManaged()
    {
        var outcome = Differential.Run(FloatLibrary);
        Report(outcome);
    }
}
