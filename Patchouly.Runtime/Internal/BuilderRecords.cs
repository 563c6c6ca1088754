using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Internal;

/// <summary>One emitted stencil, for messages and disassembly (no references, so recording it costs no GC barrier).</summary>
/// <param name="Offset">Where its code starts in the body.</param>
/// <param name="Variant">The variant's index in the library (which gives the family, and narrow or wide).</param>
/// <param name="LocationStart">Index of its first location (inputs, then outputs) in the builder's location list.</param>
/// <remarks>Whether its trailing jump was dropped follows from the next stencil's offset (see <see cref="Linking.FunctionMap.TailDropped"/>).</remarks>
internal readonly record struct StencilRecord(int Offset, int Variant, int LocationStart);

/// <summary>The state of one block of a builder.</summary>
internal struct BlockState
{
    /// <summary>Body offset of the block's first instruction; -1 until known.</summary>
    public int Offset;

    /// <summary>True once <see cref="FunctionBuilder.StartBlock(Block)"/> was called for it.</summary>
    public bool Started;

    /// <summary>The first stencil (its position in the builder's stencil log) that jumps to the block; -1 if none.</summary>
    public int FirstTargetedBy;

    /// <summary>Head of the chain of forward references waiting for the block's offset; -1 if none.</summary>
    public int FixupHead;

    /// <summary>True for a cold block (<see cref="FunctionBuilder.NewBlock(bool)"/>): its code is placed after all hot code.</summary>
    public bool Cold;
}

/// <summary>A relative field that must receive the offset of a block not yet placed (a forward branch).</summary>
internal readonly record struct Fixup(int Field, RelocationKind Kind, int Addend, int NextInChain);

/// <summary>A relative field that must receive the code following the current stencil (a branch to Next).</summary>
internal readonly record struct NextFixup(int Field, RelocationKind Kind, int Addend);

/// <summary>
/// A PC-relative reference to a hole value (a direct call or jump to a function pointer, or a Rel64),
/// resolved when the code's address is known.
/// </summary>
internal readonly record struct CallSite(int Field, ulong Value, RelocationKind Kind, int Addend);

/// <summary>
/// One field of an AArch64 GOT load (the <c>adrp</c> or the <c>ldr</c>) of <paramref name="Value"/>, patched to the
/// value's GOT entry when the function is linked.
/// </summary>
/// <param name="Value">The value the entry holds (a hole value, or a stack slot's byte offset).</param>
/// <param name="Field">Body offset of the instruction.</param>
/// <param name="Kind"><see cref="RelocationKind.Arm64GotPage21"/> or <see cref="RelocationKind.Arm64GotPageOff12"/>.</param>
internal readonly record struct GotLoad(ulong Value, int Field, RelocationKind Kind);

/// <summary>
/// The last stencil's trailing jump, kept pending until the code after it is known: dropped if it jumps
/// to that code, otherwise patched.
/// </summary>
/// <param name="Field">Body offset of the jump's field.</param>
/// <param name="Addend">The relocation's addend.</param>
/// <param name="Block">The block jumped to, or -1 for the next stencil.</param>
internal readonly record struct PendingTail(int Field, int Addend, int Block)
{
    /// <summary>True when the jump goes to the next stencil.</summary>
    public bool IsNext => Block < 0;
}
