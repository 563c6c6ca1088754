using System.Linq;
using Xunit.Abstractions;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>
/// Structs, <c>stackalloc</c>, unaligned memory access and intrinsics: the shape of the C (struct declarations with
/// layout assertions, alignment-1 accesses, no constant that clang could put in .rodata), that it compiles with
/// -Werror, and that it means what the C# means (differentially, under UBSan, see <see cref="Differential"/>).
/// The full pipeline (clang with the build's flags, extraction, execution in every placement) is tested in
/// Patchouly.Differential.Tests.
/// </summary>
public class MemoryAndIntrinsicsTests
{
    private readonly ITestOutputHelper _output;

    public MemoryAndIntrinsicsTests(ITestOutputHelper output) => _output = output;

    internal const string StructLibrary = TranslationHarness.Usings + """
        using System.Runtime.InteropServices;
        using System.Runtime.CompilerServices;

        public struct Point { public int X; public int Y; }
        public struct Box { public Point Min; public Point Max; public bool Open; public char Tag; }
        [StructLayout(LayoutKind.Sequential, Pack = 2)] public struct Packed { public byte A; public long B; }
        [StructLayout(LayoutKind.Explicit, Size = 16)] public struct Overlay { [FieldOffset(0)] public long L; [FieldOffset(4)] public int Hi; [FieldOffset(3)] public short Odd; }
        public unsafe struct WithBuffer { public int Count; public fixed int Items[4]; public WithBuffer* Next; }

        [StencilLibrary]
        public static unsafe partial class Memory
        {
            static Point Make(int x, int y) => new Point { X = x, Y = y };
            static int Sum(Point p) => p.X + p.Y;

            [Stencil] public static long Fields(Point* buf, int i) { buf->X = i; buf[1].Y += i * 3; (*buf).Y--; return buf->X + buf[1].Y + (*buf).Y; }
            [Stencil] public static long Nested(Box* buf, int i) { buf->Max.X = i; buf->Min = buf->Max; buf->Open = i > 0; buf->Tag = (char)i; return buf->Min.X + (buf->Open ? 100 : 0) + buf->Tag; }
            [Stencil] public static long Locals(Point* buf, int i) { Point p = *buf; p.X += i; Point q = default; q.Y = p.X; buf[1] = q; Point r = Make(i, 2); return Sum(p) + Sum(q) + Sum(r); }
            [Stencil] public static long PackedAndOverlay(Packed* buf, long v) { buf->B = v; Overlay* o = (Overlay*)(buf + 2); o->L = v; return buf->B + buf->A + o->Hi + o->Odd; }
            [Stencil] public static long FixedBuffers(WithBuffer* buf, int i) { buf->Items[i & 3] = i; buf->Next = buf; return buf->Next->Items[0] + buf->Count; }
            [Stencil] public static long AddressOfFields(Point* buf, int i) { int* y = &buf[1].Y; *y = i; return (long)((byte*)y - (byte*)buf) + buf[1].Y; }
            [Stencil] public static long StackAlloc(int i) { long* a = stackalloc long[8]; a[i & 7] = i; int* b = stackalloc int[] { 1, 2, 3 }; return a[0] + a[7] + b[i & 1]; }
            [Stencil] public static long Unaligned(long* buf, int i) { long* p = (long*)((byte*)buf + 1 + (i & 7)); *p += i; return *p + Unsafe.ReadUnaligned<long>((byte*)buf + 3); }
            [Stencil] public static long UnsafeMethods(long* buf, long v) { Unsafe.Write(buf + 1, v); double d = Unsafe.Read<double>(buf + 1); Unsafe.As<double, long>(ref d) ^= 1; return Unsafe.BitCast<double, long>(d) + Unsafe.SizeOf<Point>() + *(long*)Unsafe.Add<long>(buf, 1); }
            [Stencil] public static long Bools(long* buf, int i) { bool* b = (bool*)buf; b[i & 7] = i > 0; return (b[0] ? 1 : 0) + (b[i & 7] ? 2 : 0); }
        }
        """;

