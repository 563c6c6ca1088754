using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Tests.Parsing;
using Patchouly.Generators.Translation;
using Patchouly.Generators.Variants;

namespace Patchouly.Generators.Tests.Translation;

/// <summary>
/// Which operations on a value hole the translator names (<c>PATCHOULY_IMM(NAME, hN, operand, plain C)</c>) for a
/// target to encode as an immediate, which it leaves as plain C, and how the C writer gives the narrow and wide variants
/// their own copy of such a body.
/// </summary>
public class HoleOperationTests
{
    private const string Library = TranslationHarness.Usings + """
        [StencilLibrary(Registers = 2)]
        public static partial class Ops
        {
            static int Helper(int a, int k) => a + k;

            [Stencil] public static int AddI32(int a, [Hole] int k) => a + k;
            [Stencil] public static long SubI64(long a, [Hole] long k) => a - k;
            [Stencil] public static int MulLeft(int a, [Hole] int k) => k * a;
            [Stencil] public static uint XorU32(uint a, [Hole] uint k) => a ^ k;
            [Stencil] public static ulong OrU64(ulong a, [Hole] ulong k) => a | k;
            [Stencil] public static long ShlI64(long a, [Hole] int k) => a << k;
            [Stencil] public static int SarI32(int a, [Hole] int k) => a >> k;
            [Stencil] public static int ShrLogical(int a, [Hole] int k) => a >>> k;
            [Stencil] public static uint ShrU32(uint a, [Hole] int k) => a >> k;
            [Stencil] public static long LtUnsigned(int a, [Hole] int k) => (uint)a < (uint)k ? 1 : 0;
            [Stencil] public static long HoleLess(long a, [Hole] long k) => k < a ? 1 : 0;
            [Stencil] public static long HoleAtLeastU(ulong a, [Hole] ulong k) => k >= a ? 1 : 0;
            [Stencil] public static Target Branch(int a, [Hole] int k, Target t) => a != k ? t : Target.Next;
            [Stencil] public static int SecondHole(int a, [Hole] int s, [Hole] int k) => (a << s) + k;

            [Stencil] public static int SubFrom(int a, [Hole] int k) => k - a;
            [Stencil] public static int ShiftByHoleLeft(int a, [Hole] int k) => k << a;
            [Stencil] public static long Widened(long a, [Hole] int k) => a + k;
            [Stencil] public static int Constant([Hole] int k) => 3 * k;
            [Stencil] public static int Bytes(int a, [Hole] byte k) => a + k;
            [Stencil] public static short Shorts(short a, [Hole] short k) => (short)(a + k);
            [Stencil] public static int BothHoles([Hole] int j, [Hole] int k) => j + k;
            [Stencil] public static int Reassigned(int a, [Hole] int k) { k = k * 2; return a + k; }
            [Stencil] public static int Incremented(int a, [Hole] int k) { k++; return a + k; }
            [Stencil] public static int ThroughHelper(int a, [Hole] int k) => Helper(a, k);
            [Stencil] public static int CallsStencil(int a, int b) => AddI32(a, b);
            [Stencil] public static long Values(long a, long b) => a + b;
            [Stencil] public static double Floats(double a, [Hole] double k) => a + k;
        }
        """;

    private static TranslatedLibrary Translated => s_translated ??= TranslationHarness.Translate(Library);
    private static TranslatedLibrary? s_translated;

    private static string[] Operations(string stencil) =>
        Regex.Matches(Translated.Functions[stencil], @"PATCHOULY_IMM\((\w+), (h\d+), ").Select(m => m.Groups[1].Value + " " + m.Groups[2].Value).ToArray();

    [Theory]
    [InlineData("AddI32", "ADD32 h0")]
    [InlineData("SubI64", "SUB64 h0")]
    [InlineData("MulLeft", "MUL32 h0")]
    [InlineData("XorU32", "XOR32 h0")]
    [InlineData("OrU64", "OR64 h0")]
    [InlineData("ShlI64", "SHL64 h0")]
    [InlineData("SarI32", "SAR32 h0")]
    [InlineData("ShrLogical", "SHR32 h0")]
    [InlineData("ShrU32", "SHR32 h0")]
    [InlineData("LtUnsigned", "LTU32 h0")]
    [InlineData("HoleLess", "GT64 h0")]
    [InlineData("HoleAtLeastU", "LEU64 h0")]
    [InlineData("Branch", "NE32 h0")]
    [InlineData("SecondHole", "SHL32 h0", "ADD32 h1")]
    public void An_operation_on_a_hole_is_named(string stencil, params string[] expected)
    {
        Assert.Empty(Translated.Diagnostics.Select(d => d.ToString()));
        Assert.Equal(expected.OrderBy(x => x), Operations(stencil).OrderBy(x => x));
    }

