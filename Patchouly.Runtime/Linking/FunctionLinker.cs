using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Memory;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime.Linking;

/// <summary>The result of linking: the executable memory, a copy of its contents (made when first read), and one map per function.</summary>
internal sealed class LinkResult(ExecutableMemory memory, CodeCopy image, FunctionMap[] maps, int trampolineOffset, int trampolineCount)
{
    public ExecutableMemory Memory { get; } = memory;

    /// <summary>The used part of the memory, copied when first read.</summary>
    public CodeCopy Image { get; } = image;

    public FunctionMap[] Maps { get; } = maps;

    /// <summary>Where the shared trampolines start.</summary>
    public int TrampolineOffset { get; } = trampolineOffset;

    public int TrampolineCount { get; } = trampolineCount;
}

/// <summary>
/// Turns finished bodies into executable code. Layout, per function: <c>[entry shim][pad][body][pad]</c>, then the
/// GOT area of AArch64 GOT loads (<see cref="GotArea"/>) and the far jumps (trampolines, veneers), both shared by all
/// functions, padding with the target's trap instruction to 16 bytes.
/// Each entry shim's call is patched to its body and its frame size to <c>FrameSlots * 8</c>. PC-relative calls to
/// host functions are patched directly when the callee is within reach of the call (±2 GiB for rel32, ±128 MiB for
/// <c>bl</c>), and otherwise go through a far jump (<see cref="FarJumps"/>), one per distinct callee. The code is
/// written straight into the read-write mapping, whose instruction cache is flushed before it is made read-execute.
/// </summary>
internal static class FunctionLinker
{
    /// <summary>Size of one trampoline or veneer.</summary>
    public const int TrampolineSize = FarJumps.Size;