    internal const string IntrinsicLibrary = TranslationHarness.Usings + """
        using System.Numerics;

        [StencilLibrary]
        public static partial class Intrinsics
        {
            [Stencil] public static long MinMax(long a, long b) => Math.Min(a, b) * 3 + Math.Max((int)a, (int)b) + Math.Clamp(a, -100, 100) + (long)Math.Max((uint)a, (uint)b);
            [Stencil] public static long Abs(long a, int b) => Math.Abs(a) + Math.Abs(b) + Math.Abs((short)b) + Math.Sign(a) + Math.Sign((sbyte)b);
            [Stencil] public static long Floating(long a, long b) { double x = (double)a / (b | 1); float f = (float)x; return (long)Math.Sqrt(Math.Abs(x)) + (long)Math.Floor(x) + (long)Math.Ceiling(x) * 3 + (long)Math.Truncate(x) * 5 + (long)Math.Round(x * 2.5) * 7 + (long)Math.Round(x, MidpointRounding.AwayFromZero) + (long)MathF.Round(f) + (long)Math.Max(x, 0.5) + (long)MathF.Min(f, 2f) + (long)Math.CopySign(3.0, x); }
            [Stencil] public static long FloatingEdges(long a) { double x = BitConverter.Int64BitsToDouble(a); return (double.IsNaN(x) ? 1 : 0) + (double.IsInfinity(x) ? 2 : 0) + (double.IsNegative(x) ? 4 : 0) + (Math.Max(x, -x) > 1 ? 8 : 0) + BitConverter.DoubleToInt64Bits(Math.Floor(x)) % 1000 + BitConverter.DoubleToInt64Bits(Math.Round(x)) % 1000; }
            [Stencil] public static long Bits(long a, int n) => BitOperations.PopCount((ulong)a) + BitOperations.LeadingZeroCount((uint)a) * 100L + BitOperations.TrailingZeroCount(a) * 10000L + BitOperations.Log2((ulong)a) * 1000000L + (long)BitOperations.RotateLeft((ulong)a, n) + int.RotateRight((int)a, n) + byte.LeadingZeroCount((byte)a) + (BitOperations.IsPow2(a) ? 3 : 0);
        }
        """;

    [Fact]
    public void StructsAreDeclaredWithTheirLayoutAsserted()
    {
        var library = TranslationHarness.Translate(StructLibrary);
        Assert.Empty(library.Diagnostics);
        string prelude = library.Prelude;
        _output.WriteLine(prelude);
        // Forward declarations first, then definitions in dependency order (Point before Box), each with its assertions.
        Assert.Contains("struct s_Point;", prelude);
        Assert.True(prelude.IndexOf("struct s_Point\n{", System.StringComparison.Ordinal) < prelude.IndexOf("struct s_Box\n{", System.StringComparison.Ordinal));
        Assert.Contains("_Static_assert(sizeof(struct s_Box) == 20, \"the C layout of Box differs from the .NET layout: sizeof must be 20\");", prelude);
        Assert.Contains("_Static_assert(offsetof(struct s_Box, f_Tag) == 18,", prelude);
        // bool fields are bytes; Pack uses #pragma pack; explicit layout places each field with a packed struct.
        Assert.Contains("uint8_t f_Open;", prelude);
        Assert.Contains("#pragma pack(push, 2)", prelude);
        Assert.Contains("_Static_assert(offsetof(struct s_Packed, f_B) == 2,", prelude);
        Assert.Contains("struct __attribute__((packed)) { uint8_t pr_at2[3]; int16_t f_Odd; };", prelude);
        Assert.Contains("_Static_assert(sizeof(struct s_Overlay) == 16,", prelude);
        Assert.Contains("int32_t f_Items[4];", prelude);
        Assert.Contains("struct s_WithBuffer* f_Next;", prelude);
        // Memory is accessed through alignment-1 types; bools read from memory are "non-zero".
        Assert.Contains("typedef __typeof__(int64_t) pr_ua_int64_t __attribute__((aligned(1)));", prelude);
        Assert.Contains("typedef __typeof__(uint8_t) pr_ua_bool __attribute__((aligned(1)));", prelude);
        Assert.Contains("(((pr_ua_bool*)v_b)[0] != 0)", library.Functions["Bools"]);
        Assert.Contains("((pr_ua_bool*)v_b)[(v_i & 7)] = (v_i > 0);", library.Functions["Bools"]);
    }

