using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Linking;

/// <summary>
/// Where everything is in a compiled function's code: the entry shim, each stencil with its locations, each block,
/// each trampoline. Used for disassembly.
/// </summary>
internal sealed class FunctionMap
{
    public FunctionMap(StencilRecord[] stencils, Location[] locations, (int Offset, int Block)[] blocks, StencilFamily entry)
    {
        Stencils = stencils;
        Locations = locations;
        Blocks = blocks;
        Entry = entry;
    }

    /// <summary>The emitted stencils in order; offsets are relative to the body.</summary>
    public StencilRecord[] Stencils { get; }

    /// <summary>All stencils' locations (inputs then outputs), indexed by <see cref="StencilRecord.LocationStart"/>.</summary>
    public Location[] Locations { get; }

    /// <summary>The started blocks in start order, with body-relative offsets.</summary>
    public (int Offset, int Block)[] Blocks { get; }

    /// <summary>The entry shim's family.</summary>
    public StencilFamily Entry { get; }

    /// <summary>Length of the entry shim in bytes (it starts at offset 0).</summary>
    public int EntryLength { get; set; }

    /// <summary>Offset of the body in the code.</summary>
    public int BodyOffset { get; set; }

    /// <summary>Length of the body.</summary>
    public int BodyLength { get; set; }

    /// <summary>Code offset of each trampoline and the absolute address it jumps to.</summary>
    public (int Offset, ulong Destination)[] Trampolines { get; set; } = [];
}
