using System;
using System.Linq;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;
using Patchouly.Runtime.Targets.Arm64;
using static Patchouly.Runtime.Tables.StencilFamilyKind;
using static Patchouly.Runtime.Tests.Arm64.Arm64Jit;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// The AArch64 page kinds (<c>adrp</c> page deltas, page offsets in <c>add</c> and scaled loads/stores) and the GOT kinds:
/// golden field encodings, their use in stencils (a page-offset hole's alignment decides whether a variant fits, an
/// <c>adrp</c> of a hole fits no value), and the tables the runtime refuses with typed exceptions.
/// </summary>
[Collection(nameof(TargetTestsCollection))]
public class Arm64PageFieldTests
{
    private static byte[] Words(params uint[] words) => words.SelectMany(BitConverter.GetBytes).ToArray();

    [Theory]
    [InlineData(0x1234_5000L, 0xB0091A28u)]              // llvm-mc: adrp x8, #305418240
    [InlineData(0L, 0x90000008u)]
    [InlineData(-0x1000L, 0xF0FFFFE8u)]                  // one page back: immhi:immlo all ones
    [InlineData((1L << 32) - 0x1000, 0xF07FFFE8u)]      // the largest forward delta (llvm-mc)
    [InlineData(-(1L << 32), 0x90800008u)]               // the largest backward delta (llvm-mc)
    public void Page21GoldenWords(long delta, uint expected)
    {
        foreach (var kind in new[] { RelocationKind.Arm64Page21, RelocationKind.Arm64GotPage21 })
        {
            var code = Words(A64.Adrp(8));
            Assert.True(RelocationWriter.TryWrite(code, 0, kind, unchecked((ulong)delta)));
            Assert.Equal(expected, BitConverter.ToUInt32(code));
            Assert.Equal(delta, Arm64Fields.PageDelta(expected));
        }
    }

    [Theory]
    [InlineData(1L << 32)]
    [InlineData(-(1L << 32) - 0x1000)]
    public void Page21RefusesDeltasBeyondFourGiB(long delta)
    {
        var code = Words(A64.Adrp(8));
        Assert.False(RelocationWriter.TryWrite(code, 0, RelocationKind.Arm64Page21, unchecked((ulong)delta)));
        Assert.Equal(A64.Adrp(8), BitConverter.ToUInt32(code));
    }

    [Fact]
    public void PageFieldsNeedTheirInstructionAndAWholePage()
    {
        var code = Words(A64.Add(8, 8, 9), A64.Adrp(8), A64.LdrWImm(8, 9));
        Assert.False(RelocationWriter.TryWrite(code, 0, RelocationKind.Arm64Page21, 0x1000));      // not an adrp
        Assert.False(RelocationWriter.TryWrite(code, 4, RelocationKind.Arm64Page21, 0x1800));      // not a page
        Assert.False(RelocationWriter.TryWrite(code, 0, RelocationKind.Arm64PageOff12, 0x10));     // add (register)
        Assert.False(RelocationWriter.TryWrite(code, 8, RelocationKind.Arm64GotPageOff12, 0x10));  // a 32-bit ldr
        Assert.True(RelocationWriter.TryWrite(code, 8, RelocationKind.Arm64PageOff12, 0x10));
    }

    /// <summary>Each instruction a page offset goes into, the address, and the instruction as llvm-mc encodes it.</summary>
    public static TheoryData<uint, ulong, uint> PageOffsets() => new()
    {
        { A64.AddImm(8, 9, 0), 0x7FFF_1234_5123, 0x91048D28 },            // add x8, x9, #0x123
        { A64.AddImmW(8, 9, 0), 0x5123, 0x11048D28 },                      // add w8, w9, #0x123
        { A64.LdrbImm(8, 9), 0x1_0000_0FFF, 0x397FFD28 },                  // ldrb w8, [x9, #4095]
        { A64.LdrhImm(8, 9), 0x3006, 0x79400D28 },                         // ldrh w8, [x9, #6]
        { A64.LdrWImm(8, 9), 0x700C, 0xB9400D28 },                         // ldr w8, [x9, #12]
        { A64.LdrImm(8, 8), 0x4000_0010, 0xF9400908 },                     // ldr x8, [x8, #16]
        { A64.StrImm(8, 9), 0x18, 0xF9000D28 },                            // str x8, [x9, #24]
        { A64.LdrQImm(0, 9), 0xABC0_0020, 0x3DC00920 },                    // ldr q0, [x9, #32]
        { 0xFD400120u, 0x8, 0xFD400520 },                                  // ldr d0, [x9, #8]
    };