    [Fact]
    public void StructsCompileWithWarningsAsErrors()
    {
        var library = TranslationHarness.Translate(StructLibrary);
        Assert.Empty(library.Diagnostics);
        TranslationHarness.AssertCompiles(library.AllC());
    }

    [Fact]
    public void StackAllocIsAFunctionScopeArrayZeroedWhereItIsEvaluated()
    {
        var library = TranslationHarness.Translate(StructLibrary);
        string c = library.Functions["StackAlloc"];
        _output.WriteLine(c);
        // Declared at the top of the function (C# stackalloc memory lives until the method returns).
        Assert.StartsWith("{\n    uint64_t sa_1[8] __attribute__((aligned(16)));", c.Substring(c.IndexOf('{')));
        Assert.Contains("uint64_t sa_2[2] __attribute__((aligned(16)));", c);
        Assert.Contains("_Pragma(\"clang loop vectorize(disable) interleave(disable)\") for (uint32_t t_", c);
        Assert.Contains("((pr_ua_int32_t*)sa_2)[2] = 3;", c);
    }

    [Fact]
    public void SkipLocalsInitLeavesStackAllocUninitialized()
    {
        var library = TranslationHarness.Translate(TranslationHarness.Usings + """
            [StencilLibrary]
            public static unsafe partial class Skip
            {
                [System.Runtime.CompilerServices.SkipLocalsInit]
                [Stencil] public static long S(int i) { long* a = stackalloc long[8]; a[i & 7] = i; return a[i & 7]; }
            }
            """);
        Assert.Empty(library.Diagnostics);
        Assert.DoesNotContain("for (", library.Functions["S"]);
    }

    [Fact]
    public void FloatConstantsIncludingZeroAreBuiltFromTheirBits()
    {
        var library = TranslationHarness.Translate(TranslationHarness.Usings + """
            [StencilLibrary]
            public static partial class Consts
            {
                [Stencil] public static double S(double x, float f) { x++; return x * 0.0 + -x + f * 0.5f + (double)(ulong)x + (ulong)x; }
            }
            """);
        Assert.Empty(library.Diagnostics);
        string c = library.Functions["S"];
        _output.WriteLine(c);
        Assert.Contains("pr_f64(0x0000000000000000ULL /* 0 */)", c);
        Assert.Contains("pr_f64(0x3FF0000000000000ULL /* 1 */)", c);
        Assert.Contains("pr_neg_f64(", c);
        Assert.Contains("pr_tof64_u64(", c);
        Assert.DoesNotContain(" 0.0", c);
        Assert.DoesNotContain("1.0)", c);
        Assert.Contains("pr_opaque_i64", library.Prelude);
    }