    [Fact]
    public void The_other_operand_and_the_plain_C_are_the_arguments()
    {
        // k * a: the hole is the right operand of the named operation; the plain C keeps C#'s order.
        string body = Translated.Functions["MulLeft"];
        Assert.Contains("PATCHOULY_IMM(MUL32, h0, v_a, ((int32_t)((uint32_t)v_k * (uint32_t)v_a)))", body);
        Assert.Contains("PATCHOULY_IMM(SHL64, h0, v_a, ((int64_t)((uint64_t)v_a << (v_k & 63))))", Translated.Functions["ShlI64"]);
    }

    [Theory]
    [InlineData("SubFrom")]          // k - a: no instruction subtracts a register from an immediate
    [InlineData("ShiftByHoleLeft")]  // the hole is the shifted value, not the count
    [InlineData("Widened")]          // long + (long)int: the operand is the hole sign-extended, not its bits
    [InlineData("Constant")]         // 3 * k: clang's to fold
    [InlineData("Bytes")]            // int + (int)byte
    [InlineData("Shorts")]           // computed in int after promotion
    [InlineData("BothHoles")]
    [InlineData("Reassigned")]
    [InlineData("Incremented")]
    [InlineData("ThroughHelper")]    // the helper's parameter is a value
    [InlineData("CallsStencil")]     // AddI32 called as a helper: its k is CallsStencil's input b
    [InlineData("Values")]
    [InlineData("Floats")]
    public void Other_operations_stay_plain_C(string stencil)
    {
        Assert.Empty(Operations(stencil));
    }

    [Fact]
    public void A_helper_never_names_a_hole_and_the_prelude_defaults_to_plain_C()
    {
        string prelude = Translated.Prelude;
        Assert.Single(Regex.Matches(prelude, @"PATCHOULY_IMM\("));
        Assert.Contains("#define PATCHOULY_IMM(op, h, a, c) (c)", prelude);
    }

    [Fact]
    public void The_translated_C_compiles_with_the_plain_default()
    {
        TranslationHarness.AssertCompiles(Translated.AllC());
    }

    [Fact]
    public void The_narrow_variants_call_their_own_copy_of_the_body_and_the_wide_ones_the_plain_copy()
    {
        var c = RoslynTestHost.Compile("using Patchouly; namespace H; [StencilLibrary(Registers = 2)] public static partial class Lib { "
            + "[Stencil] public static int AddK(int a, [Hole] int k) => a + k; [Stencil] public static long Plain(long a, [Hole] long k) => a * 3 + k * 0; }");
        var parsed = StencilLibraryParser.Parse(c.GetTypeByMetadataName("H.Lib")!, c, CancellationToken.None);
        var source = CLibraryWriter.Write(parsed.Library!);
        string prefix = parsed.Library!.Families.Single(f => f.Name == "AddK").CName;
        string text = source.FullText;
        Assert.Contains($"#define PATCHOULY_IMM(op, h, a, c) PATCHOULY_IMM_##op({prefix}__##h, a, c)", text);
        Assert.Contains($"#define {prefix} {prefix}__imm", text);
        Assert.Contains($"{prefix}__imm(((int32_t)(r0)), PATCHOULY_HOLE(int32_t, PATCHOULY_NARROW_BITS({prefix}__h0)))", text);
        Assert.Contains($"{prefix}(((int32_t)(r0)), PATCHOULY_HOLE(int32_t, PATCHOULY_WIDE_BITS({prefix}__h0_w)))", text);
        Assert.Equal(VariantNames.Hole(prefix, 0, false), prefix + "__h0"); // what the pasted token names
        // Every macro has a plain-C fallback in the header, for targets that define none.
        foreach (int bits in HoleOperations.Widths)
            foreach (var op in HoleOperations.All)
                Assert.Contains($"#ifndef {HoleOperations.Macro(op, bits)}\n#define {HoleOperations.Macro(op, bits)}(sym, a, c) (c)\n#endif", source.Header);
        // A family without hole operations has one body.
        string plain = parsed.Library.Families.Single(f => f.Name == "Plain").CName;
        Assert.DoesNotContain($"{plain}__imm", text);
    }
}
