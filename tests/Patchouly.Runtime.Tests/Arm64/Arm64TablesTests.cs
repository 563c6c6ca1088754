using System;
using System.Linq;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;
using static Patchouly.Runtime.Tests.Arm64.Arm64Jit;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>Arm64 tables the runtime cannot patch are reported with typed exceptions, and the field writers' ranges.</summary>
[Collection(nameof(TargetTestsCollection))]
public class Arm64TablesTests
{
    /// <summary>A library whose <paramref name="family"/> variants are rewritten by <paramref name="rewrite"/>.</summary>
    private static StencilLibrary Corrupted(string family, Func<byte[], Relocation[], (byte[], Relocation[])> rewrite) =>
        Arm64TestStencils.Create("Corrupt" + family, (name, _, code, relocations) =>
        {
            if (name != family) return (code, relocations, null);
            var (c, r) = rewrite(code, relocations);
            return (c, r, null);
        });

    private static StencilTablesException EmitAdd(StencilLibrary library)
    {
        var b = new FunctionBuilder(library);
        var e = Assert.Throws<StencilTablesException>(() => b.Emit(library.GetFamily("Add"), [R0, R1], [R2]));
        Assert.Equal(0, b.CodeSize);
        b.Emit(library.GetFamily("Sub"), [R0, R1], [R2]); // other stencils are unaffected
        return e;
    }

    [Fact]
    public void X64RelocationKindInArm64CodeIsCorrupt()
    {
        var library = Corrupted("Add", (c, r) => (c, [new Relocation(0, RelocationKind.Abs32, PatchKind.Hole, 0, 0), .. r]));
        var e = EmitAdd(library);
        Assert.Contains("is not a relocation of Arm64 code", e.Message);
    }

    [Fact]
    public void Branch26OnAnInstructionThatIsNotABranchIsCorrupt()
    {
        // The trailing "b next" relocation moved onto the add before it.
        var library = Corrupted("Add", (c, r) => (c, r.Select(x => x.Patch == PatchKind.Next ? x with { Offset = (ushort)(x.Offset - 8) } : x).OrderBy(x => x.Offset).ToArray()));
        var e = EmitAdd(library);
        Assert.Contains("not a b or bl", e.Message);
    }

    [Fact]
    public void OverlappingRelocationsAreCorrupt()
    {
        // A second relocation on the trailing b: two fields in one instruction word.
        var library = Corrupted("Add", (c, r) => (c, [.. r, r[^1] with { Patch = PatchKind.Hole }]));
        var e = EmitAdd(library);
        Assert.Contains("overlaps the relocation before it", e.Message);
    }

    [Fact]
    public void BranchWithAnAddendThatIsNotAWholeInstructionIsCorrupt()
    {
        var library = Corrupted("Add", (c, r) => (c, r.Select(x => x.Patch == PatchKind.Next ? x with { Addend = 2 } : x).ToArray()));
        var e = EmitAdd(library);
        Assert.Contains("addend is not a whole number of instructions", e.Message);
    }

    [Fact]
    public void MisalignedRelocationIsCorrupt()
    {
        var library = Corrupted("Add", (c, r) => (c, r.Select(x => x with { Offset = (ushort)(x.Offset - 2) }).ToArray()));
        var e = EmitAdd(library);
        Assert.Contains("4-byte aligned", e.Message);
    }

    [Fact]
    public void CodeThatIsNotWholeWordsIsCorrupt()
    {
        var library = Corrupted("Add", (c, r) => ([.. c, 0, 0], r));
        var e = EmitAdd(library);
        Assert.Contains("not a whole number of 4-byte Arm64 instructions", e.Message);
    }

    [Fact]
    public void EntryShimWithoutItsBodyCallIsCorrupt()
    {
        var library = Corrupted("__entry", (c, r) => (c, r.Where(x => x.Patch != PatchKind.Target).ToArray()));
        Assert.Contains("does not call the function body", Assert.Throws<StencilTablesException>(() => new FunctionBuilder(library)).Message);
    }

    [Fact]
    public void CheckedNarrowHoleWithoutWideTwinRefusesLargeValues()
    {
        // A family whose only variant has the narrow movz G1 / movk G0_NC pair: values of 2^32 and more fit nowhere.
        var b = new Arm64LibraryBuilder(2);
        b.Add(new("__entry", StencilFamilyKind.Entry, 0, 0, [], 1, false, "", Arm64LibraryBuilder.EntryShim));
        b.Add(new("__move", StencilFamilyKind.Move, 1, 1, [], 0, false, "", c => c.Asm.JumpNext()));
        b.Add(new("__jump", StencilFamilyKind.Jump, 0, 0, [], 1, false, "", c => c.Asm.JumpTarget(0)));
        b.Add(new("Narrow", StencilFamilyKind.Normal, 0, 1, [64], 0, false, "long Narrow([Hole] long v)", c =>
        {
            c.LoadHole(0, 8);
            c.Store(0, 8);
            c.Asm.JumpNext();
        }));
        var library = b.Build("NarrowOnly");
        var builder = new FunctionBuilder(library);
        builder.Emit(library.GetFamily("Narrow"), default, [R0], [0xFFFF_FFFFUL]);
        var e = Assert.Throws<HoleValueException>(() => builder.Emit(library.GetFamily("Narrow"), default, [R0], [0x1_0000_0000UL]));
        Assert.Contains("Arm64MovwG1", e.Message);
        Assert.Equal(0x1_0000_0000UL, e.Value);
    }

