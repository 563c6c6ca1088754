using System;
using System.Collections.Generic;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>stackalloc, unaligned memory access, pointer arithmetic, function pointers, Unsafe on pointers.</summary>
public class StackAllocAndMemoryTests : DifferentialLibrary
{
    public StackAllocAndMemoryTests(ITestOutputHelper output) : base(output) { }

    internal const string Source = """
        using System;
        using System.Runtime.CompilerServices;
        using Patchouly;

        namespace Lang;

        public struct Pair { public long A; public int B; }

        [StencilLibrary(Registers = 2)]
        public static unsafe partial class Memory
        {
            static long SumOf(long* p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
            static int Scratch(int v) { int* t = stackalloc int[4]; t[v & 3] = v; return t[0] + t[3]; }

            [Stencil] public static long Fill(long n) { long* buf = stackalloc long[16]; for (int i = 0; i < 16; i++) buf[i] = i * n; return SumOf(buf, 16); }
            [Stencil] public static int Zeroed(int i) { int* p = stackalloc int[64]; return p[i & 63] + p[(i >> 6) & 63]; }
            [Stencil] public static int Initialized(int i) { int* p = stackalloc int[] { 3, 5, 7, i }; p[1] += i; return p[i & 3] * 10 + p[1]; }
            [Stencil] public static long Large(long v) { byte* b = stackalloc byte[4096]; b[v & 4095] = 1; b[(v >> 12) & 4095] += 2; long s = 0; for (int i = 0; i < 4096; i += 61) s += b[i] * i; return s + b[v & 4095]; }
            [Stencil] public static long StructArray(int v) { Pair* p = stackalloc Pair[4]; p[1].A = v; p[2].B = v * 3; p[v & 3].B++; return p[1].A + p[2].B + p[3].B + p[0].A; }
            [Stencil] public static int TwoArrays(int v) { int* a = stackalloc int[8]; int* b = stackalloc int[8]; a[v & 7] = 1; b[0] = 2; b[(v >> 3) & 7] += a[0]; return a[0] + b[0] * 10 + b[7] * 100; }
            [Stencil] public static int InHelper(int v) => Scratch(v) + Scratch(v + 1);
            [Stencil] public static long Misaligned(byte* p, int i) { long* q = (long*)(p + 1 + (i & 7)); *q += 5; q[1] ^= i; short* s = (short*)(p + 33); s[i & 3]--; return *q + q[1] + *s + Unsafe.ReadUnaligned<long>(p + 3); }
            [Stencil] public static double MisalignedDouble(byte* p, int i) { double* d = (double*)(p + 3 + (i & 3)); *d = *d * 2 + 1; float* f = (float*)(p + 41); f[0] += f[1]; return *d + d[2] + f[0]; }
            [Stencil] public static long UnsafeReadWrite(byte* p, long v)
            {
                Unsafe.Write(p, v);
                Unsafe.WriteUnaligned(p + 9, (int)v);
                long a = Unsafe.Read<long>(p + 16) + Unsafe.ReadUnaligned<int>(p + 9);
                void* q = Unsafe.Add<long>(p, 3);
                void* r = Unsafe.Subtract<int>(q, 2);
                Unsafe.AsRef<short>(r) = (short)v;
                return a + *(long*)q + Unsafe.SizeOf<Pair>() + (long)((byte*)r - p);
            }
            [Stencil] public static long UnsafeAs(double d)
            {
                long bits = Unsafe.As<double, long>(ref d);
                Unsafe.As<double, int>(ref d) ^= 1;
                float f = Unsafe.BitCast<int, float>((int)bits);
                int* pi = (int*)Unsafe.AsPointer(ref bits);
                return bits ^ Unsafe.BitCast<double, long>(d) ^ (long)Unsafe.BitCast<float, uint>(f) ^ pi[1];
            }
            [Stencil] public static long PointerMath(long* p, long i)
            {
                long* q = p + (i & 15);
                long* r = q - 3;
                nint n = (nint)r - (nint)p;
                ulong u = (ulong)q;
                return (q - p) + n + (long)(u - (ulong)p) + (q > r ? 1 : 0) + (p[i & 7] == q[-1] ? 2 : 0);
            }
            [Stencil] public static long CallHost(long a, delegate* unmanaged<long, long> triple, [Hole] delegate* unmanaged<long*, long, void> poke, long* p)
            {
                poke(p, a);
                return triple(a) + triple(p[0]);
            }
            [Stencil] public static Target Search(long* p, long v, Target found, out long index)
            {
                index = -1;
                for (int i = 0; i < 8; i++) if (p[i] == v || (p[i] & 0xFF) == (v & 0xFF)) { index = i; return found; }
                return Target.Next;
            }
            // A cold exit: the outputs are unspecified there (the native code leaves them unwritten), the harness skips them.
            [Stencil] public static Target CheckedLoad(long* p, long i, [Target(Cold = true)] Target outOfRange, out long value)
            {
                value = 42;
                if ((ulong)i >= 8) return outOfRange;
                value = p[i];
                return Target.Next;
            }
        }
        """;

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static long Triple(long x) => unchecked(x * 3 + 1);

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static unsafe void Poke(long* p, long v) => p[v & 3] = unchecked(p[v & 3] * 7 + v);

    private static readonly Lazy<Harness> s_harness = new(() =>
    {
        unsafe
        {
            var functions = new Dictionary<string, nint>
            {
                ["triple"] = (nint)(delegate* unmanaged<long, long>)&Triple,
                ["poke"] = (nint)(delegate* unmanaged<long*, long, void>)&Poke,
            };
            return Harness.Create([Source], functions: functions);
        }
    });

    public static IEnumerable<object[]> Stencils => StencilNames(Source);

    [Theory]
    [MemberData(nameof(Stencils))]
    public void Agrees_with_managed_code(string stencil) => Check(s_harness.Value, stencil);
}
