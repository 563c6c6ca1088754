using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Iced.Intel;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>
/// x86-64 stencil code decoded (iced) with its relocations: each instruction's relocations and where each internal
/// branch (one the assembler resolved, without a relocation) goes. Used by the exit-jump rewrite
/// (<see cref="X64ExitJumps"/>) and to find a trailing jump that a branch inside the stencil goes to
/// (<see cref="X64Stencils.TailIsBranchTarget"/>). The code is understood when each relocation lies inside one
/// instruction, each internal branch is a <c>jmp</c>/<c>jcc</c>/<c>call</c> with a rel8 or rel32 displacement to the
/// start of an instruction (or the end of the code), and no RIP-relative operand lacks a relocation.
/// </summary>
internal static class X64CodeAnalysis
{
    public readonly record struct Decoded(int Start, int Length, Instruction Instruction, ConstantOffsets Offsets)
    {
        public int End => Start + Length;
    }

    /// <summary>The decoded code: instructions, their relocations, and where each internal branch goes.</summary>
    public sealed record Analysis(List<Decoded> Instructions, int[] FirstRelocation, int[] RelocationCount, int[] BranchTo, int[] Referrers);

    public static bool TryAnalyse(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, out Analysis analysis)
    {
        analysis = null!;
        if (!TryDecode(code, out var instructions)) return false;
        int count = instructions.Count;

        // Each instruction's relocations (a range of the sorted list), and every relocation inside one instruction.
        var firstRelocation = new int[count];
        var relocationCount = new int[count];
        int r = 0;
        for (int i = 0; i < count; i++)
        {
            firstRelocation[i] = r;
            var ins = instructions[i];
            while (r < relocations.Count && relocations[r].Offset < ins.End)
            {
                if (relocations[r].Offset < ins.Start || relocations[r].Offset + relocations[r].Size > ins.End) return false;
                r++;
            }
            relocationCount[i] = r - firstRelocation[i];
        }
        if (r != relocations.Count) return false;

        var index = new Dictionary<int, int>(count + 1);
        for (int i = 0; i < count; i++) index[instructions[i].Start] = i;
        index[code.Length] = count;

        // Internal branches (no relocation on their displacement): where they go, as an instruction index.
        var branchTo = new int[count];
        var referrers = new int[count + 1];
        for (int i = 0; i < count; i++)
        {
            branchTo[i] = -1;
            var ins = instructions[i];
            bool relocated(int offset, int size) => Covered(relocations, firstRelocation[i], relocationCount[i], offset, size);
            if (ins.Instruction.IsIPRelativeMemoryOperand
                && (!ins.Offsets.HasDisplacement || !relocated(ins.Start + ins.Offsets.DisplacementOffset, ins.Offsets.DisplacementSize)))
                return false;
            if (!HasBranchOperand(ins.Instruction)) continue;
            int width = BranchDisplacementWidth(ins.Instruction);
            if (width == 0) return false;
            if (relocated(ins.End - width, width)) continue; // leaves the stencil: moves with its relocation
            long displacement = width == 1 ? (sbyte)code[ins.End - 1] : BinaryPrimitives.ReadInt32LittleEndian(code.Slice(ins.End - 4));
            long destination = ins.End + displacement;
            if ((ulong)destination != ins.Instruction.NearBranchTarget) return false;
            if (destination < 0 || destination > code.Length || !index.TryGetValue((int)destination, out int to)) return false;
            branchTo[i] = to;
            referrers[to]++;
        }
        analysis = new Analysis(instructions, firstRelocation, relocationCount, branchTo, referrers);
        return true;
    }

    /// <summary>
    /// Whether a branch inside <paramref name="code"/> (one without a relocation on its displacement) goes to the
    /// instruction at <paramref name="offset"/>; true when the code is not fully understood (see <see cref="TryAnalyse"/>).
    /// </summary>
    public static bool IsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, int offset)
    {
        if (!TryAnalyse(code, relocations, out var a)) return true;
        for (int i = 0; i < a.Instructions.Count; i++)
            if (a.Instructions[i].Start == offset) return a.Referrers[i] > 0;
        return offset == code.Length && a.Referrers[a.Instructions.Count] > 0;
    }

    /// <summary>Every instruction of <paramref name="code"/>, or false when some byte sequence is not a valid instruction.</summary>
    private static bool TryDecode(ReadOnlySpan<byte> code, out List<Decoded> instructions)
    {
        instructions = [];
        var bytes = code.ToArray();
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes), 0, DecoderOptions.None);
        while (decoder.IP < (ulong)bytes.Length)
        {
            int start = (int)decoder.IP;
            decoder.Decode(out var instruction);
            if (instruction.IsInvalid || instruction.Length == 0 || start + instruction.Length > bytes.Length) return false;
            instructions.Add(new Decoded(start, instruction.Length, instruction, decoder.GetConstantOffsets(instruction)));
        }
        return true;
    }

    private static bool HasBranchOperand(in Instruction instruction)
    {
        for (int k = 0; k < instruction.OpCount; k++)
            if (instruction.GetOpKind(k) is OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64 or OpKind.FarBranch16 or OpKind.FarBranch32)
                return true;
        return false;
    }

    /// <summary>
    /// The size of the displacement ending a branch this rewrite can re-aim (1: <c>jmp</c>/<c>jcc rel8</c>; 4:
    /// <c>jmp</c>/<c>jcc</c>/<c>call rel32</c>), or 0 for any other branch (<c>loop</c>, <c>jrcxz</c>, <c>xbegin</c>, far).
    /// </summary>
    public static int BranchDisplacementWidth(in Instruction instruction)
    {
        if (instruction.Op0Kind != OpKind.NearBranch64) return 0;
        if (instruction.Code == Code.Jmp_rel8_64 || instruction.IsJccShort) return 1;
        if (instruction.Code is Code.Jmp_rel32_64 or Code.Call_rel32_64 || instruction.IsJccNear) return 4;
        return 0;
    }

    /// <summary>Whether one of the instruction's relocations covers the bytes <paramref name="offset"/>..+<paramref name="size"/>.</summary>
    private static bool Covered(IReadOnlyList<Relocation> relocations, int first, int count, int offset, int size)
    {
        for (int k = first; k < first + count; k++)
            if (relocations[k].Offset <= offset && relocations[k].Offset + relocations[k].Size >= offset + size) return true;
        return false;
    }
}
