using System;
using System.Collections.Generic;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>Facts of x86-64 stencil code shared by the x86-64 targets of every system (Linux, Windows).</summary>
internal static class X64Stencils
{
    /// <summary>The frame pointer, then register locations r0, r1, … in clang's preserve_none order (the same on Linux and Windows).</summary>
    public static IReadOnlyList<string> RegisterNames { get; } =
        ["R12", "R13", "R14", "R15", "RDI", "RSI", "RDX", "RCX", "R8", "R9", "R11", "RAX"];

    /// <summary>The float register locations f0, f1, … : clang's preserve_none double arguments (XMM0–XMM7 on Linux and on Windows, where preserve_none does not follow the Win64 limit of four).</summary>
    public static IReadOnlyList<string> FloatRegisterNames { get; } =
        ["XMM0", "XMM1", "XMM2", "XMM3", "XMM4", "XMM5", "XMM6", "XMM7"];

    /// <summary>A 5-byte <c>jmp rel32</c> (E9) whose field, the last relocation, ends the code.</summary>
    public static bool EndsWithTailJump(ReadOnlySpan<byte> code, Relocation last) =>
        last.Kind == RelocationKind.Rel32 && last.Patch is PatchKind.Next or PatchKind.Target && last.Addend == -4
        && last.Offset == code.Length - 4 && code.Length >= 5 && code[code.Length - 5] == 0xE9;

    /// <summary>Whether a branch without a relocation (a <c>jmp</c>/<c>jcc</c> the assembler resolved) goes to the
    /// trailing 5-byte jump; true when the code is not fully understood (the flag only keeps the runtime from merging
    /// the last two branches).</summary>
    public static bool TailIsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations) =>
        X64CodeAnalysis.IsBranchTarget(code, relocations, code.Length - X64Branches.JmpRel32Length);
}
