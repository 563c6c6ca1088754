using System.Runtime.InteropServices;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>A table of references (function references are <see cref="FuncRef"/> addresses, 0 is null).</summary>
public sealed unsafe class Table
{
    /// <summary>The most elements a table may have (an implementation limit; growing beyond it fails).</summary>
    public const uint MaxElements = 10_000_000;

    /// <summary>The descriptor the JIT code reads.</summary>
    public TableDesc* Desc { get; }

    /// <summary>The element type.</summary>
    public ValType ElementType { get; }

    /// <summary>The maximum size, if declared.</summary>
    public uint? Max { get; }

    /// <summary>Current number of elements.</summary>
    public uint Length => (uint)Desc->Length;

    /// <summary>Creates a table of <paramref name="type"/>, filled with null.</summary>
    public Table(TableType type)
    {
        if (type.Limits.Min > MaxElements)
            throw new WasmException(WasmErrorKind.ImplementationLimit, "table", -1, $"a table of {type.Limits.Min} elements (at most {MaxElements})");
        ElementType = type.Element;
        Max = type.Limits.Max;
        Desc = LowMemory.Allocate<TableDesc>();
        Desc->Elements = (ulong*)NativeMemory.AllocZeroed((nuint)type.Limits.Min + 1, 8);
        Desc->Length = type.Limits.Min;
    }

    /// <summary>Element <paramref name="i"/> (the caller checked the bounds).</summary>
    public ref ulong this[uint i] => ref Desc->Elements[i];

    /// <summary>Grows by <paramref name="delta"/> elements set to <paramref name="init"/>; returns the old length or -1.</summary>
    public int Grow(uint delta, ulong init)
    {
        uint old = Length;
        ulong limit = Max ?? uint.MaxValue;
        if ((ulong)old + delta > limit || (ulong)old + delta > MaxElements) return -1;
        var e = (ulong*)NativeMemory.Realloc(Desc->Elements, (nuint)((old + delta + 1) * 8UL));
        for (uint i = old; i < old + delta; i++) e[i] = init;
        Desc->Elements = e;
        Desc->Length = old + delta;
        return (int)old;
    }
}
