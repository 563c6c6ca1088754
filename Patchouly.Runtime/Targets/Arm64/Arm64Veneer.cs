using System;
using System.Buffers.Binary;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// The AArch64 far jump (a veneer): <c>ldr x16, #8; br x16; .quad destination</c>, 16 bytes. A <c>b</c>/<c>bl</c> whose
/// destination is beyond ±128 MiB branches to one instead; x16 (IP0) is the intra-procedure-call scratch register
/// AAPCS64 reserves for exactly this, and <c>br</c> keeps the link register a <c>bl</c> set.
/// </summary>
internal static class Arm64Veneer
{
    /// <summary>The size of one veneer.</summary>
    public const int Size = 16;

    /// <summary><c>ldr x16, #8</c> (load the literal 8 bytes ahead).</summary>
    public const uint LdrX16Literal8 = 0x58000050;

    /// <summary><c>br x16</c>.</summary>
    public const uint BrX16 = 0xD61F0200;

    /// <summary>A Branch26 field is the whole instruction, and the branch is relative to its address.</summary>
    public const int PcBias = 0;

    /// <summary>Writes a veneer to <paramref name="destination"/> into <paramref name="slot"/> (<see cref="Size"/> bytes, 8-aligned).</summary>
    public static void Write(Span<byte> slot, ulong destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(slot, LdrX16Literal8);
        BinaryPrimitives.WriteUInt32LittleEndian(slot.Slice(4), BrX16);
        BinaryPrimitives.WriteUInt64LittleEndian(slot.Slice(8), destination);
    }
}
