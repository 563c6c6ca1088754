using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;

namespace Patchouly.Runtime.Linking;

/// <summary>
/// The GOT area of a linked image: one 8-byte entry per distinct value that the code loads through a GOT load (AArch64
/// <c>adrp</c> + <c>ldr</c>, as Mach-O objects load every external symbol), in the order the values are first loaded.
/// It lies after the function bodies in the same mapping, so it is never writable and executable at once (written
/// while the mapping is read-write, then read-only with the code) and always within the <c>adrp</c>'s ±4 GiB.
/// Values a single <c>movz</c>/<c>movn</c> makes get no entry: their loads are relaxed (<see cref="Arm64GotLoads"/>).
/// Computed when the functions are linked, from the loads their builders recorded.
/// </summary>
internal sealed class GotArea
{
    private readonly List<ulong> _values = new();
    private readonly Dictionary<ulong, int> _index = new();

    private GotArea() { }

    /// <summary>The entries' values, in image order.</summary>
    public IReadOnlyList<ulong> Values => _values;

    /// <summary>The area's size in bytes.</summary>
    public int Size => _values.Count * Arm64GotLoads.EntrySize;

    /// <summary>Where the area starts in the image (set by the layout).</summary>
    public long Offset { get; set; }

    /// <summary>
    /// The entries the functions need: the values of their GOT loads and of their entry shims' GOT-loaded frame sizes,
    /// without the relaxed ones; null when there are none (every x86-64 library, and arm64 libraries without GOT loads).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // a module is often linked once
    public static GotArea? Collect(StencilLibrary library, ReadOnlySpan<FunctionBuilder> functions)
    {
        GotArea? area = null;
        var entryRelocations = library.RelocationsOf(library.Variants[library.EntryFamily.FirstVariant]);
        foreach (var function in functions)
        {
            foreach (var r in entryRelocations)
                if (RelocationFields.IsIndirect(r.Kind)) Add(ref area, EntryValue(r, function));
            foreach (var load in function.GotLoads) Add(ref area, load.Value);
        }
        return area;
    }

    /// <summary>The value a GOT-loaded relocation of the entry shim loads for <paramref name="function"/> (its frame size).</summary>
    public static ulong EntryValue(in Relocation r, FunctionBuilder function) =>
        unchecked((ulong)function.FrameSlots * 8 + (ulong)(long)r.Addend);

    private static void Add(ref GotArea? area, ulong value)
    {
        if (Arm64GotLoads.CanRelax(value)) return;
        area ??= new GotArea();
        if (area._index.TryAdd(value, area._values.Count)) area._values.Add(value);
    }

    /// <summary>The image offset of the entry of <paramref name="value"/>, or -1 when it has none (relaxed).</summary>
    public long EntryOffset(ulong value) =>
        _index.TryGetValue(value, out int i) ? Offset + (long)i * Arm64GotLoads.EntrySize : -1;

    /// <summary>Writes the entries (little-endian 64-bit values) into the image.</summary>
    public void WriteEntries(Span<byte> image)
    {
        for (int i = 0; i < _values.Count; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(image.Slice((int)Offset + i * Arm64GotLoads.EntrySize), _values[i]);
    }

    /// <summary>Patches the GOT-load field of <paramref name="kind"/> at image offset <paramref name="field"/> to load <paramref name="value"/>.</summary>
    public static void Patch(GotArea? area, Span<byte> image, int field, RelocationKind kind, ulong value, ulong imageAddress)
    {
        long entry = area?.EntryOffset(value) ?? -1;
        if (entry < 0 && !Arm64GotLoads.CanRelax(value))
            throw new InvalidOperationException($"Internal error: the GOT load of 0x{value:x} has no entry.");
        Arm64GotLoads.Patch(image, field, kind, value, imageAddress, entry < 0 ? 0 : imageAddress + (ulong)entry);
    }
}
