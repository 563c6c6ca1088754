using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Linking;

/// <summary>The result of linking: the executable memory, a copy of its contents, and one map per function.</summary>
internal sealed class LinkResult(ExecutableMemory memory, byte[] image, FunctionMap[] maps, int trampolineOffset, int trampolineCount)
{
    public ExecutableMemory Memory { get; } = memory;

    /// <summary>A copy of the used part of the memory.</summary>
    public byte[] Image { get; } = image;

    public FunctionMap[] Maps { get; } = maps;

    /// <summary>Where the shared trampolines start.</summary>
    public int TrampolineOffset { get; } = trampolineOffset;

    public int TrampolineCount { get; } = trampolineCount;
}

/// <summary>
/// Turns finished bodies into executable code. Layout, per function: <c>[entry shim][pad][body][pad]</c>, then the
/// trampolines shared by all functions, padding with <c>int3</c> to 16 bytes. Each entry shim's call is patched to its
/// body and its frame size to <c>FrameSlots * 8</c>. PC-relative calls to host functions are patched directly when the
/// callee is within ±2 GiB of the call, and otherwise go through a trampoline (<c>jmp qword [rip+0]</c> followed by the
/// 8-byte address), one per distinct callee. The code is written straight into the read-write mapping, which is then
/// made read-execute.
/// </summary>
internal static class FunctionLinker
{
    /// <summary>Size of one trampoline slot: <c>FF 25 00 00 00 00</c>, an 8-byte address, 2 bytes of padding.</summary>
    public const int TrampolineSize = 16;

    private const int Alignment = 16;
    private const byte Int3 = 0xCC;

    /// <summary>Checks that the library's entry shim is usable.</summary>
    /// <exception cref="StencilTablesException">It is not.</exception>
    public static void ValidateEntry(StencilLibrary library)
    {
        var family = library.EntryFamily;
        if (family.FirstVariant >= library.Variants.Length || !library.Variants[family.FirstVariant].Exists)
            throw new StencilTablesException($"The stencil tables of {library.Name} are corrupt: the entry shim {family.Name} has no code.");
        var entry = library.Variants[family.FirstVariant];
        VariantRules.Validate(library, family, family.FirstVariant, entry, 0);
        bool callsBody = false;
        foreach (var r in library.RelocationsOf(entry))
        {
            if (r.Patch == PatchKind.Target && r.Index == 0) callsBody = true;
            else if (r.Patch is not PatchKind.FrameSize)
                throw new StencilTablesException($"The stencil tables of {library.Name} are corrupt: the entry shim has relocation '{r}', which it cannot have.");
        }
        if (!callsBody)
            throw new StencilTablesException($"The stencil tables of {library.Name} are corrupt: the entry shim does not call the function body.");
    }

    /// <summary>Checks that the frame size of <paramref name="frameSlots"/> slots fits the entry shim's field.</summary>
    /// <exception cref="FunctionCompileException">It does not.</exception>
    public static void CheckFrameSize(StencilLibrary library, int frameSlots)
    {
        var entry = library.Variants[library.EntryFamily.FirstVariant];
        ulong size = (ulong)frameSlots * 8;
        foreach (var r in library.RelocationsOf(entry))
            if (r.Patch == PatchKind.FrameSize && !r.Fits(size))
                throw new FunctionCompileException($"The frame of {frameSlots} stack slots ({size} bytes) does not fit the entry shim's {r.Kind} frame-size field.");
    }

