using System;
using System.Buffers.Binary;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Internal;

/// <summary>
/// Writes a relocation's final value into code. The value is already complete: <c>V + A</c> for absolute kinds and
/// <c>V + A - P</c> for relative ones, computed in wrapping 64-bit arithmetic.
/// </summary>
internal static class RelocationWriter
{
    /// <summary>Whether the final value fits the field of <paramref name="kind"/> (<see cref="RelocationFields.Fits"/>).</summary>
    public static bool Fits(RelocationKind kind, ulong value) => RelocationFields.Fits(kind, value);

    /// <summary>Writes the value; false (and nothing written) when it does not fit or the field lies outside <paramref name="code"/>.</summary>
    public static bool TryWrite(Span<byte> code, int offset, RelocationKind kind, ulong value)
    {
        if (!Fits(kind, value)) return false;
        int size = SizeOf(kind);
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

    /// <summary>Writes a value already known to fit.</summary>
    /// <exception cref="InvalidOperationException">It does not (an internal error).</exception>
    public static void Write(Span<byte> code, int offset, RelocationKind kind, ulong value)
    {
        if (!TryWrite(code, offset, kind, value))
            throw new InvalidOperationException($"Internal error: value 0x{value:x} does not fit a {kind} field at 0x{offset:x}.");
    }

    /// <summary>The field size of <paramref name="kind"/> in bytes (0 for none).</summary>
    public static int SizeOf(RelocationKind kind) => RelocationFields.Size(kind);
}
