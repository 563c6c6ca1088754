using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>A global: its type and the 8-byte cell holding its value's bits (shared when imported).</summary>
public sealed unsafe class GlobalCell(GlobalType type, long value)
{
    /// <summary>The cell the JIT code reads and writes.</summary>
    public long* Cell { get; } = Init(value);

    /// <summary>The global's type.</summary>
    public GlobalType Type { get; } = type;

    /// <summary>The value's bits.</summary>
    public long Value
    {
        get => *Cell;
        set => *Cell = value;
    }

    private static long* Init(long value)
    {
        var c = (long*)LowMemory.Allocate(8);
        *c = value;
        return c;
    }
}
