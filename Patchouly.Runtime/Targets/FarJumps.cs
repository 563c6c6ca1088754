using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>
/// Far jumps for direct calls and jumps to host functions out of the instruction's reach: x86-64 trampolines
/// (<c>jmp qword [rip]</c> + address) and AArch64 veneers (<c>ldr x16, #8; br x16</c> + address), both 16 bytes.
/// </summary>
internal static class FarJumps
{
    /// <summary>The size of one far jump on every target (16 bytes, so they stay 16-byte aligned).</summary>
    public const int Size = 16;

    /// <summary>True when a call site of <paramref name="kind"/> may need a far jump (its field has a limited reach).</summary>
    public static bool MayNeed(RelocationKind kind) => kind is RelocationKind.Rel32 or RelocationKind.Arm64Branch26;

    /// <summary>
    /// How far past its field's address a relative branch of <paramref name="kind"/> counts from: the instruction goes to
    /// field address + value + bias (4 for a rel32 at the end of its <c>call</c>/<c>jmp</c>; 0 for <c>b</c>/<c>bl</c>).
    /// </summary>
    public static int PcBias(RelocationKind kind) => kind == RelocationKind.Arm64Branch26 ? Arm64Veneer.PcBias : X64Trampoline.PcBias;

    /// <summary>Writes a far jump to <paramref name="destination"/> into <paramref name="slot"/> (<see cref="Size"/> bytes).</summary>
    public static void Write(TargetArchitecture architecture, Span<byte> slot, ulong destination)
    {
        if (architecture == TargetArchitecture.Arm64) Arm64Veneer.Write(slot, destination);
        else X64Trampoline.Write(slot, destination);
    }
}
