using System;
using Patchouly.Runtime;

namespace Patchouly.Samples.Wasm.Jit;

/// <summary>A function needs a frame slot at or beyond <see cref="FunctionBuilder.MaxStackSlots"/>.</summary>
internal sealed class FrameTooLargeException(int slot)
    : Exception($"it needs frame slot {slot}; a JIT-compiled function has at most {FunctionBuilder.MaxStackSlots} slots (locals plus operand stack)")
{
    /// <summary>The slot that was asked for.</summary>
    public int Slot { get; } = slot;
}
