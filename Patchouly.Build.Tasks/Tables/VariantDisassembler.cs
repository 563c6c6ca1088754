using System.Collections.Generic;
using System.Linq;
using System.Text;
using Iced.Intel;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tables;

/// <summary>Disassembles a variant (Intel syntax) and names the relocation each instruction carries.</summary>
internal static class VariantDisassembler
{
    public static IEnumerable<string> Lines(byte[] code, IReadOnlyList<Relocation> relocations, IReadOnlyList<string>? holeNames = null)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        decoder.IP = 0;
        var formatter = new IntelFormatter();
        formatter.Options.FirstOperandCharIndex = 8;
        var output = new StringOutput();
        while (decoder.IP < (ulong)code.Length)
        {
            int start = (int)decoder.IP;
            decoder.Decode(out var instruction);
            formatter.Format(instruction, output);
            string text = output.ToStringAndReset();
            int end = start + instruction.Length;
            var notes = relocations.Where(r => r.Offset >= start && r.Offset < end).Select(r => Describe(r, holeNames)).ToList();
            yield return $"{start:x4}  {text}{(notes.Count > 0 ? "  ; " + string.Join(", ", notes) : "")}";
        }
    }

    public static string Describe(Relocation r, IReadOnlyList<string>? holeNames = null)
    {
        string what = r.Patch switch
        {
            PatchKind.Hole => holeNames is not null && r.Index < holeNames.Count ? $"hole {holeNames[r.Index]}" : $"hole{r.Index}",
            PatchKind.Slot => $"slot of stack value {r.Index}",
            PatchKind.Next => "next",
            PatchKind.Target => $"target{r.Index}",
            PatchKind.FrameSize => "frame size",
            _ => "?",
        };
        var sb = new StringBuilder().Append(what).Append(" (").Append(r.Kind);
        if (r.Addend != 0) sb.Append(r.Addend > 0 ? " +" : " ").Append(r.Addend);
        return sb.Append(" @").Append(r.Offset.ToString("x")).Append(')').ToString();
    }
}
