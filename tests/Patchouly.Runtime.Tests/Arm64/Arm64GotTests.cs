using System;
using System.Linq;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;
using static Patchouly.Runtime.Tests.Arm64.Arm64Jit;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// GOT loads, the form clang gives every hole of a Mach-O object (<c>adrp xN, sym@GOTPAGE; ldr xN, [xN, sym@GOTPAGEOFF]</c>):
/// emitted from the Mach-O form of the hand-made arm64 library and linked at fixed addresses, so the patched words and
/// the GOT area can be compared on any host.
/// </summary>
[Collection(nameof(TargetTestsCollection))]
public class Arm64GotTests
{
    private static StencilLibrary Got => Arm64TestStencils.GotLibrary;

    private static FunctionBuilder GotBuilder(int parameters = 0) => new(Got, parameters);

    private static void Emit(FunctionBuilder b, string family, Location[] inputs, Location[] outputs, params ulong[] holes) =>
        b.Emit(b.Library.GetFamily(family), inputs, outputs, holes);

    /// <summary>The address an <c>adrp</c> at image offset <paramref name="at"/> + <paramref name="address"/> computes and the
    /// offset its following <c>ldr</c> adds: the address the GOT load reads.</summary>
    private static ulong LoadedAddress(byte[] image, int adrpAt, int ldrAt, ulong address)
    {
        uint adrp = Word(image, adrpAt), ldr = Word(image, ldrAt);
        Assert.True(Arm64Code.IsAdrp(adrp), $"0x{adrp:x8} at 0x{adrpAt:x} is not an adrp");
        Assert.True(Arm64Code.IsLdr64UnsignedOffset(ldr), $"0x{ldr:x8} at 0x{ldrAt:x} is not a 64-bit ldr");
        Assert.Equal(adrp & 31, (ldr >> 5) & 31); // the ldr's base is the adrp's register
        ulong page = unchecked(((address + (ulong)adrpAt) & ~0xFFFUL) + (ulong)Arm64Fields.PageDelta(adrp));
        return page + ((ldr >> 10) & 0xFFF) * 8;
    }

    [Theory]
    [InlineData(0x4000_0000UL)]
    [InlineData(0x7F12_3456_7000UL)]
    [InlineData(0x4000_0FC0UL)] // 16-aligned near a page end: the entry lies on another page than the adrp
    public void WideValueIsLoadedFromItsEntryAfterTheCode(ulong at)
    {
        var b = GotBuilder();
        b.Const(0x1122334455667788, R0);
        b.Return(R0);
        var (image, map) = Link(b, at);
        int body = map.BodyOffset;
        var entry = Assert.Single(map.GotEntries);
        Assert.Equal(0x1122334455667788UL, entry.Value);
        Assert.Equal(0x1122334455667788UL, BitConverter.ToUInt64(image, entry.Offset));
        Assert.True(entry.Offset >= body + map.BodyLength, "the GOT area follows the code");
        Assert.Equal(0, entry.Offset % 8);
        Assert.Equal(image.Length, entry.Offset + 8);
        Assert.Equal(at + (ulong)entry.Offset, LoadedAddress(image, body, body + 4, at));
        Assert.Equal(A64.Mov(21, 8), Word(image, body + 8));
    }

    [Fact]
    public void PatchedWordsAreTheGoldenEncodings()
    {
        const ulong at = 0x1234_4000;
        var b = GotBuilder();
        b.Const(0x1_0000_0000, R1);
        b.Return(R1);
        var (image, map) = Link(b, at);
        var entry = Assert.Single(map.GotEntries);
        ulong entryAddress = at + (ulong)entry.Offset;
        ulong adrpAddress = at + (ulong)map.BodyOffset;
        int pages = (int)((long)(entryAddress >> 12) - (long)(adrpAddress >> 12));
        Assert.Equal(A64.Adrp(8, pages), Word(image, map.BodyOffset));
        Assert.Equal(A64.LdrImm(8, 8, (int)(entryAddress & 0xFFF)), Word(image, map.BodyOffset + 4));
        Assert.Equal(A64.Mov(22, 8), Word(image, map.BodyOffset + 8));
    }