    [Theory]
    [InlineData(RelocationKind.Arm64MovwG0, 0xFFFFUL, true)]
    [InlineData(RelocationKind.Arm64MovwG0, 0x1_0000UL, false)]
    [InlineData(RelocationKind.Arm64MovwG1, 0xFFFF_FFFFUL, true)]
    [InlineData(RelocationKind.Arm64MovwG1, 0x1_0000_0000UL, false)]
    [InlineData(RelocationKind.Arm64MovwG2, 0xFFFF_FFFF_FFFFUL, true)]
    [InlineData(RelocationKind.Arm64MovwG2, 0x1_0000_0000_0000UL, false)]
    [InlineData(RelocationKind.Arm64MovwG0Nc, ulong.MaxValue, true)]
    [InlineData(RelocationKind.Arm64MovwG3, ulong.MaxValue, true)]
    [InlineData(RelocationKind.Arm64Branch26, (1UL << 27) - 4, true)]
    [InlineData(RelocationKind.Arm64Branch26, 1UL << 27, false)]
    [InlineData(RelocationKind.Arm64Branch26, 0xFFFF_FFFF_F800_0000UL, true)]
    [InlineData(RelocationKind.Arm64Branch26, 0xFFFF_FFFF_F7FF_FFFCUL, false)]
    [InlineData(RelocationKind.Arm64Branch26, 6UL, false)] // not a whole instruction
    public void FieldRanges(RelocationKind kind, ulong value, bool fits)
    {
        var code = new byte[12];
        code.AsSpan().Fill(0xAA);
        Assert.Equal(fits, RelocationWriter.TryWrite(code, 4, kind, value));
        if (!fits) Assert.All(code, b => Assert.Equal(0xAA, b));
    }

    [Theory]
    [InlineData(RelocationKind.Arm64MovwG0, 0, 0xFFFFUL, 0x1_0000UL)]
    [InlineData(RelocationKind.Arm64MovwG1, 8, 0xFFFF_FFF7UL, 0xFFFF_FFF8UL)]
    [InlineData(RelocationKind.Arm64MovwG2, 0, 0xFFFF_FFFF_FFFFUL, 0x1_0000_0000_0000UL)]
    [InlineData(RelocationKind.Arm64MovwG2, -16, 0x1_0000_0000_000FUL, 0x1_0000_0000_0010UL)]
    [InlineData(RelocationKind.Abs16, 0, 0xFFFF_FFFF_FFFF_8000UL, 0x1_0000UL)]
    public void HoleChecksAcceptExactlyTheFieldRange(RelocationKind kind, int addend, ulong largestAccepted, ulong smallestRefused)
    {
        var (min, max) = RelocationFields.AbsoluteRange(kind);
        var check = new Internal.HoleCheck(0, addend, min, max);
        Assert.True(check.Accepts(largestAccepted));
        Assert.False(check.Accepts(smallestRefused));
        Assert.Equal(RelocationFields.Fits(kind, unchecked(largestAccepted + (ulong)(long)addend)), check.Accepts(largestAccepted));
        Assert.Equal(RelocationFields.Fits(kind, unchecked(smallestRefused + (ulong)(long)addend)), check.Accepts(smallestRefused));
    }

    [Fact]
    public void Arm64RelocationKindInX64CodeIsCorrupt()
    {
        var b = new Stencils.TestLibraryBuilder(2);
        b.Add(new("__entry", StencilFamilyKind.Entry, 0, 0, [], 1, false, "", Stencils.TestLibraryBuilder.EntryShim));
        b.Add(new("__move", StencilFamilyKind.Move, 1, 1, [], 0, false, "", c => c.Asm.JumpNext()));
        b.Add(new("__jump", StencilFamilyKind.Jump, 0, 0, [], 1, false, "", c => c.Asm.JumpTarget(0)));
        b.Add(new("Movw", StencilFamilyKind.Normal, 0, 1, [64], 0, false, "long Movw([Hole] long v)", c =>
        {
            c.Asm.Bytes([0, 0, 0, 0], 0, RelocationKind.Arm64MovwG0Nc, PatchKind.Hole, 0, 0);
            c.Asm.JumpNext();
        }));
        var library = b.Build("X64WithArm64Kind");
        var builder = new FunctionBuilder(library);
        var e = Assert.Throws<StencilTablesException>(() => builder.Emit(library.GetFamily("Movw"), default, [R0], [1]));
        Assert.Contains("is not a relocation of X64 code", e.Message);
    }

    [Fact]
    public void FieldWritersKeepTheOtherBitsOfTheInstruction()
    {
        var code = new byte[8];
        BitConverter.TryWriteBytes(code.AsSpan(0), A64.MovK(9, 0, 32));
        BitConverter.TryWriteBytes(code.AsSpan(4), A64.Bl(0));
        RelocationWriter.Write(code, 0, RelocationKind.Arm64MovwG2Nc, 0x1122_3344_5566_7788);
        RelocationWriter.Write(code, 4, RelocationKind.Arm64Branch26, unchecked((ulong)-8L));
        Assert.Equal(A64.MovK(9, 0x3344, 32), BitConverter.ToUInt32(code, 0));
        Assert.Equal(A64.Bl(-8), BitConverter.ToUInt32(code, 4));
        Assert.False(RelocationWriter.TryWrite(code, 2, RelocationKind.Arm64MovwG0Nc, 1)); // not at an instruction
        Assert.False(RelocationWriter.TryWrite(code, 8, RelocationKind.Arm64MovwG0Nc, 1)); // outside
    }
}
