using System;
using System.Linq;

namespace Patchouly.Samples.Wasm.Decoding;

/// <summary>A WebAssembly value type (its binary encoding).</summary>
public enum ValType : byte
{
    I32 = 0x7F,
    I64 = 0x7E,
    F32 = 0x7D,
    F64 = 0x7C,
    FuncRef = 0x70,
    ExternRef = 0x6F,
}

/// <summary>Helpers on <see cref="ValType"/>.</summary>
public static class ValTypes
{
    /// <summary>True for funcref and externref.</summary>
    public static bool IsRef(this ValType t) => t is ValType.FuncRef or ValType.ExternRef;

    /// <summary>The text-format name (i32, funcref, …).</summary>
    public static string Name(this ValType t) => t switch
    {
        ValType.I32 => "i32", ValType.I64 => "i64", ValType.F32 => "f32", ValType.F64 => "f64",
        ValType.FuncRef => "funcref", ValType.ExternRef => "externref", _ => $"0x{(byte)t:x2}",
    };
}

/// <summary>A function type: parameter and result types.</summary>
public sealed class FuncType(ValType[] parameters, ValType[] results) : IEquatable<FuncType>
{
    /// <summary>The parameter types.</summary>
    public ValType[] Params { get; } = parameters;

    /// <summary>The result types.</summary>
    public ValType[] Results { get; } = results;

    /// <inheritdoc />
    public bool Equals(FuncType? other) => other is not null && Params.AsSpan().SequenceEqual(other.Params) && Results.AsSpan().SequenceEqual(other.Results);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as FuncType);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var p in Params) h.Add(p);
        h.Add(0xFF);
        foreach (var r in Results) h.Add(r);
        return h.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => $"[{string.Join(' ', Params.Select(p => p.Name()))}] -> [{string.Join(' ', Results.Select(p => p.Name()))}]";
}

/// <summary>Size limits of a memory (in 64 KiB pages) or a table (in elements).</summary>
public readonly record struct Limits(uint Min, uint? Max);

/// <summary>A table's element type and limits.</summary>
public readonly record struct TableType(ValType Element, Limits Limits);

/// <summary>A global's type and mutability.</summary>
public readonly record struct GlobalType(ValType Type, bool Mutable);

/// <summary>The kinds of imports and exports.</summary>
public enum ExternKind : byte
{
    Func = 0,
    Table = 1,
    Memory = 2,
    Global = 3,
}

/// <summary>An import: module and field names, and what is imported.</summary>
public sealed record Import(string Module, string Name, ExternKind Kind, uint TypeIndex, TableType Table, Limits Memory, GlobalType Global);

/// <summary>An export: name, kind and index in that kind's index space.</summary>
public sealed record Export(string Name, ExternKind Kind, uint Index);

/// <summary>The opcode of a constant expression.</summary>
public enum ConstKind : byte
{
    I32 = 0x41,
    I64 = 0x42,
    F32 = 0x43,
    F64 = 0x44,
    GlobalGet = 0x23,
    RefNull = 0xD0,
    RefFunc = 0xD2,
}

/// <summary>
/// A constant expression (globals' initial values, segment offsets and element initialisers): one instruction then
/// <c>end</c>. <see cref="Value"/> is the constant's bits, the global or function index, or the ref.null type.
/// </summary>
public readonly record struct ConstExpr(ConstKind Kind, ulong Value, int Offset);

/// <summary>A defined global.</summary>
public sealed record Global(GlobalType Type, ConstExpr Init);

/// <summary>How a segment is applied.</summary>
public enum SegmentMode : byte
{
    Active,
    Passive,
    Declarative,
}

/// <summary>An element segment.</summary>
public sealed record ElementSegment(SegmentMode Mode, uint Table, ConstExpr Offset, ValType Type, ConstExpr[] Items);

/// <summary>A data segment; <see cref="Bytes"/> is its content.</summary>
public sealed record DataSegment(SegmentMode Mode, uint Memory, ConstExpr Offset, byte[] Bytes);

/// <summary>
/// A defined function: its type, declared locals (run-length) and the code of its body: <see cref="CodeStart"/> ..
/// <see cref="CodeEnd"/> in <see cref="WasmModule.Bytes"/> (the instructions, the final <c>end</c> included).
/// </summary>
public sealed class FunctionBody
{
    /// <summary>Index of the function's type.</summary>
    public uint TypeIndex { get; init; }

    /// <summary>The declared (non-parameter) locals, expanded.</summary>
    public ValType[] Locals { get; init; } = [];

    /// <summary>Offset of the first instruction.</summary>
    public int CodeStart { get; init; }

    /// <summary>Offset just past the final <c>end</c>.</summary>
    public int CodeEnd { get; init; }

    /// <summary>
    /// How much each local (parameters first) is used, every <c>local.get/set/tee</c> weighted by 8 to the power of
    /// its loop nesting (at most 16): recorded by the validator on its walk, so that the JIT need not walk the body
    /// again to choose the locals it keeps in registers. Null until the body is validated.
    /// </summary>
    public long[]? LocalWeights { get; internal set; }

    /// <summary>The weight of one use of a local at loop nesting <paramref name="loopDepth"/> (see <see cref="LocalWeights"/>).</summary>
    public static long UseWeight(int loopDepth) => 1L << (3 * Math.Min(loopDepth, 16));
}
