using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.MachO;
using Patchouly.Build.Tasks.Tests.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.MachO;

/// <summary>Mach-O objects made by clang for the tests, and the offsets of their fields.</summary>
internal static class MachOTestSupport
{
    public const string Triple = "arm64-apple-macos";

    /// <summary>The flags the osx-arm64 target compiles stencils with (less the optimisation level).</summary>
    public static readonly string[] StencilFlags = ["-ffixed-x18", "-mno-outline-atomics", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-fno-stack-protector"];

    private static readonly System.Lazy<byte[]> s_objects = new(() => ObjectTestSupport.Compile(ObjectTestSupport.ObjectsSource, Triple, StencilFlags));

    /// <summary>TestData/objects.c compiled for macOS arm64 (once per run).</summary>
    public static byte[] Objects => s_objects.Value;

    /// <summary>Addends in every form arm64 Mach-O has: ADDEND pairs (PAGE21, PAGEOFF12, BRANCH26) and UNSIGNED data.</summary>
    public const string AddendSource = """
        #include <stdint.h>
        uint64_t f(void)
        {
            uint64_t x;
            __asm__("adrp %0, _big+16@PAGE\n\tadd %0, %0, _big+16@PAGEOFF\n\tbl _callee+8\n\tadrp x1, _got@GOTPAGE\n\tldr x1, [x1, _got@GOTPAGEOFF]\n\tb _callee" : "=r"(x) :: "x1", "x30");
            return x;
        }
        __asm__(".data\n.globl _table\n_table: .quad _big+24\n.quad _big-8\n");
        """;

    /// <summary>Every header, load-command, section, symbol and relocation field of a valid object.</summary>
    public static List<FuzzField> Fields(byte[] d, MachOObject obj)
    {
        var fields = new List<FuzzField> { new(0, 4, "magic"), new(4, 4, "cputype"), new(12, 4, "filetype"), new(16, 4, "ncmds"), new(20, 4, "sizeofcmds") };
        foreach (var c in obj.LoadCommands)
        {
            fields.AddRange([new(c.Offset, 4, $"command at {c.Offset} cmd"), new(c.Offset + 4, 4, $"command at {c.Offset} cmdsize")]);
            for (int at = c.Offset + 8; at + 4 <= c.Offset + System.Math.Min((int)c.Size, 72); at += 4) fields.Add(new(at, 4, $"command at {c.Offset} +{at - c.Offset}"));
        }
        var segment = obj.LoadCommands.First(c => c.Command == 0x19);
        foreach (var s in obj.Sections)
        {
            int at = segment.Offset + 72 + 80 * (s.Ordinal - 1);
            fields.AddRange([new(at + 32, 8, $"{s} addr"), new(at + 40, 8, $"{s} size"), new(at + 48, 4, $"{s} offset"), new(at + 52, 4, $"{s} align"),
                new(at + 56, 4, $"{s} reloff"), new(at + 60, 4, $"{s} nreloc"), new(at + 64, 4, $"{s} flags")]);
            foreach (var r in obj.RelocationsFor(s))
            {
                int ra = (int)s.RelocationOffset + 8 * r.Index;
                fields.AddRange([new(ra, 4, $"{s} relocation {r.Index} r_address"), new(ra + 4, 4, $"{s} relocation {r.Index} info"),
                    new(ra + 7, 1, $"{s} relocation {r.Index} type/extern/length"), new((int)(s.Offset + r.Address), 4, $"{s} field of relocation {r.Index}")]);
            }
        }
        var symtab = obj.LoadCommands.First(c => c.Command == 0x2);
        int symoff = (int)System.BitConverter.ToUInt32(d, symtab.Offset + 8);
        foreach (var sym in obj.Symbols)
        {
            int at = symoff + 16 * sym.Index;
            fields.AddRange([new(at, 4, $"{sym} n_strx"), new(at + 4, 1, $"{sym} n_type"), new(at + 5, 1, $"{sym} n_sect"), new(at + 6, 2, $"{sym} n_desc"), new(at + 8, 8, $"{sym} n_value")]);
        }
        return fields.Where(f => f.Offset + f.Width <= d.Length).ToList();
    }
}