    /// <summary>
    /// A stencil that only reads memory through its pointers (inputs, holes) reads a float or double as itself, which
    /// clang loads straight into a float register; any write through a pointer, address taken, stackalloc or call keeps
    /// the read hidden as bits (pr_f64/pr_f32), since clang could then fold it into a constant in .rodata.
    /// </summary>
    [Fact]
    public void FloatsAreReadAsThemselvesOnlyFromMemoryClangCannotSeeInto()
    {
        var library = TranslationHarness.Translate(TranslationHarness.Usings + """
            public struct Cell { public double D; public float F; }
            [StencilLibrary]
            public static unsafe partial class Loads
            {
                static double Twice(double x) => x + x;
                [Stencil] public static double Plain(double* p, [Hole] Cell* c, int i, out float f) { f = c->F * ((float*)p)[i]; return p[i] + *(p + 1) + c->D; }
                [Stencil] public static double WritesThroughAPointer(double* p, long* q) { *q = 0x3FF0000000000000; return *p; }
                [Stencil] public static double TakesAnAddress(double* p, long l) { long* q = &l; return *p + *(double*)q; }
                [Stencil] public static double AllocatesOnTheStack(double* p) { long* b = stackalloc long[1]; b[0] = 1; return *p + *(double*)b; }
                [Stencil] public static double Calls(double* p) => Twice(*p);
                [Stencil] public static double ReadsItsOutParameter(double* p, out double v) { v = *p; v += 1.0; return v; }
                static double Helper(double* p) => *p;
                [Stencil] public static double ThroughAHelper(double* p) => Helper(p);
                [Stencil] public static double ReadFirst(double* p) => *p;
                [Stencil] public static double CallsAStencilReadBefore(double x) { double l = x; return ReadFirst(&l); }
                [Stencil] public static double CallsAStencilReadAfter(double x) { double l = x; return ReadLast(&l); }
                [Stencil] public static double ReadLast(double* p) => *p;
            }
            """);
        Assert.Empty(library.Diagnostics);
        string plain = library.Functions["Plain"];
        _output.WriteLine(plain);
        Assert.DoesNotContain("pr_f64(", plain);
        Assert.DoesNotContain("pr_f32(", plain);
        Assert.Contains("pr_ua_double*", plain);
        foreach (var name in new[] { "WritesThroughAPointer", "TakesAnAddress", "AllocatesOnTheStack", "Calls" })
            Assert.Contains("pr_f64(__builtin_bit_cast(uint64_t, ", library.Functions[name]);
        // A helper's pointer may come from its caller's local.
        _output.WriteLine(library.Prelude);
        Assert.Matches(@"_Helper\(double\* v_p\)\s*\{\s*return pr_f64\(__builtin_bit_cast\(uint64_t, ", library.Prelude);
        // A stencil called by another stencil reads as itself in its own variants and as bits in the helper, whichever
        // role was translated first.
        foreach (var name in new[] { "ReadFirst", "ReadLast" })
        {
            Assert.DoesNotContain("pr_f64(", library.Functions[name]);
            Assert.Matches(@"_" + name + @"\(double\* v_p\)\s*\{\s*return pr_f64\(__builtin_bit_cast\(uint64_t, ", library.Prelude);
        }
        // The out parameter is a local of the variant's wrapper, which clang sees into: its read stays hidden.
        Assert.Contains("pr_f64(__builtin_bit_cast(uint64_t, (*v_v))", library.Functions["ReadsItsOutParameter"]);
    }

    [Fact]
    public void LoopsAreNotVectorized()
    {
        var library = TranslationHarness.Translate(SemanticsTests.ControlLibrary);
        Assert.All(library.Functions.Values.Where(f => f.Contains("for (") || f.Contains("while (")), f =>
            Assert.Contains("#pragma clang loop vectorize(disable) interleave(disable)", f));
    }

    [Fact]
    public void IntrinsicsUseBuiltinsAndPreludeHelpers()
    {
        var library = TranslationHarness.Translate(IntrinsicLibrary);
        Assert.Empty(library.Diagnostics);
        string prelude = library.Prelude;
        _output.WriteLine(prelude);
        Assert.Contains("__builtin_elementwise_sqrt(x)", prelude);   // sqrtsd, never libm's sqrt
        Assert.Contains("double pr_roundm_f64(double x, int mode)", prelude);
        Assert.Contains("if (x == INT64_MIN) __builtin_trap();", prelude);   // Math.Abs(long.MinValue) throws
        Assert.Contains("if (min > max) __builtin_trap();", prelude);        // Math.Clamp throws
        Assert.Contains("return x == 0 ? 32 : __builtin_clz((uint32_t)x) - 0;", prelude);
        Assert.Contains("__builtin_popcountll(x)", prelude);
        Assert.DoesNotContain("__builtin_sqrt(", prelude);
        Assert.DoesNotContain("__builtin_floor", prelude);
        TranslationHarness.AssertCompiles(library.AllC());
    }

    private void Report(Differential.Outcome outcome)
    {
        _output.WriteLine($"{outcome.Stencils} stencils, {outcome.Calls} compared calls, {outcome.Skipped} inputs skipped because C# throws");
        Assert.True(outcome.Calls > outcome.Stencils * 10);
    }

    [Fact]
    public void StructsStackAllocAndUnalignedAccessMatchManagedUnderUBSan() => Report(Differential.Run(StructLibrary));

    [Fact]
    public void IntrinsicsMatchManagedUnderUBSan() => Report(Differential.Run(IntrinsicLibrary));
}
