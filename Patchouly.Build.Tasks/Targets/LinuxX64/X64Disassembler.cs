using System.Collections.Generic;
using System.Linq;
using Iced.Intel;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>Disassembles a variant (Intel syntax) and names the relocation each instruction carries.</summary>
internal static class X64Disassembler
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
            var notes = relocations.Where(r => r.Offset >= start && r.Offset < end).Select(r => RelocationDescription.Describe(r, holeNames)).ToList();
            yield return $"{start:x4}  {text}{(notes.Count > 0 ? "  ; " + string.Join(", ", notes) : "")}";
        }
    }
}
