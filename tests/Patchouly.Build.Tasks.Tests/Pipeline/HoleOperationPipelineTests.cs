using System.Collections.Generic;
using System.Linq;
using Iced.Intel;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>
/// Operations on a value hole (<c>X64HoleOperations</c>): on linux-x64 the narrow variant's hole is the immediate of the
/// operation's own instruction (an imm32 of a 32-bit operation, a sign-extended imm32 of a 64-bit one, an imm8 shift
/// count: R_X86_64_32, R_X86_64_32S and R_X86_64_8 mapped to Abs32, Abs32S and Abs8); on win-x64 only 32-bit operations
/// are (COFF has ADDR32 but neither a sign-extended nor an 8-bit relocation); the wide variants are plain C everywhere.
/// </summary>
public class HoleOperationPipelineTests
{
    private const string Source = """
        using Patchouly;
        namespace H;
        [StencilLibrary(Registers = 2)]
        public static partial class HoleOps
        {
            [Stencil] public static uint AddI32(int a, [Hole] int k) => (uint)(a + k);
            [Stencil] public static uint MulI32(int a, [Hole] int k) => (uint)(a * k);
            [Stencil] public static long ShlI64(long a, [Hole] int k) => a << k;
            [Stencil] public static uint SarI32(int a, [Hole] int k) => (uint)(a >> k);
            [Stencil] public static long AndI64(long a, [Hole] long k) => a & k;
            [Stencil] public static Target BranchLtI64(long a, [Hole] long k, Target taken) => a < k ? taken : Target.Next;
            [Stencil] public static Target BranchGeUI32(int a, [Hole] int k, Target taken) => (uint)a >= (uint)k ? taken : Target.Next;
            [Stencil] public static long Reassigned(long a, [Hole] int k) { k++; return a << k; }
        }
        """;

    private static ExtractedVariantView Variant(BuildTarget target, string family, string locations)
    {
        var built = TestStencils.Build(Source, target);
        string prefix = built.Model.Families.Single(f => f.Name == family).CName;
        var v = built.Extracted.Variants.Single(x => x.Symbol == prefix + "__" + locations);
        return new ExtractedVariantView(v.Code, v.Relocations);
    }

    private sealed record ExtractedVariantView(byte[] Code, IReadOnlyList<Relocation> Relocations)
    {
        public Relocation Hole => Assert.Single(Relocations, r => r.Patch == PatchKind.Hole);

        /// <summary>The instruction whose bytes hold the hole's field.</summary>
        public Instruction HoleInstruction
        {
            get
            {
                var decoder = Decoder.Create(64, new ByteArrayCodeReader(Code));
                uint at = Hole.Offset;
                while (decoder.IP < (ulong)Code.Length)
                {
                    var i = decoder.Decode();
                    if (at >= i.IP && at < i.NextIP) return i;
                }
                throw new Xunit.Sdk.XunitException("no instruction holds the hole's field");
            }
        }

        public bool UsesCl()
        {
            var decoder = Decoder.Create(64, new ByteArrayCodeReader(Code));
            while (decoder.IP < (ulong)Code.Length)
            {
                var i = decoder.Decode();
                for (int o = 0; o < i.OpCount; o++)
                    if (i.GetOpKind(o) == OpKind.Register && i.GetOpRegister(o) == Register.CL) return true;
            }
            return false;
        }
    }

    [Theory]
    [InlineData("AddI32", Mnemonic.Add, RelocationKind.Abs32)]
    [InlineData("MulI32", Mnemonic.Imul, RelocationKind.Abs32)]
    [InlineData("ShlI64", Mnemonic.Shl, RelocationKind.Abs8)]
    [InlineData("SarI32", Mnemonic.Sar, RelocationKind.Abs8)]
    [InlineData("AndI64", Mnemonic.And, RelocationKind.Abs32S)]
    public void On_linux_x64_the_narrow_hole_is_the_operations_immediate(string family, Mnemonic mnemonic, RelocationKind kind)
    {
        var narrow = Variant(BuildTargets.LinuxX64, family, "r0__r1");
        Assert.Equal((kind, 0L), (narrow.Hole.Kind, narrow.Hole.Addend));
        Assert.Equal(mnemonic, narrow.HoleInstruction.Mnemonic);
        Assert.False(narrow.UsesCl());
        Assert.Equal(RelocationKind.Abs64, Variant(BuildTargets.LinuxX64, family, "r0__r1__w").Hole.Kind);
    }

    [Theory]
    [InlineData("BranchLtI64", RelocationKind.Abs32S)]
    [InlineData("BranchGeUI32", RelocationKind.Abs32)]
    public void On_linux_x64_a_comparison_with_a_hole_is_one_cmp_imm(string family, RelocationKind kind)
    {
        var narrow = Variant(BuildTargets.LinuxX64, family, "r0__");
        Assert.Equal(kind, narrow.Hole.Kind);
        var cmp = narrow.HoleInstruction;
        Assert.Equal(Mnemonic.Cmp, cmp.Mnemonic);
        Assert.Equal(OpKind.Register, cmp.Op0Kind);
        Assert.Equal(Register.R13, cmp.Op0Register.GetFullRegister());
    }

    [Fact]
    public void On_linux_x64_a_reassigned_hole_stays_plain_C()
    {
        var narrow = Variant(BuildTargets.LinuxX64, "Reassigned", "r0__r1");
        Assert.Equal(RelocationKind.Abs32, narrow.Hole.Kind);
        Assert.True(narrow.UsesCl());
    }

    [Theory]
    [InlineData("AddI32", Mnemonic.Add)]
    [InlineData("MulI32", Mnemonic.Imul)]
    [InlineData("BranchGeUI32", Mnemonic.Cmp)]
    public void On_win_x64_a_32_bit_operation_takes_the_hole_as_its_ADDR32_immediate(string family, Mnemonic mnemonic)
    {
        var narrow = Variant(BuildTargets.WinX64, family, family.StartsWith("Branch") ? "r0__" : "r0__r1");
        Assert.Equal(RelocationKind.Abs32, narrow.Hole.Kind);
        Assert.Equal(mnemonic, narrow.HoleInstruction.Mnemonic);
    }

    [Theory]
    [InlineData("ShlI64")]
    [InlineData("SarI32")]
    [InlineData("AndI64")]
    public void On_win_x64_shifts_and_64_bit_operations_load_the_hole_with_a_zero_extending_mov(string family)
    {
        var narrow = Variant(BuildTargets.WinX64, family, "r0__r1");
        Assert.Equal(RelocationKind.Abs32, narrow.Hole.Kind);
        Assert.Equal(Mnemonic.Mov, narrow.HoleInstruction.Mnemonic);
    }
}
