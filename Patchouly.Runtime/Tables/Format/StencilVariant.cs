namespace Patchouly.Runtime.Tables;

/// <summary>Flags of a compiled stencil variant.</summary>
[System.Flags]
public enum VariantFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>The variant's last instruction is a 5-byte <c>jmp rel32</c> whose relocation is the variant's last
    /// relocation; the runtime drops it when the jump goes to the code placed right after.</summary>
    EndsWithJump = 1,
    /// <summary>A branch inside the variant goes to its trailing jump (clang's float equality: <c>jne L; jnp next; L: jmp
    /// taken</c>). The jump is still dropped when it goes to the code placed next (the branch then reaches that code),
    /// but the conditional branch before it must not be merged with it into one branch (branch inversion).</summary>
    TailIsBranchTarget = 2,
}

/// <summary>
/// One compiled variant of a stencil family: where its machine code sits in the library's code blob and which
/// relocations it has. Packed into 64 bits: code offset (0-31), length (32-47), relocation count (48-55), flags (56-63).
/// A variant with length 0 does not exist (for example two outputs in one register).
/// </summary>
public readonly record struct StencilVariant(int CodeOffset, int Length, int RelocationStart, int RelocationCount, VariantFlags Flags)
{
    /// <summary>True when this slot of the table holds compiled code.</summary>
    public bool Exists => Length != 0;

    /// <summary>The packed form (without <see cref="RelocationStart"/>, which is the running sum of counts).</summary>
    public ulong Bits => (uint)CodeOffset | ((ulong)(ushort)Length << 32) | ((ulong)(byte)RelocationCount << 48) | ((ulong)Flags << 56);

    /// <summary>Decodes a packed variant whose relocations start at <paramref name="relocationStart"/>.</summary>
    public static StencilVariant FromBits(ulong bits, int relocationStart) => new(
        (int)(uint)bits, (ushort)(bits >> 32), relocationStart, (byte)(bits >> 48), (VariantFlags)(byte)(bits >> 56));
}
