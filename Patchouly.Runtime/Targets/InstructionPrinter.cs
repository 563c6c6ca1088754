using System;
using System.Collections.Generic;
using System.Text;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>A target's half of disassembly: prints instructions, with the marks (stencil and block lines) and labels given.</summary>
internal interface IInstructionPrinter
{
    /// <summary>What a far jump is called (<c>trampoline</c>, <c>veneer</c>).</summary>
    string FarJumpName { get; }

    /// <summary>
    /// Prints the instructions of <paramref name="code"/>[<paramref name="start"/>, +<paramref name="length"/>) (placed
    /// at <paramref name="address"/> + offset), writing each mark's text before the instruction at its offset and naming
    /// branch destinations found in <paramref name="labels"/>.
    /// </summary>
    void Print(StringBuilder sb, byte[] code, ulong address, int start, int length,
        List<(int Offset, int Order, string Text)> marks, Dictionary<ulong, string> labels);

    /// <summary>Prints the far jump at <paramref name="offset"/>, which goes to <paramref name="destination"/>.</summary>
    void PrintFarJump(StringBuilder sb, byte[] code, ulong address, int offset, ulong destination);
}

/// <summary>The instruction printer of each target.</summary>
internal static class InstructionPrinters
{
    private static readonly IInstructionPrinter s_x64 = new X64Disassembler();
    private static readonly IInstructionPrinter s_arm64 = new Arm64Disassembler();

    /// <summary>The printer for <paramref name="architecture"/>'s code.</summary>
    public static IInstructionPrinter For(TargetArchitecture architecture) => architecture switch
    {
        TargetArchitecture.X64 => s_x64,
        TargetArchitecture.Arm64 => s_arm64,
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "No disassembler for this architecture."),
    };
}
