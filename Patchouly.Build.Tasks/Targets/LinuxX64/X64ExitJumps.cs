using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Iced.Intel;
using static Patchouly.Build.Tasks.Targets.LinuxX64.X64CodeAnalysis;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>
/// Makes the conditional exits of x86-64 stencil code single conditional jumps. clang 19 rarely branches conditionally
/// to another function (a direct <c>jcc</c> to an exit is left as it is): a conditional exit to a target or to next
/// (every cold exit, <c>[Target(Cold = true)]</c>) is mostly a <c>jmp rel32</c> (E9, relocated), reached by a <c>jcc</c> in one of two layouts, both rewritten:
/// <list type="bullet">
/// <item><b>jump over a jump</b>: <c>jcc over; jmp X; over:</c> becomes <c>jncc X</c> (the condition inverted,
/// <c>0F 8x</c> rel32): 6 bytes instead of 7 or 11, and the likely path no longer takes the <c>jcc</c>;</item>
/// <item><b>jump to a stub</b>: <c>jcc stub; …; jmp next; stub: jmp X</c>, the stub reached only by branches,
/// becomes <c>jcc X; …; jmp next</c>: the stub goes, each branch to it goes to <c>X</c> itself (a rel8 <c>jcc</c> or
/// <c>jmp</c> grows to rel32), and the code may end with its droppable jump to next again.</item>
/// </list>
/// </summary>
/// <remarks>
/// Code moves, so every instruction is decoded (iced) and the stencil is left unchanged unless all of it is
/// understood: each relocation lies inside one instruction; each branch without a relocation is a <c>jmp</c>/<c>jcc</c>/
/// <c>call</c> with a rel8 or rel32 displacement to the start of an instruction (or the end of the code), which is
/// re-aimed; no RIP-relative operand lacks a relocation. A pair whose <c>jmp</c> is the destination of some branch is
/// kept. If a re-aimed rel8 no longer reaches (only stubs make code grow), the stubs are kept and only pairs folded.
/// </remarks>
internal static class X64ExitJumps
{
    private const int JccLength = X64Branches.JccRel32Length;
    private const int JumpLength = X64Branches.JmpRel32Length;
    private const int BranchAddend = X64Branches.Rel32Addend;

    private enum Action : byte
    {
        /// <summary>Copied (re-aimed if it is an internal branch).</summary>
        Keep,
        /// <summary>The <c>jcc</c> of a jump over a jump: becomes the inverted <c>jcc rel32</c> to the jump's exit.</summary>
        Invert,
        /// <summary>Goes: the <c>jmp</c> of a folded pair, or a stub.</summary>
        Drop,
        /// <summary>A <c>jcc</c> or <c>jmp</c> to a stub: becomes a rel32 branch of its kind to the stub's exit.</summary>
        Thread,
    }

    /// <summary>What a rewrite did.</summary>
    /// <param name="Pairs">Jumps over a jump folded into one inverted <c>jcc</c>.</param>
    /// <param name="Stubs">Stubs removed.</param>
    /// <param name="Threaded">Branches that went to a removed stub and now go to its exit.</param>
    public readonly record struct Counts(int Pairs, int Stubs, int Threaded);

    /// <summary>
    /// The code and relocations with every foldable pair folded and every removable stub removed, or false (and the
    /// inputs untouched) when the code has neither or is not fully understood.
    /// </summary>
    /// <param name="code">The variant's code.</param>
    /// <param name="relocations">Its relocations, by offset, none overlapping.</param>
    /// <param name="rewritten">The new code.</param>
    /// <param name="moved">The relocations at their offsets in the new code, by offset.</param>
    /// <param name="counts">What was rewritten.</param>
    public static bool TryFold(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, out byte[] rewritten, out Relocation[] moved, out Counts counts)
    {
        rewritten = [];
        moved = [];
        counts = default;
        if (!X64CodeAnalysis.TryAnalyse(code, relocations, out var analysis)) return false;
        var actions = new Action[analysis.Instructions.Count];
        int pairs = FindPairs(code, relocations, analysis, actions);
        var withoutStubs = (Action[])actions.Clone();
        var (stubs, threaded) = FindStubs(code, relocations, analysis, actions);
        if (pairs == 0 && stubs == 0) return false;
        if (stubs > 0 && TryWrite(code, relocations, analysis, actions, out rewritten, out moved))
        {
            counts = new Counts(pairs, stubs, threaded);
            return true;
        }
        if (pairs > 0 && TryWrite(code, relocations, analysis, withoutStubs, out rewritten, out moved))
        {
            counts = new Counts(pairs, 0, 0);
            return true;
        }
        return false;
    }

