using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>
/// Writes x86-64 relocation fields: whole little-endian fields of 1, 2, 4 or 8 bytes (immediates, displacements,
/// rel32/rel64 branch offsets).
/// </summary>
internal static class X64Fields
{
    /// <summary>Writes <paramref name="value"/> into the field of <paramref name="kind"/> at <paramref name="offset"/>;
    /// false (nothing written) when the field lies outside <paramref name="code"/>. The caller checked that the value fits.</summary>
    public static bool TryWrite(Span<byte> code, int offset, RelocationKind kind, ulong value)
    {
        int size = RelocationFields.Size(kind);
        if (offset < 0 || size == 0 || offset > code.Length - size) return false;
        var field = code.Slice(offset, size);
        switch (size)
        {
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(field, value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(field, unchecked((uint)value)); break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(field, unchecked((ushort)value)); break;
            default: field[0] = unchecked((byte)value); break;
        }
        return true;
    }

    /// <summary>Writes a 64-bit field (emit path; the field is inside the code).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write64(ref byte field, ulong value) => Unsafe.WriteUnaligned(ref field, value);

    /// <summary>Writes a 32-bit field (emit path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write32(ref byte field, uint value) => Unsafe.WriteUnaligned(ref field, value);

    /// <summary>Writes a 16-bit field (emit path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write16(ref byte field, ushort value) => Unsafe.WriteUnaligned(ref field, value);

    /// <summary>Writes an 8-bit field (emit path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write8(ref byte field, byte value) => field = value;
}
