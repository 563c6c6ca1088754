using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Iced.Intel;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>
/// Folds each jump over a jump in x86-64 stencil code, <c>jcc over; jmp rel32 X; over:</c> with <c>X</c> a relocated
/// exit (a target or next), into one <c>jncc rel32 X</c> (the condition inverted, 6 bytes instead of 7 or 11). clang 19
/// never branches conditionally to another function, so every cold exit (<c>[Target(Cold = true)]</c>) leaves such a
/// pair on the hot path, where its <c>jcc</c> is a taken branch each time.
/// </summary>
/// <remarks>
/// The code after a folded pair moves back, so every instruction is decoded (iced) and the stencil is left unchanged
/// unless all of it is understood: each relocation lies inside one instruction; each branch without a relocation is
/// a <c>jmp</c>/<c>jcc</c>/<c>call</c> with a rel8 or rel32 displacement to the start of an instruction (or the end of
/// the code), which is re-aimed; no RIP-relative operand lacks a relocation. A pair whose <c>jmp</c> is itself the
/// destination of some branch is kept. Displacements only shrink, so every re-aimed rel8 still reaches.
/// </remarks>
internal static class X64JumpOverJumps
{
    /// <summary>The length of the <c>jcc rel32</c> a pair becomes.</summary>
    private const int FoldedLength = 6;

    /// <summary>The length of the relocated <c>jmp rel32</c> (<c>E9</c>) of a pair.</summary>
    private const int JumpLength = 5;

    private readonly record struct Decoded(int Start, int Length, Instruction Instruction, ConstantOffsets Offsets)
    {
        public int End => Start + Length;
    }

    /// <summary>
    /// The code and relocations with every foldable pair folded, or false (and the inputs untouched) when the code
    /// has no pair or is not fully understood.
    /// </summary>
    /// <param name="code">The variant's code.</param>
    /// <param name="relocations">Its relocations, by offset, none overlapping.</param>
    /// <param name="folded">The new code.</param>
    /// <param name="moved">The relocations at their new offsets, by offset.</param>
    /// <param name="pairs">How many pairs were folded.</param>
    public static bool TryFold(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, out byte[] folded, out Relocation[] moved, out int pairs)
    {
        folded = [];
        moved = [];
        pairs = 0;
        if (!TryDecode(code, out var instructions)) return false;

        // Each instruction's relocations (a range of the sorted list), and every relocation inside one instruction.
        var firstRelocation = new int[instructions.Count];
        var relocationCount = new int[instructions.Count];
        int r = 0;
        for (int i = 0; i < instructions.Count; i++)
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

        var index = new Dictionary<int, int>(instructions.Count + 1);
        for (int i = 0; i < instructions.Count; i++) index[instructions[i].Start] = i;
        index[code.Length] = instructions.Count;

        // Internal branches (no relocation on their displacement): where they go, as an instruction index.
        var branchTo = new int[instructions.Count];
        var isTarget = new bool[instructions.Count + 1];
        for (int i = 0; i < instructions.Count; i++)
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
            isTarget[to] = true;
        }

        // The pairs: a plain jcc without relocation to the instruction after a relocated E9 jmp that nothing branches to.
        var isPair = new bool[instructions.Count];
        for (int i = 0; i + 1 < instructions.Count; i++)
        {
            if (branchTo[i] != i + 2 || !IsPlainJcc(code, instructions[i]) || isTarget[i + 1]) continue;
            var jump = instructions[i + 1];
            if (jump.Instruction.Code != Code.Jmp_rel32_64 || jump.Length != JumpLength || code[jump.Start] != 0xE9 || relocationCount[i + 1] != 1) continue;
            var exit = relocations[firstRelocation[i + 1]];
            if (exit.Kind != RelocationKind.Rel32 || exit.Offset != jump.Start + 1 || exit.Addend != -4) continue;
            isPair[i] = true;
            pairs++;
            i++;
        }
        if (pairs == 0) return false;

        // New starts: a pair's jcc becomes FoldedLength bytes and its jmp vanishes.
        var newStart = new int[instructions.Count + 1];
        int position = 0;
        for (int i = 0; i < instructions.Count; i++)
        {
            newStart[i] = position;
            if (isPair[i])
            {
                newStart[i + 1] = position + FoldedLength;
                position += FoldedLength;
                i++;
            }
            else position += instructions[i].Length;
        }
        newStart[instructions.Count] = position;

        var output = new byte[position];
        var outputRelocations = new List<Relocation>(relocations.Count);
        for (int i = 0; i < instructions.Count; i++)
        {
            var ins = instructions[i];
            int to = newStart[i];
            if (isPair[i])
            {
                var jump = instructions[i + 1];
                int condition = (ins.Length == 2 ? code[ins.Start] : code[ins.Start + 1]) & 0x0F;
                output[to] = 0x0F;
                output[to + 1] = (byte)(0x80 | (condition ^ 1)); // condition codes come in complementary pairs differing in bit 0
                code.Slice(jump.Start + 1, 4).CopyTo(output.AsSpan(to + 2));
                var exit = relocations[firstRelocation[i + 1]];
                outputRelocations.Add(exit with { Offset = checked((ushort)(to + 2)) });
                i++;
                continue;
            }
            code.Slice(ins.Start, ins.Length).CopyTo(output.AsSpan(to));
            for (int k = 0; k < relocationCount[i]; k++)
            {
                var relocation = relocations[firstRelocation[i] + k];
                outputRelocations.Add(relocation with { Offset = checked((ushort)(relocation.Offset - ins.Start + to)) });
            }
            if (branchTo[i] < 0) continue;
            int width = BranchDisplacementWidth(ins.Instruction);
            int end = to + ins.Length;
            long displacement = newStart[branchTo[i]] - end;
            if (width == 1)
            {
                if (displacement is < sbyte.MinValue or > sbyte.MaxValue) return false;
                output[end - 1] = (byte)(sbyte)displacement;
            }
            else BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(end - 4), (int)displacement);
        }
        folded = output;
        moved = outputRelocations.ToArray();
        return true;
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
    private static int BranchDisplacementWidth(in Instruction instruction)
    {
        if (instruction.Op0Kind != OpKind.NearBranch64) return 0;
        if (instruction.Code == Code.Jmp_rel8_64 || instruction.IsJccShort) return 1;
        if (instruction.Code is Code.Jmp_rel32_64 or Code.Call_rel32_64 || instruction.IsJccNear) return 4;
        return 0;
    }

    /// <summary>A <c>jcc rel8</c> (<c>7x</c>) or <c>jcc rel32</c> (<c>0F 8x</c>) without prefixes.</summary>
    private static bool IsPlainJcc(ReadOnlySpan<byte> code, Decoded ins) =>
        (ins.Length == 2 && (code[ins.Start] & 0xF0) == 0x70)
        || (ins.Length == 6 && code[ins.Start] == 0x0F && (code[ins.Start + 1] & 0xF0) == 0x80);

    /// <summary>Whether one of the instruction's relocations covers the bytes <paramref name="offset"/>..+<paramref name="size"/>.</summary>
    private static bool Covered(IReadOnlyList<Relocation> relocations, int first, int count, int offset, int size)
    {
        for (int k = first; k < first + count; k++)
            if (relocations[k].Offset <= offset && relocations[k].Offset + relocations[k].Size >= offset + size) return true;
        return false;
    }
}
