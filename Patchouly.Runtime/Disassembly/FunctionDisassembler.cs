using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime.Disassembly;

/// <summary>
/// Formats a compiled function: the entry shim, the body with a comment line at each stencil boundary and a label at
/// each block, the far jumps (trampolines, veneers) and the GOT entries. The instructions are printed by the library's target
/// (<see cref="IInstructionPrinter"/>): Intel syntax on x86-64, one hex word per instruction on AArch64. Branches to
/// blocks, the body and far jumps are shown by name.
/// </summary>
internal static class FunctionDisassembler
{
    public static string Disassemble(byte[] code, ulong address, FunctionMap map)
    {
        var printer = InstructionPrinters.For(map.Plan.Architecture);
        var labels = new Dictionary<ulong, string>();
        ulong body = address + (ulong)map.BodyOffset;
        labels[body] = "body";
        foreach (var (offset, block) in map.Blocks)
            labels.TryAdd(body + (ulong)offset, "B" + block.ToString(CultureInfo.InvariantCulture));
        for (int i = 0; i < map.Trampolines.Length; i++)
            labels[address + (ulong)map.Trampolines[i].Offset] = printer.FarJumpName + i.ToString(CultureInfo.InvariantCulture);

        var sb = new StringBuilder();
        sb.Append("; entry shim ").Append(map.Entry.Name).Append(" (C ABI: allocates the frame, calls body)\n");
        printer.Print(sb, code, address, map.EntryOffset, map.EntryLength, [], labels);

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
        printer.Print(sb, code, address, map.BodyOffset, map.BodyLength, marks, labels);

        if (map.Trampolines.Length > 0)
        {
            sb.Append("; ").Append(printer.FarJumpName).Append("s to far host functions\n");
            for (int i = 0; i < map.Trampolines.Length; i++)
            {
                var (offset, destination) = map.Trampolines[i];
                sb.Append(printer.FarJumpName).Append(i.ToString(CultureInfo.InvariantCulture)).Append(":\n");
                printer.PrintFarJump(sb, code, address, offset, destination);
            }
        }
        if (map.GotEntries.Length > 0)
        {
            sb.Append("; GOT entries (values loaded by adrp + ldr)\n");
            foreach (var (offset, value) in map.GotEntries)
                AppendLine(sb, address + (ulong)offset, code.AsSpan(offset, 8), ".quad 0x" + value.ToString("x", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static int KindRank(string mark) => mark.StartsWith(';') ? 1 : 0;

    /// <summary>Appends one instruction line: address, bytes, text.</summary>
    public static void AppendLine(StringBuilder sb, ulong address, ReadOnlySpan<byte> bytes, string text)
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
}
