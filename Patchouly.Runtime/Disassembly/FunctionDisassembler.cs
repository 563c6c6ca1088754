using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Iced.Intel;
using Decoder = Iced.Intel.Decoder;
using Patchouly.Runtime.Linking;

namespace Patchouly.Runtime.Disassembly;

/// <summary>
/// Formats a compiled function as Intel-syntax assembly (Iced's NASM formatter): the entry shim, the body with a
/// comment line at each stencil boundary and a label at each block, and the trampolines. Branches to blocks,
/// the body and trampolines are shown by name.
/// </summary>
internal static class FunctionDisassembler
{
    public static string Disassemble(byte[] code, ulong address, FunctionMap map)
    {
        var labels = new Dictionary<ulong, string>();
        ulong body = address + (ulong)map.BodyOffset;
        labels[body] = "body";
        foreach (var (offset, block) in map.Blocks)
            labels.TryAdd(body + (ulong)offset, "B" + block.ToString(CultureInfo.InvariantCulture));
        for (int i = 0; i < map.Trampolines.Length; i++)
            labels[address + (ulong)map.Trampolines[i].Offset] = "trampoline" + i.ToString(CultureInfo.InvariantCulture);

        var formatter = new NasmFormatter(new LabelResolver(labels));
        formatter.Options.HexPrefix = "0x";
        formatter.Options.HexSuffix = null;
        formatter.Options.UppercaseHex = false;
        formatter.Options.SignedImmediateOperands = true;
        formatter.Options.BranchLeadingZeros = false;
        formatter.Options.ShowBranchSize = false;
        formatter.Options.SpaceAfterOperandSeparator = true;
        var sb = new StringBuilder();

        sb.Append("; entry shim ").Append(map.Entry.Name).Append(" (C ABI: allocates the frame, calls body)\n");
        DecodeRange(sb, formatter, code, address, map.EntryOffset, map.EntryLength, []);

        sb.Append("body:\n");
        var marks = new List<(int Offset, int Order, string Text)>();
        for (int i = 0; i < map.Blocks.Length; i++)
            marks.Add((map.Blocks[i].Offset, i, "B" + map.Blocks[i].Block.ToString(CultureInfo.InvariantCulture) + ":"));
        int order = map.Blocks.Length;
        for (int i = 0; i < map.Stencils.Length; i++)
        {
            var s = map.Stencils[i];
            var family = map.FamilyOf(s);
            var locations = map.Locations.AsSpan(s.LocationStart, family.Inputs + family.Outputs);
            string text = "; " + family.Name + " "
                + FunctionBuilder.DescribeLocations(locations[..family.Inputs], locations[family.Inputs..])
                + (map.IsWide(s) ? " wide" : " narrow") + (map.TailDropped(i) ? " (trailing jump dropped)" : "");
            marks.Add((s.Offset, order++, text));
        }
        // Blocks placed at an offset come before the stencil emitted there, since they were started before it.
        marks.Sort(static (a, b) =>
        {
            if (a.Offset != b.Offset) return a.Offset.CompareTo(b.Offset);
            int rank = KindRank(a.Text).CompareTo(KindRank(b.Text));
            return rank != 0 ? rank : a.Order.CompareTo(b.Order);
        });
        for (int i = 0; i < marks.Count; i++)
            marks[i] = (marks[i].Offset + map.BodyOffset, marks[i].Order, marks[i].Text);
        DecodeRange(sb, formatter, code, address, map.BodyOffset, map.BodyLength, marks);

        if (map.Trampolines.Length > 0)
        {
            sb.Append("; trampolines to far host functions\n");
            for (int i = 0; i < map.Trampolines.Length; i++)
            {
                var (offset, destination) = map.Trampolines[i];
                sb.Append("trampoline").Append(i.ToString(CultureInfo.InvariantCulture)).Append(":\n");
                DecodeRange(sb, formatter, code, address, offset, 6, []);
                AppendLine(sb, address + (ulong)offset + 6, code.AsSpan(offset + 6, 8),
                    "dq 0x" + destination.ToString("x", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    private static int KindRank(string mark) => mark.StartsWith(';') ? 1 : 0;

    private static void DecodeRange(StringBuilder sb, Formatter formatter, byte[] code, ulong address, int start, int length,
        List<(int Offset, int Order, string Text)> marks)
    {
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
            AppendLine(sb, address + (ulong)offset, code.AsSpan(offset, size), text);
            offset += size;
            if (instruction.IsInvalid || size != instruction.Length)
                decoder = Decoder.Create(64, new ByteArrayCodeReader(code, offset, start + length - offset), address + (ulong)offset);
        }
        while (next < marks.Count)
            sb.Append(marks[next++].Text).Append('\n');
    }

    private static void AppendLine(StringBuilder sb, ulong address, ReadOnlySpan<byte> bytes, string text)
    {
        sb.Append("  ").Append(address.ToString("x16", CultureInfo.InvariantCulture)).Append("  ");
        int written = 0;
        foreach (byte b in bytes)
        {
            sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            written += 2;
        }
        sb.Append(' ', Math.Max(1, 22 - written)).Append(text).Append('\n');
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
