using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Patchouly.Runtime.Tables;

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
        && (BinaryPrimitives.ReadUInt32LittleEndian(code.Slice(code.Length - 4)) & 0xFC000000u) == 0x14000000u;

    /// <summary>Whether a branch without a relocation (<c>b</c>, <c>b.cond</c>, <c>cbz</c>/<c>cbnz</c>, <c>tbz</c>/<c>tbnz</c> the assembler resolved) goes to the trailing <c>b</c>.</summary>
    public static bool TailIsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations)
    {
        int tail = code.Length - 4;
        for (int at = 0; at + 4 <= code.Length; at += 4)
        {
            bool relocated = false;
            foreach (var r in relocations)
                if (r.Offset == at) relocated = true;
            if (relocated) continue;
            uint w = BinaryPrimitives.ReadUInt32LittleEndian(code.Slice(at));
            long delta;
            if ((w & 0x7C000000u) == 0x14000000u) delta = SignExtend(w & 0x03FFFFFFu, 26);              // b, bl
            else if ((w & 0xFF000010u) == 0x54000000u) delta = SignExtend((w >> 5) & 0x7FFFFu, 19);      // b.cond
            else if ((w & 0x7E000000u) == 0x34000000u) delta = SignExtend((w >> 5) & 0x7FFFFu, 19);      // cbz, cbnz
            else if ((w & 0x7E000000u) == 0x36000000u) delta = SignExtend((w >> 5) & 0x3FFFu, 14);       // tbz, tbnz
            else continue;
            if (at + delta * 4 == tail) return true;
        }
        return false;
    }

    private static long SignExtend(uint value, int bits) => (long)((ulong)value << (64 - bits)) >> (64 - bits);
}