    [Theory]
    [MemberData(nameof(PageOffsets))]
    public void PageOff12GoldenWords(uint instruction, ulong address, uint expected)
    {
        var code = Words(instruction);
        Assert.True(RelocationWriter.TryWrite(code, 0, RelocationKind.Arm64PageOff12, address));
        Assert.Equal(expected, BitConverter.ToUInt32(code));
    }

    [Theory]
    [InlineData(0x3005UL)] // ldrh: odd
    [InlineData(0x700EUL)] // ldr w: not a multiple of 4
    public void MisalignedPageOffsetIsRefused(ulong address)
    {
        var code = Words(address == 0x3005 ? A64.LdrhImm(8, 9) : A64.LdrWImm(8, 9));
        Assert.False(RelocationWriter.TryWrite(code, 0, RelocationKind.Arm64PageOff12, address));
    }

    [Fact]
    public void GotPageOff12TakesTheEntrysOffsetInEighths()
    {
        var code = Words(A64.LdrImm(3, 7));
        Assert.True(RelocationWriter.TryWrite(code, 0, RelocationKind.Arm64GotPageOff12, 0x4000_0FF8));
        Assert.Equal(A64.LdrImm(3, 7, 0xFF8), BitConverter.ToUInt32(code));
        Assert.False(RelocationWriter.TryWrite(code, 0, RelocationKind.Arm64GotPageOff12, 0x4000_0FF4));
    }

    [Fact]
    public void AlignmentChecksAcceptOnlyMultiples()
    {
        var check = new Internal.HoleCheck(0, 4, 8);
        Assert.True(check.Accepts(4));
        Assert.True(check.Accepts(unchecked((ulong)-4L)));
        Assert.False(check.Accepts(8));
        Assert.False(check.Accepts(6));
    }

    /// <summary>
    /// A library with page-field stencils: <c>LoadWord</c> reads a 32-bit word at the hole's page offset from x21
    /// (<c>ldr w8, [x21, #:lo12:hole]</c>; no wide twin), <c>AddLow</c> adds the hole's low 12 bits
    /// (<c>add x8, x21, #:lo12:hole</c>), <c>PageAddress</c> is <c>adrp + add</c> of the hole narrow and a GOT load
    /// wide (<c>PageAddressOnly</c>: without the GOT twin), and <c>SlotLow</c> reads stack value 0 at <c>[x20, #:lo12:slot]</c>.
    /// </summary>
    private static StencilLibrary PageLibrary(string name = "Arm64PageStencils",
        Func<string, bool, byte[], Relocation[], (byte[], Relocation[], VariantFlags?)>? corrupt = null)
    {
        var b = new Arm64LibraryBuilder(2) { Corrupt = corrupt };
        b.Add(new("__entry", Entry, 0, 0, [], 1, false, "", Arm64LibraryBuilder.EntryShim));
        b.Add(new("__move", Move, 1, 1, [], 0, false, "", c => { c.Load(0, 8); c.Store(1, 8); c.Asm.JumpNext(); }));
        b.Add(new("__jump", Jump, 0, 0, [], 1, false, "", c => c.Asm.JumpTarget(0)));
        b.Add(new("LoadWord", Normal, 0, 1, [64], 0, false, "long LoadWord([Hole] long at)", c =>
        {
            c.Asm.Add(A64.LdrWImm(8, 21), RelocationKind.Arm64PageOff12, PatchKind.Hole, 0);
            c.Store(0, 8);
            c.Asm.JumpNext();
        }));
        b.Add(new("AddLow", Normal, 0, 1, [64], 0, false, "long AddLow([Hole] long at)", c =>
        {
            c.Asm.Add(A64.AddImm(8, 21, 0), RelocationKind.Arm64PageOff12, PatchKind.Hole, 0, 8);
            c.Store(0, 8);
            c.Asm.JumpNext();
        }));
        b.Add(new("PageAddress", Normal, 0, 1, [64], 0, true, "long PageAddress([Hole] long at)", c =>
        {
            if (c.Wide) c.Asm.LoadGot(8, PatchKind.Hole, 0);
            else
            {
                c.Asm.Add(A64.Adrp(8), RelocationKind.Arm64Page21, PatchKind.Hole, 0);
                c.Asm.Add(A64.AddImm(8, 8, 0), RelocationKind.Arm64PageOff12, PatchKind.Hole, 0);
            }
            c.Store(0, 8);
            c.Asm.JumpNext();
        }));
        b.Add(new("PageAddressOnly", Normal, 0, 1, [64], 0, false, "long PageAddressOnly([Hole] long at)", c =>
        {
            c.Asm.Add(A64.Adrp(8), RelocationKind.Arm64Page21, PatchKind.Hole, 0);
            c.Asm.Add(A64.AddImm(8, 8, 0), RelocationKind.Arm64PageOff12, PatchKind.Hole, 0);
            c.Store(0, 8);
            c.Asm.JumpNext();
        }));
        b.Add(new("SlotLow", Normal, 1, 1, [], 0, false, "long SlotLow(long a)", c =>
        {
            if (c.IsStack(0)) c.Asm.Add(A64.LdrImm(8, Arm64VariantContext.Frame), RelocationKind.Arm64PageOff12, PatchKind.Slot, 0);
            else c.Load(0, 8);
            c.Store(1, 8);
            c.Asm.JumpNext();
        }));
        b.Add(new("Return", StencilFamilyKind.Return, 1, 0, [], 0, false, "long Return(long value)", c => { c.Load(0, 0); c.Asm.Add(A64.Ret); }));
        return b.Build(name);
    }