    private const int Alignment = 16;

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
    /// <exception cref="ArchitectureMismatchException">The library's code cannot run in this process.</exception>
    /// <exception cref="ExecutableMemoryException">Mapping or protecting failed.</exception>
    public static LinkResult Link(StencilLibrary library, ReadOnlySpan<FunctionBuilder> functions, nint addressHint)
    {
        ProcessTarget.EnsureRunnable(library);
        var layout = Layout(library, functions);
        // Unwind information the system needs for the code (Windows x64), after it in the same mapping.
        var unwind = UnwindTables.For(library, functions.Length);
        long unwindOffset = UnwindTables.OffsetAfter(layout.Total), total = unwind is null ? layout.Total : unwindOffset + unwind.Size;
        if (total > ExecutableMemory.MaxSize) throw TooLarge(total, ExecutableMemory.MaxSize);
        var memory = ExecutableMemory.Allocate((int)total, addressHint);
        try
        {
            var (used, trampolineCount) = Write(library, functions, layout, memory.Writable, (ulong)memory.Address);
            unwind?.Write(memory.Writable, (int)unwindOffset, layout.Maps);
            memory.Notify("written");
            memory.MakeExecutable();
            unwind?.Register(memory, (int)unwindOffset);
            return new LinkResult(memory, new CodeCopy(memory, used), layout.Maps, (int)layout.TrampolineOffset, trampolineCount);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Lays out and patches functions as <see cref="Link"/> does, for code placed at <paramref name="address"/>, into a
    /// plain array: nothing is mapped or run, so any architecture's code can be inspected.
    /// </summary>
    /// <exception cref="FunctionCompileException">The code is too large.</exception>
    public static (byte[] Image, FunctionMap[] Maps) LinkDetached(StencilLibrary library, ReadOnlySpan<FunctionBuilder> functions, ulong address)
    {
        var layout = Layout(library, functions);
        var buffer = new byte[layout.Total];
        var (used, _) = Write(library, functions, layout, buffer, address);
        return (buffer.AsSpan(0, used).ToArray(), layout.Maps);
    }

    /// <summary>Where everything goes: each function's entry shim and body, the GOT entries, and room for the far jumps.</summary>
    private sealed record LinkLayout(FunctionMap[] Maps, long BodiesEnd, GotArea? Got, long TrampolineOffset, long Total);

    // Fully optimised at once: a program often links once (a module of many functions), and the tier-0 code of these
    // loops was several times slower than the rest of linking.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static LinkLayout Layout(StencilLibrary library, ReadOnlySpan<FunctionBuilder> functions)
    {
        var entry = library.Variants[library.EntryFamily.FirstVariant];
        long limit = TargetRules.MaxImageSize(library.Architecture);
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
            if (offset > limit) throw TooLarge(offset, limit);
            map.BodyOffset = (int)offset;
            map.BodyLength = functions[i].BodyLength;
            offset += map.BodyLength;
            foreach (var site in functions[i].CallSites)
                if (FarJumps.MayNeed(site.Kind)) maxTrampolines++;
        }
        long trampolineOffset = Align(offset);
        var got = GotArea.Collect(library, functions);
        if (got is not null)
        {
            got.Offset = trampolineOffset;
            trampolineOffset = Align(got.Offset + got.Size);
        }
        long total = trampolineOffset + (long)maxTrampolines * TrampolineSize;
        if (total > limit) throw TooLarge(total, limit);
        return new LinkLayout(maps, offset, got, trampolineOffset, total);
    }

    /// <summary>Writes the laid-out functions into <paramref name="image"/> (at <paramref name="codeAddress"/>); returns the bytes used and the far jumps written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Used, int Trampolines) Write(StencilLibrary library, ReadOnlySpan<FunctionBuilder> functions, LinkLayout layout,
        Span<byte> image, ulong codeAddress)
    {
        var arch = library.Architecture;
        var entry = library.Variants[library.EntryFamily.FirstVariant];
        var entryCode = library.CodeOf(entry);
        var entryRelocations = library.RelocationsOf(entry);
        long trampolineOffset = layout.TrampolineOffset;
        var trampolines = new List<(int Offset, ulong Destination)>();
        Dictionary<ulong, int>? byDestination = null;
        int written = 0;
        for (int i = 0; i < functions.Length; i++)
        {
            var map = layout.Maps[i];
            var function = functions[i];
            CodeFill.Trap(arch, image[written..map.EntryOffset]);
            entryCode.CopyTo(image.Slice(map.EntryOffset));
            foreach (var r in entryRelocations)
            {
                int field = map.EntryOffset + r.Offset;
                if (RelocationFields.IsIndirect(r.Kind))
                {
                    GotArea.Patch(layout.Got, image, field, r.Kind, GotArea.EntryValue(r, function), codeAddress);
                    continue;
                }
                ulong value = r.Patch == PatchKind.FrameSize
                    ? unchecked((ulong)function.FrameSlots * 8 + (ulong)(long)r.Addend)
                    : unchecked((ulong)((long)map.BodyOffset + r.Addend - field));
                RelocationWriter.Write(image, field, r.Kind, value);
            }
            CodeFill.Trap(arch, image[(map.EntryOffset + map.EntryLength)..map.BodyOffset]);
            function.WriteBody(image.Slice(map.BodyOffset, map.BodyLength));
            written = map.BodyOffset + map.BodyLength;
            foreach (var load in function.GotLoads)
                GotArea.Patch(layout.Got, image, map.BodyOffset + function.FinalOffset(load.Field), load.Kind, load.Value, codeAddress);
            if (layout.Got is not null) map.GotEntries = GotEntriesOf(layout.Got, entryRelocations, function);

            List<(int Offset, ulong Destination)>? own = null;
            HashSet<int>? ownOffsets = null;
            foreach (var site in function.CallSites)
            {
                int field = map.BodyOffset + function.FinalOffset(site.Field);
                ulong place = codeAddress + (ulong)field;
                ulong direct = unchecked(site.Value + (ulong)(long)site.Addend - place);
                if (RelocationWriter.TryWrite(image, field, site.Kind, direct)) continue;

                // A direct call or jump whose callee is out of reach: the instruction goes to field + bias + value, so it
                // means to go to Value + Addend + bias; send it to a far jump that goes there.
                int bias = FarJumps.PcBias(site.Kind);
                ulong destination = unchecked(site.Value + (ulong)(long)site.Addend + (ulong)bias);
                byDestination ??= new Dictionary<ulong, int>();
                if (!byDestination.TryGetValue(destination, out int at))
                {
                    at = (int)trampolineOffset + trampolines.Count * TrampolineSize;
                    FarJumps.Write(arch, image.Slice(at, TrampolineSize), destination);
                    trampolines.Add((at, destination));
                    byDestination.Add(destination, at);
                }
                own ??= new List<(int, ulong)>();
                ownOffsets ??= new HashSet<int>();
                if (ownOffsets.Add(at)) own.Add((at, destination));
                RelocationWriter.Write(image, field, site.Kind, unchecked((ulong)((long)at - field - bias)));
            }
            if (own is not null) map.Trampolines = own.ToArray();
        }

        int used = trampolines.Count > 0 ? (int)trampolineOffset + trampolines.Count * TrampolineSize : (int)layout.BodiesEnd;
        if (layout.Got is { } got)
        {
            int gotStart = (int)got.Offset, gotEnd = gotStart + got.Size;
            CodeFill.Trap(arch, image[written..gotStart]);
            got.WriteEntries(image);
            written = gotEnd;
            if (trampolines.Count == 0) used = gotEnd;
        }
        CodeFill.Trap(arch, image[written..Math.Max(written, Math.Min(used, (int)trampolineOffset))]);
        return (used, trampolines.Count);
    }

    /// <summary>The GOT entries a function loads (its entry shim's and its body's), in image order, for disassembly.</summary>
    private static (int Offset, ulong Value)[] GotEntriesOf(GotArea got, ReadOnlySpan<Relocation> entryRelocations, FunctionBuilder function)
    {
        var offsets = new SortedDictionary<long, ulong>();
        foreach (var r in entryRelocations)
        {
            if (!RelocationFields.IsIndirect(r.Kind)) continue;
            ulong value = GotArea.EntryValue(r, function);
            long at = got.EntryOffset(value);
            if (at >= 0) offsets[at] = value;
        }
        foreach (var load in function.GotLoads)
        {
            long at = got.EntryOffset(load.Value);
            if (at >= 0) offsets[at] = load.Value;
        }
        var result = new (int, ulong)[offsets.Count];
        int i = 0;
        foreach (var (offset, value) in offsets) result[i++] = ((int)offset, value);
        return result;
    }

    private static FunctionCompileException TooLarge(long size, long limit) =>
        new($"The code ({size} bytes) is too large to map (the limit is {limit} bytes, so that every branch inside it reaches).");

    private static long Align(long offset, int alignment = Alignment) => (offset + alignment - 1) & ~(long)(alignment - 1);
}
