using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;

namespace Patchouly.Build.Tasks.Targets.LinuxArm64;

/// <summary>Facts of AArch64 stencil code shared by the AArch64 targets of every system (Linux, macOS).</summary>
internal static class Arm64Stencils
{
    /// <summary>The frame pointer, then register locations r0, r1, … in clang's preserve_none order (the same on Linux and macOS).</summary>
    public static IReadOnlyList<string> RegisterNames { get; } =
        ["x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x0", "x1", "x2"];

    /// <summary>The float register locations f0, f1, … : clang's preserve_none double arguments (d0–d7, the low halves of v0–v7).</summary>
    public static IReadOnlyList<string> FloatRegisterNames { get; } =
        ["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"];

    /// <summary>A <c>b</c> (0x14000000 | imm26) whose field, the last relocation, ends the code.</summary>
    public static bool EndsWithTailJump(ReadOnlySpan<byte> code, Relocation last) =>
        last.Kind == RelocationKind.Arm64Branch26 && last.Patch is PatchKind.Next or PatchKind.Target && last.Addend == 0
        && last.Offset == code.Length - 4 && code.Length >= 4
        && Arm64Code.IsB(Arm64Code.WordAt(code, code.Length - 4));

    /// <summary>Whether a branch without a relocation (<c>b</c>, <c>b.cond</c>, <c>cbz</c>/<c>cbnz</c>, <c>tbz</c>/<c>tbnz</c> the
    /// assembler resolved) goes to the trailing <c>b</c>, other than the conditional branch of an invertible pair
    /// (<c>b.cond +8; b A; b B</c>), whose branch to the tail the runtime's inversion rewrites with it.</summary>
    public static bool TailIsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations)
    {
        int tail = code.Length - 4;
        bool pair = tail >= 8 && Arm64Code.IsB(Arm64Code.WordAt(code, tail - 4)) && relocations.Any(r => r.Offset == tail - 4);
        for (int at = 0; at + 4 <= code.Length; at += 4)
        {
            if (pair && at == tail - 8) continue; // the pair's own conditional branch
            if (Arm64Code.TryBranchDistance(Arm64Code.WordAt(code, at), out long distance) && at + distance == tail
                && !relocations.Any(r => r.Offset == at))
                return true;
        }
        return false;
    }
}