    /// <summary>
    /// Lays out, patches and maps settled, checked functions (<see cref="FunctionBuilder.PrepareLink"/>) in one
    /// allocation. The builders are not changed.
    /// </summary>
    /// <exception cref="FunctionCompileException">The code is too large to map.</exception>
    /// <exception cref="ExecutableMemoryException">Mapping or protecting failed.</exception>
    public static LinkResult Link(StencilLibrary library, ReadOnlySpan<FunctionBuilder> functions, nint addressHint)
    {
        var entry = library.Variants[library.EntryFamily.FirstVariant];
        var entryCode = library.CodeOf(entry);
        var entryRelocations = library.RelocationsOf(entry);
        int count = functions.Length;
        var maps = new FunctionMap[count];
        long offset = 0;
        int maxTrampolines = 0;
        for (int i = 0; i < count; i++)
        {
            var map = maps[i] = functions[i].CreateMap();
            map.EntryOffset = (int)Math.Min(Align(offset), int.MaxValue);
            map.EntryLength = entry.Length;
            // Aligned blocks (FunctionBuilder.StartBlock(block, alignment)) are aligned relative to the body.
            offset = Align(map.EntryOffset + (long)entry.Length, Math.Max(Alignment, functions[i].BodyAlignment));
            if (offset > ExecutableMemory.MaxSize) throw TooLarge(offset);
            map.BodyOffset = (int)offset;
            map.BodyLength = functions[i].Body.Length;
            offset += map.BodyLength;
            foreach (var site in functions[i].CallSites)
                if (site.Kind == RelocationKind.Rel32) maxTrampolines++;
        }
        long bodiesEnd = offset;
        long trampolineOffset = Align(offset);
        long total = trampolineOffset + (long)maxTrampolines * TrampolineSize;
        if (total > ExecutableMemory.MaxSize) throw TooLarge(total);

        var memory = ExecutableMemory.Allocate((int)total, addressHint);
        try
        {
            Span<byte> image = memory.Writable;
            ulong codeAddress = (ulong)memory.Address;
            var trampolines = new List<(int Offset, ulong Destination)>();
            Dictionary<ulong, int>? byDestination = null;
            int written = 0;
            for (int i = 0; i < count; i++)
            {
                var map = maps[i];
                var function = functions[i];
                image[written..map.EntryOffset].Fill(Int3);
                entryCode.CopyTo(image.Slice(map.EntryOffset));
                foreach (var r in entryRelocations)
                {
                    int field = map.EntryOffset + r.Offset;
                    ulong value = r.Patch == PatchKind.FrameSize
                        ? unchecked((ulong)function.FrameSlots * 8 + (ulong)(long)r.Addend)
                        : unchecked((ulong)((long)map.BodyOffset + r.Addend - field));
                    RelocationWriter.Write(image, field, r.Kind, value);
                }
                image[(map.EntryOffset + map.EntryLength)..map.BodyOffset].Fill(Int3);
                function.Body.CopyTo(image.Slice(map.BodyOffset));
                written = map.BodyOffset + map.BodyLength;

                List<(int Offset, ulong Destination)>? own = null;
                HashSet<int>? ownOffsets = null;
                foreach (var site in function.CallSites)
                {
                    int field = map.BodyOffset + site.Field;
                    ulong place = codeAddress + (ulong)field;
                    ulong direct = unchecked(site.Value + (ulong)(long)site.Addend - place);
                    if (RelocationWriter.TryWrite(image, field, site.Kind, direct)) continue;

                    // A call/jmp rel32 whose callee is out of reach: the instruction ends with the field, so it means to go
                    // to Value + Addend + 4; send it to a trampoline that jumps there.
                    ulong destination = unchecked(site.Value + (ulong)(long)site.Addend + 4);
                    byDestination ??= new Dictionary<ulong, int>();
                    if (!byDestination.TryGetValue(destination, out int at))
                    {
                        at = (int)trampolineOffset + trampolines.Count * TrampolineSize;
                        WriteTrampoline(image.Slice(at, TrampolineSize), destination);
                        trampolines.Add((at, destination));
                        byDestination.Add(destination, at);
                    }
                    own ??= new List<(int, ulong)>();
                    ownOffsets ??= new HashSet<int>();
                    if (ownOffsets.Add(at)) own.Add((at, destination));
                    RelocationWriter.Write(image, field, site.Kind, unchecked((ulong)((long)at - field - 4)));
                }
                if (own is not null) map.Trampolines = own.ToArray();
            }

            int used = trampolines.Count > 0 ? (int)trampolineOffset + trampolines.Count * TrampolineSize : (int)bodiesEnd;
            image[written..Math.Min(used, (int)trampolineOffset)].Fill(Int3);
            byte[] copy = GC.AllocateUninitializedArray<byte>(used);
            image[..used].CopyTo(copy);
            memory.Notify("written");
            memory.MakeExecutable();
            return new LinkResult(memory, copy, maps, (int)trampolineOffset, trampolines.Count);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    private static FunctionCompileException TooLarge(long size) =>
        new($"The code ({size} bytes) is too large to map (the limit is {ExecutableMemory.MaxSize} bytes).");

    private static void WriteTrampoline(Span<byte> slot, ulong destination)
    {
        // jmp qword ptr [rip+0]; .quad destination; 2 bytes of int3
        slot[0] = 0xFF;
        slot[1] = 0x25;
        BinaryPrimitives.WriteInt32LittleEndian(slot.Slice(2), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(slot.Slice(6), destination);
        slot[14] = Int3;
        slot[15] = Int3;
    }

    private static long Align(long offset, int alignment = Alignment) => (offset + alignment - 1) & ~(long)(alignment - 1);
}