    /// <summary>Marks the pairs: a plain <c>jcc</c> to the instruction after an exit jump that nothing branches to.</summary>
    private static int FindPairs(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, Analysis a, Action[] actions)
    {
        int pairs = 0;
        for (int i = 0; i + 1 < a.Instructions.Count; i++)
        {
            if (a.BranchTo[i] != i + 2 || !IsPlainJcc(code, a.Instructions[i]) || a.Referrers[i + 1] != 0 || !IsExitJump(code, relocations, a, i + 1)) continue;
            actions[i] = Action.Invert;
            actions[i + 1] = Action.Drop;
            pairs++;
            i++;
        }
        return pairs;
    }

    /// <summary>
    /// Marks the stubs: an exit jump that is reached only by branches (the instruction before it, which stays, does not
    /// fall through), each a plain <c>jcc</c> or <c>jmp</c>.
    /// </summary>
    private static (int Stubs, int Threaded) FindStubs(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, Analysis a, Action[] actions)
    {
        int stubs = 0, threaded = 0;
        var instructions = a.Instructions;
        for (int s = 1; s < instructions.Count; s++)
        {
            if (a.Referrers[s] == 0 || actions[s] != Action.Keep || !IsExitJump(code, relocations, a, s)) continue;
            // Nothing may fall into it: the instruction before it does not fall through (a removed stub before it is an
            // unconditional jump too), and is not the jmp of a folded pair, whose inverted jcc will fall through.
            if (instructions[s - 1].Instruction.FlowControl is not (FlowControl.UnconditionalBranch or FlowControl.IndirectBranch or FlowControl.Return)
                || (s >= 2 && actions[s - 2] == Action.Invert))
                continue;
            bool all = true;
            for (int i = 0; i < instructions.Count && all; i++)
                if (a.BranchTo[i] == s && (actions[i] != Action.Keep || !(IsPlainJcc(code, instructions[i]) || IsPlainJmp(code, instructions[i])))) all = false;
            if (!all) continue;
            actions[s] = Action.Drop;
            for (int i = 0; i < instructions.Count; i++)
                if (a.BranchTo[i] == s)
                {
                    actions[i] = Action.Thread;
                    threaded++;
                }
            stubs++;
        }
        return (stubs, threaded);
    }