    private static readonly StencilLibrary s_pages = PageLibrary();

    [Fact]
    public void PageOffsetHoleIsPatchedWhenAlignedAndRefusedOtherwise()
    {
        var b = new FunctionBuilder(s_pages);
        b.Emit(s_pages.GetFamily("LoadWord"), default, [R0], [0x7FFF_0000_1FFC]);
        var (image, map) = Link(Returning(b));
        Assert.Equal(A64.LdrWImm(8, 21, 0xFFC), Word(image, map.BodyOffset));
        var e = Assert.Throws<HoleValueException>(() => b.Emit(s_pages.GetFamily("LoadWord"), default, [R0], [0x1FFE]));
        Assert.Contains("Arm64PageOff12", e.Message);
        Assert.Equal(0x1FFEUL, e.Value);
    }

    [Fact]
    public void PageOffsetOfAnAddTakesAnyValueWithTheAddend()
    {
        var b = new FunctionBuilder(s_pages);
        b.Emit(s_pages.GetFamily("AddLow"), default, [R0], [0x1_2345_6FFB]); // + 8: low 12 bits 0x003
        var (image, map) = Link(Returning(b));
        Assert.Equal(A64.AddImm(8, 21, 0x003), Word(image, map.BodyOffset));
    }

    [Fact]
    public void AdrpOfAHoleFitsNoValueSoTheGotLoadIsUsed()
    {
        var b = new FunctionBuilder(s_pages);
        b.Emit(s_pages.GetFamily("PageAddress"), default, [R0], [0x1000]);
        b.Emit(s_pages.GetFamily("Return"), [R0], default);
        Assert.Contains("; PageAddress [-> r0] wide", b.Disassemble());
    }

    [Fact]
    public void AdrpOfAHoleWithoutAGotTwinIsAHoleValueError()
    {
        var b = new FunctionBuilder(s_pages);
        var e = Assert.Throws<HoleValueException>(() => b.Emit(s_pages.GetFamily("PageAddressOnly"), default, [R0], [0x1000]));
        Assert.Contains("Arm64Page21 (an adrp, which reaches only values within 4 GiB of the code)", e.Message);
        Assert.Equal(0, b.CodeSize);
    }

    private static FunctionBuilder Returning(FunctionBuilder b)
    {
        b.Emit(b.Library.GetFamily("Return"), [R0], default);
        return b;
    }

    [Fact]
    public void PageOffsetSlotReachesOnlyTheFirst4096Bytes()
    {
        var b = new FunctionBuilder(s_pages);
        b.Emit(s_pages.GetFamily("SlotLow"), [S(511)], [R0]);
        var (image, map) = Link(Returning(b));
        Assert.Equal(A64.LdrImm(8, 20, 511 * 8), Word(image, map.BodyOffset));
        var e = Assert.Throws<StencilEmitException>(() => b.Emit(s_pages.GetFamily("SlotLow"), [S(512)], [R0]));
        Assert.Contains("reach only s0..s511", e.Message);
    }

