namespace Patchouly.Samples.Wasm.Decoding;

/// <summary>Operand and result types of the numeric instructions, and memory access widths.</summary>
public static class Opcodes
{
    /// <summary>The misc prefix (saturating truncation, bulk memory, tables).</summary>
    public const byte Prefix = 0xFC;

    private const ValType I = ValType.I32, L = ValType.I64, F = ValType.F32, D = ValType.F64;

    /// <summary>For opcodes 0x45..0xC4: (first operand, second operand or 0 when unary, result).</summary>
    public static (ValType A, ValType B, ValType R)? Numeric(byte op) => op switch
    {
        0x45 => (I, 0, I),
        >= 0x46 and <= 0x4F => (I, I, I),
        0x50 => (L, 0, I),
        >= 0x51 and <= 0x5A => (L, L, I),
        >= 0x5B and <= 0x60 => (F, F, I),
        >= 0x61 and <= 0x66 => (D, D, I),
        >= 0x67 and <= 0x69 => (I, 0, I),
        >= 0x6A and <= 0x78 => (I, I, I),
        >= 0x79 and <= 0x7B => (L, 0, L),
        >= 0x7C and <= 0x8A => (L, L, L),
        >= 0x8B and <= 0x91 => (F, 0, F),
        >= 0x92 and <= 0x98 => (F, F, F),
        >= 0x99 and <= 0x9F => (D, 0, D),
        >= 0xA0 and <= 0xA6 => (D, D, D),
        0xA7 => (L, 0, I),
        0xA8 or 0xA9 => (F, 0, I),
        0xAA or 0xAB => (D, 0, I),
        0xAC or 0xAD => (I, 0, L),
        0xAE or 0xAF => (F, 0, L),
        0xB0 or 0xB1 => (D, 0, L),
        0xB2 or 0xB3 => (I, 0, F),
        0xB4 or 0xB5 => (L, 0, F),
        0xB6 => (D, 0, F),
        0xB7 or 0xB8 => (I, 0, D),
        0xB9 or 0xBA => (L, 0, D),
        0xBB => (F, 0, D),
        0xBC => (F, 0, I),
        0xBD => (D, 0, L),
        0xBE => (I, 0, F),
        0xBF => (L, 0, D),
        0xC0 or 0xC1 => (I, 0, I),
        >= 0xC2 and <= 0xC4 => (L, 0, L),
        _ => null,
    };

    /// <summary>For the saturating truncations (0xFC 0..7): (operand, result).</summary>
    public static (ValType A, ValType R) TruncSat(uint sub) => sub switch
    {
        0 or 1 => (F, I),
        2 or 3 => (D, I),
        4 or 5 => (F, L),
        _ => (D, L),
    };

    /// <summary>For loads 0x28..0x35 and stores 0x36..0x3E: (value type, log2 of the access width).</summary>
    public static (ValType Type, int Log2) Memory(byte op) => op switch
    {
        0x28 => (I, 2), 0x29 => (L, 3), 0x2A => (F, 2), 0x2B => (D, 3),
        0x2C or 0x2D => (I, 0), 0x2E or 0x2F => (I, 1),
        0x30 or 0x31 => (L, 0), 0x32 or 0x33 => (L, 1), 0x34 or 0x35 => (L, 2),
        0x36 => (I, 2), 0x37 => (L, 3), 0x38 => (F, 2), 0x39 => (D, 3),
        0x3A => (I, 0), 0x3B => (I, 1), 0x3C => (L, 0), 0x3D => (L, 1), 0x3E => (L, 2),
        _ => (0, 0),
    };
}