    /// <summary>Writes the code as <paramref name="actions"/> say; false when a re-aimed rel8 branch no longer reaches.</summary>
    private static bool TryWrite(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, Analysis a, Action[] actions, out byte[] rewritten, out Relocation[] moved)
    {
        rewritten = [];
        moved = [];
        var instructions = a.Instructions;
        var newStart = new int[instructions.Count + 1];
        int position = 0;
        for (int i = 0; i < instructions.Count; i++)
        {
            newStart[i] = position;
            position += actions[i] switch
            {
                Action.Invert => JccLength,
                Action.Drop => 0,
                Action.Thread => IsPlainJcc(code, instructions[i]) ? JccLength : JumpLength,
                _ => instructions[i].Length,
            };
        }
        newStart[instructions.Count] = position;

        var output = new byte[position];
        var outputRelocations = new List<Relocation>(relocations.Count);
        for (int i = 0; i < instructions.Count; i++)
        {
            var ins = instructions[i];
            int to = newStart[i];
            switch (actions[i])
            {
                case Action.Drop:
                    continue;
                case Action.Invert:
                    // Condition codes come in complementary pairs differing in bit 0 (JE/JNE, JBE/JA, …).
                    WriteExit(code, relocations, a, i + 1, output, to, outputRelocations, X64Branches.Inverted(Condition(code, ins)));
                    continue;
                case Action.Thread:
                    WriteExit(code, relocations, a, a.BranchTo[i], output, to, outputRelocations, IsPlainJcc(code, ins) ? Condition(code, ins) : -1);
                    continue;
            }
            code.Slice(ins.Start, ins.Length).CopyTo(output.AsSpan(to));
            for (int k = 0; k < a.RelocationCount[i]; k++)
            {
                var relocation = relocations[a.FirstRelocation[i] + k];
                outputRelocations.Add(relocation with { Offset = checked((ushort)(relocation.Offset - ins.Start + to)) });
            }
            if (a.BranchTo[i] < 0) continue;
            int width = X64CodeAnalysis.BranchDisplacementWidth(ins.Instruction);
            int end = to + ins.Length;
            long displacement = newStart[a.BranchTo[i]] - end;
            if (width == 1)
            {
                if (displacement is < sbyte.MinValue or > sbyte.MaxValue) return false;
                output[end - 1] = (byte)(sbyte)displacement;
            }
            else BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(end - 4), checked((int)displacement));
        }
        rewritten = output;
        moved = outputRelocations.ToArray();
        return true;
    }

    /// <summary>
    /// Writes at <paramref name="to"/> a rel32 branch to the exit of exit jump <paramref name="exitJump"/>: a
    /// <c>jcc</c> on <paramref name="condition"/> or, with -1, a <c>jmp</c>; its field is a copy of the exit jump's,
    /// with the exit's relocation.
    /// </summary>
    private static void WriteExit(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, Analysis a, int exitJump, byte[] output, int to,
        List<Relocation> outputRelocations, int condition)
    {
        int field;
        if (condition >= 0)
        {
            X64Branches.WriteJccRel32(output.AsSpan(to), condition);
            field = to + X64Branches.JccRel32Field;
        }
        else
        {
            X64Branches.WriteJmpRel32(output.AsSpan(to));
            field = to + X64Branches.JmpRel32Field;
        }
        var jump = a.Instructions[exitJump];
        code.Slice(jump.Start + 1, 4).CopyTo(output.AsSpan(field));
        outputRelocations.Add(relocations[a.FirstRelocation[exitJump]] with { Offset = checked((ushort)field) });
    }

    /// <summary>A <c>jmp rel32</c> (<c>E9</c>, no prefix) whose field carries a Rel32 relocation, its only one: an exit.</summary>
    private static bool IsExitJump(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations, Analysis a, int i)
    {
        var jump = a.Instructions[i];
        if (jump.Instruction.Code != Code.Jmp_rel32_64 || !X64Branches.IsJmp(code, jump.Start, jump.Length) || jump.Length != JumpLength || a.RelocationCount[i] != 1) return false;
        var exit = relocations[a.FirstRelocation[i]];
        return exit.Kind == RelocationKind.Rel32 && exit.Offset == jump.Start + X64Branches.JmpRel32Field && exit.Addend == BranchAddend;
    }

    /// <summary>A <c>jcc rel8</c> (<c>7x</c>) or <c>jcc rel32</c> (<c>0F 8x</c>) without prefixes.</summary>
    private static bool IsPlainJcc(ReadOnlySpan<byte> code, Decoded ins) => X64Branches.IsJcc(code, ins.Start, ins.Length);

    /// <summary>A <c>jmp rel8</c> (<c>EB</c>) or <c>jmp rel32</c> (<c>E9</c>) without prefixes.</summary>
    private static bool IsPlainJmp(ReadOnlySpan<byte> code, Decoded ins) => X64Branches.IsJmp(code, ins.Start, ins.Length);

    /// <summary>The condition code (0–15) of a plain <c>jcc</c>.</summary>
    private static int Condition(ReadOnlySpan<byte> code, Decoded ins) => X64Branches.Condition(code, ins.Start, ins.Length);
}