    [Fact]
    public void EqualValuesShareOneEntry()
    {
        var b = GotBuilder();
        b.Const(0x1_2345_6789, R0);
        b.Const(0x1_2345_6789, R1);
        b.Const(-0x1_0001, R2);
        b.AddImm(R0, 0x1_2345_6789, R0);
        b.Return(R0);
        const ulong at = 0x4000_0000;
        var (image, map) = Link(b, at);
        Assert.Equal([(0x1_2345_6789UL), unchecked((ulong)-0x1_0001L)], map.GotEntries.Select(e => e.Value).ToArray());
        ulong shared = at + (ulong)map.GotEntries[0].Offset;
        Assert.Equal(map.GotEntries[0].Offset + 8, map.GotEntries[1].Offset);
        int first = map.BodyOffset + map.Stencils[0].Offset, second = map.BodyOffset + map.Stencils[1].Offset;
        Assert.Equal(shared, LoadedAddress(image, first, first + 4, at));
        Assert.Equal(shared, LoadedAddress(image, second, second + 4, at));
        int third = map.BodyOffset + map.Stencils[2].Offset;
        Assert.Equal(at + (ulong)map.GotEntries[1].Offset, LoadedAddress(image, third, third + 4, at));
    }

    [Theory]
    [InlineData(0L, 0xD2800008u)]          // movz x8, #0
    [InlineData(0xFFFFL, 0xD29FFFE8u)]     // movz x8, #0xffff
    [InlineData(-1L, 0x92800008u)]         // movn x8, #0
    [InlineData(-0x10000L, 0x929FFFE8u)]   // movn x8, #0xffff
    public void SixteenBitValuesAreRelaxedToAMoveWithoutAnEntry(long value, uint move)
    {
        var b = GotBuilder();
        b.Const(value, R0);
        b.Return(R0);
        var (image, map) = Link(b, 0x4000_0000);
        Assert.Empty(map.GotEntries);
        Assert.Equal(A64.Adrp(8, 0), Word(image, map.BodyOffset));  // left at its own page: only relaxed loads read x8
        Assert.Equal(move, Word(image, map.BodyOffset + 4));
        Assert.Equal(value <= 0xFFFF && value >= 0 ? A64.MovZ(8, (int)value, 0) : A64.MovN(8, (int)~value), move);
        Assert.Equal(map.BodyOffset + map.BodyLength, image.Length); // no GOT area at all
    }

    [Fact]
    public void RelaxationKeepsTheLoadsDestinationRegister()
    {
        Assert.Equal(A64.MovZ(3, 0x42, 0), Arm64GotLoads.Relaxed(A64.LdrImm(3, 9, 0x10), 0x42));
        Assert.Equal(A64.MovN(30, 0x41), Arm64GotLoads.Relaxed(A64.LdrImm(30, 30), unchecked((ulong)-0x42L)));
        Assert.True(Arm64GotLoads.CanRelax(0xFFFF));
        Assert.False(Arm64GotLoads.CanRelax(0x1_0000));
        Assert.True(Arm64GotLoads.CanRelax(unchecked((ulong)-0x1_0000L)));
        Assert.False(Arm64GotLoads.CanRelax(unchecked((ulong)-0x1_0001L)));
    }

    [Fact]
    public void SlotOffsetsAndTheFrameSizeAreGotLoadsToo()
    {
        var b = GotBuilder(1);
        b.Add(R0, S(1), S(9000));   // s1: offset 8 (relaxed); s9000: 72000 (an entry)
        b.Return(S(9000));
        var (image, map) = Link(b, 0x4000_0000);
        // Frame: 9001 slots = 72008 bytes; entries in first-use order: the shim's frame size, then the body's loads.
        Assert.Equal([72008UL, 72000UL], map.GotEntries.Select(e => e.Value).ToArray());
        var shim = VariantWordsOf(Got, "__entry", false);
        int adrp = map.EntryOffset + Array.FindIndex(shim, w => (w & 0x9F00001F) == 0x90000009) * 4; // adrp x9
        Assert.Equal(0x4000_0000UL + (ulong)map.GotEntries[0].Offset, LoadedAddress(image, adrp, adrp + 4, 0x4000_0000));
        int body = map.BodyOffset;
        Assert.Equal(A64.Mov(8, 21), Word(image, body));
        Assert.Equal(A64.Adrp(9, 0), Word(image, body + 4));     // s1's offset 8 is relaxed: the adrp stays at its page,
        Assert.Equal(A64.MovZ(9, 8, 0), Word(image, body + 8));  // and the ldr becomes movz x9, #8
        Assert.Equal(A64.LdrReg(10, 20, 9), Word(image, body + 12));
        Assert.Equal(A64.Add(8, 8, 10), Word(image, body + 16));
        int store = body + 20;
        Assert.Equal(A64.StrReg(8, 20, 9), Word(image, body + 28));
        Assert.Equal(0x4000_0000UL + (ulong)map.GotEntries[1].Offset, LoadedAddress(image, store, store + 4, 0x4000_0000));
        Assert.Equal(9001, b.FrameSlots);
    }