    /// <summary>The first family's relocations rewritten: an emit of it throws <see cref="StencilTablesException"/>.</summary>
    private static string Corruption(string family, Func<byte[], Relocation[], (byte[], Relocation[])> rewrite, Location[] inputs, ulong[] holes)
    {
        var library = PageLibrary("Corrupt" + family, (name, _, code, relocations) =>
        {
            if (name != family) return (code, relocations, null);
            var (c, r) = rewrite(code, relocations);
            return (c, r, null);
        });
        var b = new FunctionBuilder(library);
        var e = Assert.Throws<StencilTablesException>(() => b.Emit(library.GetFamily(family), inputs, [R0], holes));
        Assert.Equal(0, b.CodeSize);
        return e.Message;
    }

    private static Relocation[] Retype(Relocation[] relocations, RelocationKind from, RelocationKind to, int addend = 0) =>
        relocations.Select(r => r.Kind == from ? r with { Kind = to, Addend = addend } : r).ToArray();

    [Fact]
    public void PageOffsetOnAnInstructionWithoutAnImmediateIsCorrupt()
    {
        string message = Corruption("LoadWord", (c, r) => (Words(A64.Add(8, 21, 9)).Concat(c.Skip(4)).ToArray(), r), [], [0]);
        Assert.Contains("not an add (immediate) or a load/store with an unsigned offset", message);
    }

    [Fact]
    public void GotPageOffsetOnAnInstructionThatIsNotA64BitLdrIsCorrupt()
    {
        string message = Corruption("LoadWord", (c, r) => (c, Retype(r, RelocationKind.Arm64PageOff12, RelocationKind.Arm64GotPageOff12)), [], [0]);
        Assert.Contains("not a 64-bit ldr with an unsigned offset", message);
    }

    [Fact]
    public void Page21OnAnInstructionThatIsNotAnAdrpIsCorrupt()
    {
        string message = Corruption("LoadWord", (c, r) => (c, Retype(r, RelocationKind.Arm64PageOff12, RelocationKind.Arm64Page21)), [], [0]);
        Assert.Contains("not an adrp", message);
    }

    [Fact]
    public void GotLoadWithAnAddendIsCorrupt()
    {
        var library = Arm64TestStencils.Create("GotAddend", (name, _, code, relocations) =>
            name == "Const" ? (code, relocations.Select(r => r.Kind == RelocationKind.Arm64GotPage21 ? r with { Addend = 8 } : r).ToArray(), null)
                : (code, relocations, null), got: true);
        var b = new FunctionBuilder(library);
        var e = Assert.Throws<StencilTablesException>(() => b.Const(1, R0));
        Assert.Contains("GOT load with an addend", e.Message);
    }

    [Fact]
    public void JumpToTheNextStencilThatIsNotABranchIsCorrupt()
    {
        // The trailing b next turned into an adrp with a Page21 relocation to the next stencil.
        string message = Corruption("AddLow", (c, r) =>
        {
            var code = c.ToArray();
            var next = r.Single(x => x.Patch == PatchKind.Next);
            BitConverter.TryWriteBytes(code.AsSpan(next.Offset), A64.Adrp(9));
            return (code, r.Select(x => x.Patch == PatchKind.Next ? x with { Kind = RelocationKind.Arm64Page21 } : x).ToArray());
        }, [], [0]);
        Assert.Contains("Arm64Page21 field, which is not a branch", message);
    }

    [Fact]
    public void PageOffsetSlotOfA16ByteAccessIsCorrupt()
    {
        string message = Corruption("SlotLow", (c, r) =>
        {
            var code = c.ToArray();
            BitConverter.TryWriteBytes(code.AsSpan(0), A64.LdrQImm(0, 20));
            return (code, r);
        }, [S(1)], []);
        Assert.Contains("page-offset field of a 16-byte access", message);
    }

    [Fact]
    public void FrameSizeInAPageOffsetFieldIsCorrupt()
    {
        var library = PageLibrary("FrameSizePageOff", (name, _, code, relocations) =>
        {
            if (name != "__entry") return (code, relocations, null);
            // movz x9, #:abs_g1:frame; movk x9, #:abs_g0_nc:frame -> add x9, x9, #:lo12:frame for the movk.
            var c = code.ToArray();
            var movk = relocations.Single(r => r.Kind == RelocationKind.Arm64MovwG0Nc);
            BitConverter.TryWriteBytes(c.AsSpan(movk.Offset), A64.AddImm(9, 9, 0));
            return (c, relocations.Select(r => r.Offset == movk.Offset ? r with { Kind = RelocationKind.Arm64PageOff12 } : r).ToArray(), null);
        });
        var e = Assert.Throws<StencilTablesException>(() => new FunctionBuilder(library));
        Assert.Contains("page-offset field, which keeps only its low 12 bits", e.Message);
    }
}
