using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Jit;

/// <summary>Skips the immediates of an instruction of validated code (for unreachable code, which is not compiled).</summary>
internal static class Immediates
{
    /// <summary>Skips the immediates of <paramref name="op"/> (already read).</summary>
    public static void Skip(WasmReader r, byte op)
    {
        switch (op)
        {
            case 0x02 or 0x03 or 0x04:
                BlockType(r);
                break;
            case 0x0C or 0x0D or 0x10 or (>= 0x20 and <= 0x26) or 0xD2:
                r.U32();
                break;
            case 0x0E:
            {
                uint n = r.U32();
                for (uint i = 0; i <= n; i++) r.U32();
                break;
            }
            case 0x11 or (>= 0x28 and <= 0x3E):
                r.U32();
                r.U32();
                break;
            case 0x1C:
            {
                uint n = r.U32();
                for (uint i = 0; i < n; i++) r.Byte();
                break;
            }
            case 0x3F or 0x40 or 0xD0: r.Byte(); break;
            case 0x41: r.S32(); break;
            case 0x42: r.S64(); break;
            case 0x43: r.Take(4); break;
            case 0x44: r.Take(8); break;
            case Opcodes.Prefix:
                switch (r.U32())
                {
                    case 8: r.U32(); r.Byte(); break;
                    case 9 or 13 or 15 or 16 or 17: r.U32(); break;
                    case 10: r.Byte(); r.Byte(); break;
                    case 11: r.Byte(); break;
                    case 12 or 14: r.U32(); r.U32(); break;
                }
                break;
        }
    }

    /// <summary>A block type: (parameter count, result count) from the module's types.</summary>
    public static (int Params, int Results) BlockType(WasmReader r, WasmModule? m = null)
    {
        int at = r.Position;
        byte b = r.Byte();
        if (b == 0x40) return (0, 0);
        if (b is 0x7F or 0x7E or 0x7D or 0x7C or 0x70 or 0x6F) return (0, 1);
        r.Position = at;
        long index = r.S33();
        if (m is null) return (0, 0);
        var t = m.Types[(int)index];
        return (t.Params.Length, t.Results.Length);
    }
}