    [Fact]
    public void SmallFrameSizeIsRelaxed()
    {
        var b = GotBuilder(1);
        b.Add(R0, R0, S(5));
        b.Return(S(5));
        var (image, map) = Link(b, 0x4000_0000);
        Assert.Empty(map.GotEntries);
        var shim = VariantWordsOf(Got, "__entry", false);
        int ldr = Array.FindIndex(shim, w => (w & 0xFFC003FF) == 0xF9400129) * 4; // ldr x9, [x9]
        Assert.Equal(A64.MovZ(9, 48, 0), Word(image, map.EntryOffset + ldr));
    }

    [Theory]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    [InlineData(0x8000_0000_0000_0000UL)]
    [InlineData(0x1_0000_0000UL)]
    public void EveryValueFitsTheNarrowVariantOfAGotLoad(ulong value)
    {
        var b = GotBuilder();
        Emit(b, "Const", [], [R0], value);
        b.Return(R0);
        Assert.Contains("; Const [-> r0] narrow", b.Disassemble());
    }

    [Fact]
    public void ModuleFunctionsShareOneGotArea()
    {
        const ulong at = 0x4000_0000;
        var module = new JitModule(Got);
        var f0 = module.DefineFunction(0);
        var f1 = module.DefineFunction(0);
        f0.Const(0x5555_6666_7777, R0);
        f0.Return(R0);
        f1.Const(0x1234_5678_9ABC, R1);
        f1.Const(0x5555_6666_7777, R0);
        f1.Return(R0);
        f0.PrepareLink();
        f1.PrepareLink();
        var (image, maps) = FunctionLinker.LinkDetached(Got, [f0, f1], at);
        var shared = Assert.Single(maps[0].GotEntries);
        Assert.Equal(2, maps[1].GotEntries.Length);
        Assert.Contains(shared, maps[1].GotEntries);
        Assert.True(shared.Offset >= maps[1].BodyOffset + maps[1].BodyLength);
        int load = maps[1].BodyOffset + maps[1].Stencils[1].Offset;
        Assert.Equal(at + (ulong)shared.Offset, LoadedAddress(image, load, load + 4, at));
    }

    [Fact]
    public void GotAreaComesBeforeTheVeneers()
    {
        const ulong at = 0x4000_0000, far = at + (1UL << 31);
        var b = GotBuilder(1);
        b.CallHost(R0, far, R1);
        b.Const(0x1_0000_0000, R0);
        b.Add(R0, R1, R0);
        b.Return(R0);
        var (image, map) = Link(b, at);
        var entry = Assert.Single(map.GotEntries);
        var veneer = Assert.Single(map.Trampolines);
        Assert.True(entry.Offset >= map.BodyOffset + map.BodyLength && entry.Offset + 8 <= veneer.Offset);
        Assert.Equal(0, veneer.Offset % 16);
        for (int gap = entry.Offset + 8; gap < veneer.Offset; gap += 4) Assert.Equal(A64.Brk0, Word(image, gap));
        Assert.Equal(far, BitConverter.ToUInt64(image, veneer.Offset + 8));
        Assert.Equal(image.Length, veneer.Offset + 16);
    }

    [Fact]
    public void DisassemblyDecodesGotLoadsAndListsTheEntries()
    {
        var b = GotBuilder();
        b.Const(0x1122334455667788, R0);
        b.Const(7, R1);
        b.Return(R0);
        string text = b.Disassemble();
        Assert.Contains("; GOT entries (values loaded by adrp + ldr)", text);
        Assert.Contains(".quad 0x1122334455667788", text);
        Assert.Contains("adrp x8, 0x0", text);
        Assert.Matches(@"ldr x8, \[x8, #0x[0-9a-f]+\]", text);
        Assert.Contains("movz x8, #0x7", text);
    }

