using System;
using System.Buffers.Binary;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>
/// The x86-64 far jump: <c>jmp qword ptr [rip+0]</c> (<c>FF 25 00000000</c>) followed by the 8-byte destination and
/// two <c>int3</c>s, 16 bytes. A <c>call</c>/<c>jmp rel32</c> whose destination is beyond ±2 GiB goes through one.
/// </summary>
internal static class X64Trampoline
{
    /// <summary>The size of one trampoline.</summary>
    public const int Size = 16;

    /// <summary>The length of its instruction (the destination follows).</summary>
    public const int InstructionLength = 6;

    /// <summary>
    /// A rel32 field is the last 4 bytes of its <c>call</c>/<c>jmp</c>, so the instruction goes to the field's address
    /// + 4 + the field's value.
    /// </summary>
    public const int PcBias = 4;

    /// <summary>Writes a trampoline to <paramref name="destination"/> into <paramref name="slot"/> (<see cref="Size"/> bytes).</summary>
    public static void Write(Span<byte> slot, ulong destination)
    {
        slot[0] = 0xFF;
        slot[1] = 0x25;
        BinaryPrimitives.WriteInt32LittleEndian(slot.Slice(2), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(slot.Slice(6), destination);
        slot[14] = X64Code.Trap;
        slot[15] = X64Code.Trap;
    }
}
