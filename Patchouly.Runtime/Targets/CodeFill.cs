using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>What fills the bytes that are not stencil code: executable padding inside a body, and a trap between functions.</summary>
internal static class CodeFill
{
    /// <summary>Fills <paramref name="padding"/>, which code falls through, with <c>nop</c>s (x86-64 multi-byte nops; AArch64 <c>nop</c> words).</summary>
    public static void Padding(TargetArchitecture architecture, Span<byte> padding)
    {
        if (architecture == TargetArchitecture.Arm64) Arm64Code.FillNops(padding);
        else X64Code.FillNops(padding);
    }

    /// <summary>Fills <paramref name="gap"/>, which no code should reach, with traps (<c>int3</c>; <c>brk #0</c>).</summary>
    public static void Trap(TargetArchitecture architecture, Span<byte> gap)
    {
        if (architecture == TargetArchitecture.Arm64) Arm64Code.FillTrap(gap);
        else X64Code.FillTrap(gap);
    }
}