    [Fact]
    public void EmittingGotLoadsDoesNotAllocateOnceTheBuffersHaveGrown()
    {
        var b = GotBuilder();
        var family = Got.GetFamily("Const");
        ulong[] holes = [0x1122334455667788];
        Location[] outputs = [R0];
        for (int round = 0; round < 2; round++)
        {
            b.Reset();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++) b.Emit(family, default, outputs, holes);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round == 1) Assert.Equal(0, allocated);
        }
    }

    /// <summary>
    /// Mutated Mach-O-form tables (relocation kinds, patch kinds, indexes, offsets and addends changed; relocated
    /// instructions replaced) either emit and link, or are refused with the typed exceptions: never an internal error.
    /// </summary>
    [Fact]
    public void MutatedGotTablesFailWithTypedExceptionsOnly()
    {
        var original = Got;
        var random = new Random(4242);
        uint[] instructions = [A64.Adrp(8), A64.LdrImm(8, 8), A64.LdrWImm(8, 8), A64.AddImm(8, 8, 0), A64.LdrQImm(0, 8), A64.Add(8, 8, 9), A64.B(0), A64.Bl(0), A64.MovZ(8, 0, 0)];
        // The relocations of the variants the program below uses (the entry shim's included) are the ones mutated.
        var (_, used) = Program(original).LinkDetached(0x4000_0000);
        var targets = used.Stencils.Select(x => x.Variant).Append(original.EntryFamily.FirstVariant).Distinct()
            .SelectMany(v => Enumerable.Range(original.Variants[v].RelocationStart, original.Variants[v].RelocationCount)
                .Select(i => (Relocation: i, Variant: original.Variants[v]))).ToArray();
        int linked = 0, refused = 0;
        for (int round = 0; round < 600; round++)
        {
            var code = (byte[])original.Code.Clone();
            var relocations = original.Relocations.ToArray();
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                var (i, variant) = targets[random.Next(targets.Length)];
                var r = relocations[i];
                relocations[i] = random.Next(6) switch
                {
                    0 => r with { Kind = (RelocationKind)random.Next(0, 20) },
                    1 => r with { Patch = (PatchKind)random.Next(0, 6) },
                    2 => r with { Index = (byte)random.Next(0, 4) },
                    3 => r with { Offset = (ushort)(r.Offset + 4 * random.Next(-3, 4)) },
                    4 => r with { Addend = random.Next(-16, 17) },
                    _ => r,
                };
                // Somewhere in the code (a relocated instruction, often), another instruction.
                int at = variant.CodeOffset + Math.Clamp(relocations[i].Offset & ~3, 0, variant.Length - 4);
                if (random.Next(3) == 0) BitConverter.TryWriteBytes(code.AsSpan(at), instructions[random.Next(instructions.Length)]);
            }
            StencilLibrary library;
            try
            {
                library = new StencilLibrary("Mutant", original.Registers, "", original.Target, code, relocations.Select(r => r.Bits).ToArray(),
                    original.Variants.Select(v => v.Bits).ToArray(),
                    original.Families.Select(f => new StencilFamily(f.Name, f.Kind, f.Inputs, f.Outputs, f.HoleBits, f.Targets, f.HasWide, f.FirstVariant, f.Signature)).ToArray());
            }
            catch (ArgumentException)
            {
                continue;
            }
            try
            {
                var (image, map) = Program(library).LinkDetached(0x4000_0000);
                Assert.True(image.Length >= map.BodyOffset + map.BodyLength);
                linked++;
            }
            catch (Exception e) when (e is StencilTablesException or StencilEmitException or FunctionCompileException)
            {
                refused++;
            }
        }
        Assert.True(linked > 20 && refused > 20, $"{linked} mutants linked, {refused} were refused");
    }

    private static FunctionBuilder Program(StencilLibrary library)
    {
        var b = new FunctionBuilder(library, 1);
        b.Const(0x1122334455667788, R1);
        b.Add(R0, S(9000), S(2));
        b.AddImm(S(2), 0x1_0000_0000, R2);
        b.CallHost(R2, 0x7000_0000, R0);
        b.Return(R0);
        return b;
    }
}
