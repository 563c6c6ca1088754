using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Patchouly.Runtime.Disassembly;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// Prints AArch64 code one 32-bit word per line (Iced has no AArch64 decoder): the word as <c>.inst 0x…</c>, and for
/// the instructions the runtime writes or patches a decoded form after <c>;</c> — <c>b</c>/<c>bl</c> with their
/// destination (by label when it is the body, a block or a veneer), <c>movz</c>/<c>movk</c> with their imm16 and shift,
/// <c>nop</c>, <c>brk</c>, <c>ret</c>, the veneer's <c>ldr x16</c>/<c>br x16</c>, and the <c>adrp</c>, 64-bit
/// <c>ldr</c> (unsigned offset), <c>add</c> (immediate) and <c>movn</c> of GOT loads and page addressing.
/// </summary>
internal sealed class Arm64Disassembler : IInstructionPrinter
{
    /// <inheritdoc />
    public string FarJumpName => "veneer";

    /// <inheritdoc />
    public void Print(StringBuilder sb, byte[] code, ulong address, int start, int length,
        List<(int Offset, int Order, string Text)> marks, Dictionary<ulong, string> labels)
    {
        int next = 0;
        int end = start + length;
        for (int offset = start; offset < end; offset += 4)
        {
            while (next < marks.Count && marks[next].Offset <= offset)
                sb.Append(marks[next++].Text).Append('\n');
            int size = Math.Min(4, end - offset);
            ulong place = address + (ulong)offset;
            string text = size == 4 ? Describe(Arm64Code.WordAt(code, offset), place, labels) : "(partial word)";
            FunctionDisassembler.AppendLine(sb, place, code.AsSpan(offset, size), text);
        }
        while (next < marks.Count)
            sb.Append(marks[next++].Text).Append('\n');
    }

    /// <inheritdoc />
    public void PrintFarJump(StringBuilder sb, byte[] code, ulong address, int offset, ulong destination)
    {
        Print(sb, code, address, offset, 8, [], []);
        FunctionDisassembler.AppendLine(sb, address + (ulong)offset + 8, code.AsSpan(offset + 8, 8),
            ".quad 0x" + destination.ToString("x", CultureInfo.InvariantCulture));
    }

    /// <summary>The text of one instruction word at <paramref name="place"/>.</summary>
    public static string Describe(uint word, ulong place, Dictionary<ulong, string> labels)
    {
        string inst = ".inst 0x" + word.ToString("x8", CultureInfo.InvariantCulture);
        string? decoded = Decode(word, place, labels);
        return decoded is null ? inst : inst + " ; " + decoded;
    }

    /// <summary>The base register (bits 5–9) of a load/store or <c>add</c>: x0–x30, or sp.</summary>
    private static string Base(uint word) => Register((word >> 5) & 31);

    private static string Register(uint number) => number == 31 ? "sp" : "x" + number.ToString(CultureInfo.InvariantCulture);

    private static string? Decode(uint word, ulong place, Dictionary<ulong, string> labels)
    {
        if (Arm64Code.IsB(word) || Arm64Code.IsBl(word))
        {
            ulong destination = unchecked(place + (ulong)Arm64Fields.BranchDistance(word));
            string where = labels.TryGetValue(destination, out var name) ? name : "0x" + destination.ToString("x", CultureInfo.InvariantCulture);
            return (Arm64Code.IsBl(word) ? "bl " : "b ") + where;
        }
        switch (word)
        {
            case Arm64Code.Nop: return "nop";
            case Arm64Code.Brk0: return "brk #0";
            case 0xD65F03C0: return "ret";
            case Arm64Veneer.LdrX16Literal8: return "ldr x16, #8";
            case Arm64Veneer.BrX16: return "br x16";
        }
        if (Arm64Code.IsAdrp(word))
        {
            ulong page = unchecked((place & ~0xFFFUL) + (ulong)Arm64Fields.PageDelta(word));
            return "adrp x" + (word & 31).ToString(CultureInfo.InvariantCulture) + ", 0x" + page.ToString("x", CultureInfo.InvariantCulture);
        }
        if (Arm64Code.IsLdr64UnsignedOffset(word))
            return "ldr x" + (word & 31).ToString(CultureInfo.InvariantCulture) + ", [" + Base(word) + ", #0x"
                + (((word >> 10) & 0xFFF) * 8).ToString("x", CultureInfo.InvariantCulture) + "]";
        if ((word & 0xFFC00000) == 0x91000000) // add xd, xn, #imm12
            return "add " + Register((word & 31)) + ", " + Base(word) + ", #0x" + ((word >> 10) & 0xFFF).ToString("x", CultureInfo.InvariantCulture);
        if ((word & 0xFF800000) == 0x92800000) // movn, 64-bit
            return "movn x" + (word & 31).ToString(CultureInfo.InvariantCulture) + ", #0x" + ((word >> 5) & 0xFFFF).ToString("x", CultureInfo.InvariantCulture)
                + (((word >> 21) & 3) == 0 ? "" : ", lsl #" + (((word >> 21) & 3) * 16).ToString(CultureInfo.InvariantCulture));
        uint top = word & 0xFF800000;
        if (top is 0xD2800000 or 0xF2800000) // movz / movk, 64-bit
        {
            uint rd = word & 31, imm16 = (word >> 5) & 0xFFFF, shift = ((word >> 21) & 3) * 16;
            string text = (top == 0xD2800000 ? "movz x" : "movk x") + rd.ToString(CultureInfo.InvariantCulture)
                + ", #0x" + imm16.ToString("x", CultureInfo.InvariantCulture);
            return shift == 0 ? text : text + ", lsl #" + shift.ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }
}
