using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Linking;

/// <summary>
/// Turns a finished body into a <see cref="CompiledFunction"/>. Layout: <c>[entry shim][pad][body][pad][trampolines]</c>,
/// padding with <c>int3</c> to 16 bytes. The entry shim's call is patched to the body and its frame size to
/// <c>FrameSlots * 8</c>. PC-relative calls to host functions are patched directly when the callee is within ±2 GiB
/// of the call, and otherwise go through a trampoline (<c>jmp qword [rip+0]</c> followed by the 8-byte address),
/// one per distinct callee.
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

    /// <summary>Lays out, patches and maps the function.</summary>
    public static CompiledFunction Link(StencilLibrary library, ReadOnlySpan<byte> body, ReadOnlySpan<CallSite> callSites,
        int frameSlots, int parameterCount, FunctionMap map, nint addressHint)
    {
        var entry = library.Variants[library.EntryFamily.FirstVariant];
        int entryLength = entry.Length;
        int bodyOffset = Align(entryLength);
        int bodyEnd = bodyOffset + body.Length;
        int trampolineOffset = Align(bodyEnd);
        int maxTrampolines = 0;
        foreach (var site in callSites)
            if (site.Kind == RelocationKind.Rel32) maxTrampolines++;
        long total = (long)trampolineOffset + (long)maxTrampolines * TrampolineSize;
        if (total > ExecutableMemory.MaxSize)
            throw new FunctionCompileException($"The function's code ({total} bytes) is too large to map.");

        var image = new byte[total];
        image.AsSpan().Fill(Int3);
        library.CodeOf(entry).CopyTo(image);
        foreach (var r in library.RelocationsOf(entry))
        {
            ulong value = r.Patch == PatchKind.FrameSize
                ? unchecked((ulong)frameSlots * 8 + (ulong)(long)r.Addend)
                : unchecked((ulong)((long)bodyOffset + r.Addend - r.Offset));
            RelocationWriter.Write(image, r.Offset, r.Kind, value);
        }
        body.CopyTo(image.AsSpan(bodyOffset));

        var memory = ExecutableMemory.Allocate((int)total, addressHint);
        try
        {
            ulong codeAddress = (ulong)memory.Address;
            var trampolines = new List<(int Offset, ulong Destination)>();
            Dictionary<ulong, int>? byDestination = null;
            foreach (var site in callSites)
            {
                int field = bodyOffset + site.Field;
                ulong place = codeAddress + (ulong)field;
                ulong direct = unchecked(site.Value + (ulong)(long)site.Addend - place);
                if (RelocationWriter.TryWrite(image, field, site.Kind, direct)) continue;

                // A call/jmp rel32 whose callee is out of reach: the instruction ends with the field, so it means to go
                // to Value + Addend + 4; send it to a trampoline that jumps there.
                ulong destination = unchecked(site.Value + (ulong)(long)site.Addend + 4);
                byDestination ??= new Dictionary<ulong, int>();
                if (!byDestination.TryGetValue(destination, out int offset))
                {
                    offset = trampolineOffset + trampolines.Count * TrampolineSize;
                    WriteTrampoline(image.AsSpan(offset, TrampolineSize), destination);
                    trampolines.Add((offset, destination));
                    byDestination.Add(destination, offset);
                }
                RelocationWriter.Write(image, field, site.Kind, unchecked((ulong)((long)offset - field - 4)));
            }

            int used = trampolines.Count > 0 ? trampolineOffset + trampolines.Count * TrampolineSize : bodyEnd;
            if (used < image.Length) Array.Resize(ref image, used);
            image.CopyTo(memory.Writable);
            memory.Notify("written");
            memory.MakeExecutable();

            map.EntryLength = entryLength;
            map.BodyOffset = bodyOffset;
            map.BodyLength = body.Length;
            map.Trampolines = trampolines.ToArray();
            return new CompiledFunction(library, memory, image, parameterCount, frameSlots, map);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    private static void WriteTrampoline(Span<byte> slot, ulong destination)
    {
        // jmp qword ptr [rip+0]; .quad destination
        slot[0] = 0xFF;
        slot[1] = 0x25;
        BinaryPrimitives.WriteInt32LittleEndian(slot.Slice(2), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(slot.Slice(6), destination);
    }

    private static int Align(int offset) => (offset + Alignment - 1) & ~(Alignment - 1);
}
