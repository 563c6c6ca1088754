using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Patchouly.Samples.Wasm.Decoding;

/// <summary>
/// A cursor over a binary module with the format's primitive readers (LEB128 integers, floats, names). Every
/// failure is a malformed-module <see cref="WasmException"/> naming <see cref="Section"/> and the offset.
/// </summary>
public sealed class WasmReader(byte[] bytes, int position, int end)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The whole binary.</summary>
    public byte[] Bytes { get; } = bytes;

    /// <summary>The current offset.</summary>
    public int Position { get; set; } = position;

    /// <summary>The end of the readable range.</summary>
    public int End { get; set; } = end;

    private string? _section = "header";
    private int _body = -1;

    /// <summary>The section being read (for errors): <c>code[i]</c> for the body of defined function <c>i</c>.</summary>
    public string Section
    {
        get => _section ??= "code[" + _body.ToString(CultureInfo.InvariantCulture) + "]";
        set
        {
            _section = value;
            _body = -1;
        }
    }

    /// <summary>A reader of the body of defined function <paramref name="index"/> (its section, <c>code[i]</c>, named only when an error needs it).</summary>
    public static WasmReader ForBody(byte[] bytes, int start, int end, int index) => new(bytes, start, end) { _section = null, _body = index };

    /// <summary>True at the end of the range.</summary>
    public bool AtEnd => Position >= End;

    /// <summary>A malformed-module error at the current position.</summary>
    public WasmException Malformed(string message) => new(WasmErrorKind.Malformed, Section, Position, message);

    /// <summary>Reads one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Byte()
    {
        int p = Position;
        if (p >= End) ThrowEnd();
        Position = p + 1;
        return Bytes[p];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowEnd() => throw Malformed(End == Bytes.Length ? "unexpected end" : "unexpected end of section or function");

    /// <summary>Reads <paramref name="n"/> bytes.</summary>
    public ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > End - Position) throw Malformed(End == Bytes.Length ? "unexpected end" : "unexpected end of section or function");
        var s = Bytes.AsSpan(Position, (int)n);
        Position += (int)n;
        return s;
    }

    /// <summary>An unsigned LEB128 of at most 32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint U32()
    {
        int p = Position;
        if (p < End)
        {
            byte b = Bytes[p];
            if (b < 0x80)
            {
                Position = p + 1;
                return b;
            }
        }
        return U32Slow();
    }

    private uint U32Slow()
    {
        uint result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = Byte();
            if (shift == 28 && (b & 0x70) != 0) throw Malformed((b & 0x80) != 0 ? "integer representation too long" : "integer too large");
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
            if (shift == 28) throw Malformed("integer representation too long");
        }
    }

    /// <summary>A signed LEB128 of at most 32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int S32()
    {
        int p = Position;
        if (p < End)
        {
            byte b = Bytes[p];
            if (b < 0x80)
            {
                Position = p + 1;
                return (int)((uint)b << 25) >> 25;
            }
        }
        return (int)Signed(32);
    }

    /// <summary>A signed LEB128 of at most 64 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long S64()
    {
        int p = Position;
        if (p < End)
        {
            byte b = Bytes[p];
            if (b < 0x80)
            {
                Position = p + 1;
                return (int)((uint)b << 25) >> 25;
            }
        }
        return Signed(64);
    }

    /// <summary>A signed LEB128 of at most 33 bits (block types).</summary>
    public long S33() => Signed(33);

    private long Signed(int bits)
    {
        long result = 0;
        int shift = 0;
        int maxBytes = (bits + 6) / 7;
        for (int i = 0; ; i++)
        {
            byte b = Byte();
            if (i == maxBytes - 1)
            {
                if ((b & 0x80) != 0) throw Malformed("integer representation too long");
                // The unused bits of the last byte must all equal the sign bit.
                int used = bits - 7 * i; // value bits in this byte, the sign bit included
                int top = (b & 0x7F) >> (used - 1);
                if (top != 0 && top != (0x7F >> (used - 1))) throw Malformed("integer too large");
                result |= (long)(b & 0x7F) << shift;
                shift += 7;
                if (shift < 64 && (b & 0x40) != 0) result |= -1L << shift;
                return result;
            }
            result |= (long)(b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                if (shift < 64 && (b & 0x40) != 0) result |= -1L << shift;
                return result;
            }
        }
    }

    /// <summary>Four little-endian bytes (an f32's bits).</summary>
    public uint F32Bits() => BitConverter.ToUInt32(Take(4));

    /// <summary>Eight little-endian bytes (an f64's bits).</summary>
    public ulong F64Bits() => BitConverter.ToUInt64(Take(8));

    /// <summary>A length-prefixed UTF-8 name.</summary>
    public string Name()
    {
        uint length = U32();
        var span = Take(length);
        try { return StrictUtf8.GetString(span); }
        catch (ArgumentException) { throw Malformed("malformed UTF-8 encoding"); }
    }

    /// <summary>A value type.</summary>
    public ValType ValType()
    {
        byte b = Byte();
        return b switch
        {
            0x7F or 0x7E or 0x7D or 0x7C or 0x70 or 0x6F => (ValType)b,
            _ => throw new WasmException(WasmErrorKind.Malformed, Section, Position - 1, "malformed value type"),
        };
    }

    /// <summary>A reference type (funcref or externref).</summary>
    public ValType RefType()
    {
        byte b = Byte();
        return b is 0x70 or 0x6F ? (ValType)b : throw new WasmException(WasmErrorKind.Malformed, Section, Position - 1, "malformed reference type");
    }
}
