using System.Collections.Generic;

namespace Patchouly.Samples.Wasm.Decoding;

/// <summary>A decoded (not necessarily validated) module. Index spaces put imports first.</summary>
public sealed class WasmModule
{
    /// <summary>The binary the module was decoded from (function bodies refer into it).</summary>
    public required byte[] Bytes { get; init; }

    /// <summary>The type section.</summary>
    public List<FuncType> Types { get; } = new();

    /// <summary>The imports, in order.</summary>
    public List<Import> Imports { get; } = new();

    /// <summary>Type indices of every function (imported ones first).</summary>
    public List<uint> Functions { get; } = new();

    /// <summary>Every table (imported ones first).</summary>
    public List<TableType> Tables { get; } = new();

    /// <summary>Every memory (imported ones first).</summary>
    public List<Limits> Memories { get; } = new();

    /// <summary>Types of every global (imported ones first).</summary>
    public List<GlobalType> GlobalTypes { get; } = new();

    /// <summary>The defined globals.</summary>
    public List<Global> Globals { get; } = new();

    /// <summary>The exports.</summary>
    public List<Export> Exports { get; } = new();

    /// <summary>The start function, if any.</summary>
    public uint? Start { get; set; }

    /// <summary>The element segments.</summary>
    public List<ElementSegment> Elements { get; } = new();

    /// <summary>The data segments.</summary>
    public List<DataSegment> Data { get; } = new();

    /// <summary>The data count section's value, if present.</summary>
    public uint? DataCount { get; set; }

    /// <summary>The bodies of the defined functions.</summary>
    public List<FunctionBody> Bodies { get; } = new();

    /// <summary>Number of imported functions.</summary>
    public int ImportedFunctions { get; set; }

    /// <summary>Number of imported tables.</summary>
    public int ImportedTables { get; set; }

    /// <summary>Number of imported memories.</summary>
    public int ImportedMemories { get; set; }

    /// <summary>Number of imported globals.</summary>
    public int ImportedGlobals { get; set; }

    /// <summary>The type of function <paramref name="index"/>.</summary>
    public FuncType FunctionType(int index) => Types[(int)Functions[index]];
}
