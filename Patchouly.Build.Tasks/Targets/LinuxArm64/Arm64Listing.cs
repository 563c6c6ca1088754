using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.LinuxArm64;

/// <summary>
/// Lists AArch64 code one instruction word per line, naming the few instructions stencils are built around (b, bl,
/// movz, movk, adrp, 64-bit ldr, ret, nop, brk) and the relocation each word carries; other words are shown as <c>.inst</c> (there is no
/// AArch64 decoder among our dependencies; <c>llvm-objdump</c> on the kept objects gives the full disassembly).
/// </summary>
internal static class Arm64Listing
{
    public static IEnumerable<string> Lines(byte[] code, IReadOnlyList<Relocation> relocations, IReadOnlyList<string>? holeNames)
    {
        for (int at = 0; at + 4 <= code.Length; at += 4)
        {
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(code.AsSpan(at));
            var notes = relocations.Where(r => r.Offset == at).Select(r => RelocationDescription.Describe(r, holeNames)).ToList();
            yield return $"{at:x4}  {word:x8}  {Name(word)}{(notes.Count > 0 ? "  ; " + string.Join(", ", notes) : "")}";
        }
    }

    private static string Name(uint word)
    {
        if ((word & 0xFC000000) == 0x14000000) return "b";
        if ((word & 0xFC000000) == 0x94000000) return "bl";
        if ((word & 0x7F800000) == 0x52800000) return $"movz {(word >> 31 != 0 ? 'x' : 'w')}{word & 31}, #0x{(word >> 5) & 0xFFFF:x}, lsl #{((word >> 21) & 3) * 16}";
        if ((word & 0x7F800000) == 0x72800000) return $"movk {(word >> 31 != 0 ? 'x' : 'w')}{word & 31}, #0x{(word >> 5) & 0xFFFF:x}, lsl #{((word >> 21) & 3) * 16}";
        if ((word & 0x9F000000) == 0x90000000) return $"adrp x{word & 31}";
        if ((word & 0xFFC00000) == 0xF9400000) return $"ldr x{word & 31}, [x{(word >> 5) & 31}, #0x{((word >> 10) & 0xFFF) * 8:x}]";
        if (word == 0xD65F03C0) return "ret";
        if (word == 0xD503201F) return "nop";
        if ((word & 0xFFE0001F) == 0xD4200000) return $"brk #0x{(word >> 5) & 0xFFFF:x}";
        return ".inst";
    }
}
