using System;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// GOT loads (<c>adrp xn, entry@PAGE; ldr xt, [xn, entry@PAGEOFF]</c>, as Mach-O objects load every external symbol):
/// the size of an entry, and the relaxation of the <c>ldr</c> into a <c>movz</c>/<c>movn</c> when the value is a 16-bit
/// one (or its complement is). The relaxed value needs no entry; its <c>adrp</c> still runs and sets <c>xn</c> to some
/// page, which only the GOT loads of that same value read.
/// </summary>
/// <remarks>
/// Wider values are not relaxed: a 32-bit one needs <c>movz</c> + <c>movk</c>, and the <c>adrp</c> cannot become the
/// first of them, since it writes another register than the <c>ldr</c>, may lie far from it and may serve several loads.
/// </remarks>
internal static class Arm64GotLoads
{
    /// <summary>The size of a GOT entry: one 64-bit value.</summary>
    public const int EntrySize = 8;

    private const uint MovzX = 0xD2800000, MovnX = 0x92800000;

    /// <summary>True when one <c>movz</c> or <c>movn</c> makes <paramref name="value"/>, so its loads need no entry.</summary>
    public static bool CanRelax(ulong value) => value <= 0xFFFF || ~value <= 0xFFFF;

    /// <summary>
    /// The instruction that replaces the GOT load <paramref name="ldr"/> (<c>ldr xt, [xn, #off]</c>) for a value that
    /// <see cref="CanRelax"/>: <c>movz xt, #value</c> or <c>movn xt, #~value</c>.
    /// </summary>
    public static uint Relaxed(uint ldr, ulong value)
    {
        uint rt = ldr & 31;
        return value <= 0xFFFF ? MovzX | (uint)value << 5 | rt : MovnX | (uint)(~value & 0xFFFF) << 5 | rt;
    }

    /// <summary>
    /// Patches one field of a GOT load of <paramref name="value"/> at <paramref name="field"/> of
    /// <paramref name="image"/> (placed at <paramref name="imageAddress"/>): the <c>adrp</c> gets the page delta to
    /// the entry at <paramref name="entryAddress"/>, the <c>ldr</c> the entry's offset in its page. A value that
    /// <see cref="CanRelax"/> has no entry: its <c>ldr</c> becomes a <c>movz</c>/<c>movn</c> and its <c>adrp</c> is
    /// left at its own page.
    /// </summary>
    /// <exception cref="InvalidOperationException">The field is not the instruction its kind needs (the tables were
    /// validated, so an internal error).</exception>
    public static void Patch(Span<byte> image, int field, RelocationKind kind, ulong value, ulong imageAddress, ulong entryAddress)
    {
        ulong place = imageAddress + (ulong)field;
        bool relaxed = CanRelax(value);
        if (kind == RelocationKind.Arm64GotPage21)
        {
            ulong page = relaxed ? place : entryAddress;
            RelocationWriter.Write(image, field, kind, unchecked((page & ~0xFFFUL) - (place & ~0xFFFUL)));
        }
        else if (relaxed)
        {
            uint ldr = Arm64Code.WordAt(image, field);
            if (!Arm64Code.IsLdr64UnsignedOffset(ldr))
                throw new InvalidOperationException($"Internal error: the GOT load at 0x{field:x} is not a 64-bit ldr.");
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(image.Slice(field, 4), Relaxed(ldr, value));
        }
        else RelocationWriter.Write(image, field, kind, entryAddress);
    }
}
