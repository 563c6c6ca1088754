// Part of the stencil table format, defined once: compiled into Patchouly.Runtime (namespace
// Patchouly.Runtime.Tables) and linked into Patchouly.Generators (namespace Patchouly.Generators.Format).
#if PATCHOULY_GENERATORS
namespace Patchouly.Generators.Format;
#else
namespace Patchouly.Runtime.Tables;
#endif

/// <summary>What a relocation refers to, which decides the value patched in.</summary>
public enum PatchKind : byte
{
    /// <summary>Not a relocation.</summary>
    None = 0,
    /// <summary>Hole number <c>Index</c>: a constant given at emit time.</summary>
    Hole = 1,
    /// <summary>The byte offset of the frame slot of stack-located value number <c>Index</c>
    /// (counting the stencil's stack-located inputs, then its stack-located outputs).</summary>
    Slot = 2,
    /// <summary>The code right after this stencil (the implicit continuation).</summary>
    Next = 3,
    /// <summary>Target parameter number <c>Index</c>: the start of the block given at emit time.</summary>
    Target = 4,
    /// <summary>The size in bytes of the function's spill frame (used by the entry shim).</summary>
    FrameSize = 5,
}
