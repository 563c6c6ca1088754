using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Iced.Intel;
using Patchouly.Runtime.Disassembly;
using Decoder = Iced.Intel.Decoder;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>Prints x86-64 code as Intel-syntax assembly (Iced's NASM formatter), naming branch destinations that are labels.</summary>
internal sealed class X64Disassembler : IInstructionPrinter
{
    /// <inheritdoc />
    public string FarJumpName => "trampoline";

    /// <inheritdoc />
    public void Print(StringBuilder sb, byte[] code, ulong address, int start, int length,
        List<(int Offset, int Order, string Text)> marks, Dictionary<ulong, string> labels)
    {
        var formatter = CreateFormatter(labels);
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code, start, length), address + (ulong)start);
        var output = new StringOutput();
        int next = 0;
        int offset = start;
        while (offset < start + length)
        {
            while (next < marks.Count && marks[next].Offset <= offset)
                sb.Append(marks[next++].Text).Append('\n');
            decoder.Decode(out var instruction);
            string text;
            if (instruction.IsInvalid)
                text = "db 0x" + code[offset].ToString("x2", CultureInfo.InvariantCulture) + " ; (invalid)";
            else
            {
                formatter.Format(instruction, output);
                text = output.ToStringAndReset();
            }
            int size = Math.Max(1, Math.Min(instruction.Length, start + length - offset));
            FunctionDisassembler.AppendLine(sb, address + (ulong)offset, code.AsSpan(offset, size), text);
            offset += size;
            if (instruction.IsInvalid || size != instruction.Length)
                decoder = Decoder.Create(64, new ByteArrayCodeReader(code, offset, start + length - offset), address + (ulong)offset);
        }
        while (next < marks.Count)
            sb.Append(marks[next++].Text).Append('\n');
    }

    /// <inheritdoc />
    public void PrintFarJump(StringBuilder sb, byte[] code, ulong address, int offset, ulong destination)
    {
        Print(sb, code, address, offset, X64Trampoline.InstructionLength, [], []);
        FunctionDisassembler.AppendLine(sb, address + (ulong)offset + X64Trampoline.InstructionLength,
            code.AsSpan(offset + X64Trampoline.InstructionLength, 8), "dq 0x" + destination.ToString("x", CultureInfo.InvariantCulture));
    }

    private static NasmFormatter CreateFormatter(Dictionary<ulong, string> labels)
    {
        var formatter = new NasmFormatter(new LabelResolver(labels));
        formatter.Options.HexPrefix = "0x";
        formatter.Options.HexSuffix = null;
        formatter.Options.UppercaseHex = false;
        formatter.Options.SignedImmediateOperands = true;
        formatter.Options.BranchLeadingZeros = false;
        formatter.Options.ShowBranchSize = false;
        formatter.Options.SpaceAfterOperandSeparator = true;
        return formatter;
    }

    /// <summary>Names branch targets that are blocks, the body or trampolines.</summary>
    private sealed class LabelResolver(Dictionary<ulong, string> labels) : ISymbolResolver
    {
        public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address, int addressSize, out SymbolResult symbol)
        {
            if (instructionOperand >= 0
                && instruction.GetOpKind(instructionOperand) is OpKind.NearBranch64 or OpKind.NearBranch32 or OpKind.NearBranch16
                && labels.TryGetValue(address, out var name))
            {
                symbol = new SymbolResult(address, name);
                return true;
            }
            symbol = default;
            return false;
        }
    }
}
