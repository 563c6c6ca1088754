using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>
/// Writes a relocation's final value into code (off the emit path: the linker and tests). The value is already
/// complete: <c>V + A</c> for absolute kinds and <c>V + A - P</c> for relative ones, computed in wrapping 64-bit
/// arithmetic. The kind says which target's field it is (little-endian x86-64 fields; AArch64 instruction bit fields).
/// </summary>
internal static class RelocationWriter
{
    /// <summary>Whether the final value fits the field of <paramref name="kind"/> (<see cref="RelocationFields.Fits"/>).</summary>
    public static bool Fits(RelocationKind kind, ulong value) => RelocationFields.Fits(kind, value);

    /// <summary>Writes the value; false (and nothing written) when it does not fit or the field lies outside <paramref name="code"/>.</summary>
    public static bool TryWrite(Span<byte> code, int offset, RelocationKind kind, ulong value)
    {
        if (!Fits(kind, value)) return false;
        return RelocationFields.IsInstructionField(kind)
            ? Arm64Fields.TryWrite(code, offset, kind, value)
            : X64Fields.TryWrite(code, offset, kind, value);
    }

    /// <summary>Writes a value already known to fit.</summary>
    /// <exception cref="InvalidOperationException">It does not (an internal error).</exception>
    public static void Write(Span<byte> code, int offset, RelocationKind kind, ulong value)
    {
        if (!TryWrite(code, offset, kind, value))
            throw new InvalidOperationException($"Internal error: value 0x{value:x} does not fit a {kind} field at 0x{offset:x}.");
    }

    /// <summary>The field size of <paramref name="kind"/> in bytes (0 for none).</summary>
    public static int SizeOf(RelocationKind kind) => RelocationFields.Size(kind);
}
