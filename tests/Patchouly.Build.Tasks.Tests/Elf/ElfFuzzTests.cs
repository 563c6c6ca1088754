using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Targets.LinuxX64;
using Xunit.Abstractions;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.Elf;

/// <summary>
/// Bounded mutation fuzzing of the checked-in clang object: every mutant must either read cleanly (and then survive a
/// walk over everything it exposes) or be rejected with <see cref="ObjectFileException"/>. Case <c>c</c> is fully
/// determined by <see cref="Seed"/> and <c>c</c>, so a failure can be replayed alone.
/// </summary>
public sealed class ElfFuzzTests(ITestOutputHelper output)
{
    /// <summary>Cases per run; override with the <c>PATCHOULY_FUZZ_CASES</c> environment variable.</summary>
    public const int DefaultCases = 500_000;

    /// <summary>The base seed; case c uses <c>new Random(Seed + c)</c>.</summary>
    public const int Seed = 0x5EED_E1F;

    /// <summary>A field worth corrupting: where it is, how wide (1, 2, 4 or 8 bytes), and which record (header,
    /// section header, symbol or relocation: fields[First .. First + Count]) it belongs to.</summary>
    private readonly record struct Field(int Offset, int Width, string Name, int First = 0, int Count = 0);

    [Fact]
    public void MutatedObjectsParseOrThrowObjectFileException()
    {
        int cases = CaseCount();
        byte[] original = ElfTestSupport.FixedStencils;
        var fields = Fields(original, ElfObject.Read(original));
        int accepted = 0, rejected = 0;
        var failures = new List<string>();
        var messages = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (int c = 0; c < cases && failures.Count < 5; c++)
        {
            byte[] mutant = Mutate(original, fields, c, log: null);
            try
            {
                Walk(ElfObject.Read(mutant, "fuzz.o"));
                accepted++;
            }
            catch (ObjectFileException e)
            {
                rejected++;
                string kind = Kind(e.Message);
                messages[kind] = messages.GetValueOrDefault(kind) + 1;
            }
            catch (Exception e)
            {
                var log = new List<string>();
                Mutate(original, fields, c, log);
                failures.Add($"case {c} (seed 0x{Seed:X}, PATCHOULY_FUZZ_CASES={cases}; mutations: {string.Join("; ", log)}): {e}");
            }
        }
        clock.Stop();
        output.WriteLine($"{cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {accepted} accepted, {rejected} rejected with ObjectFileException.");
        foreach (var (kind, n) in messages.OrderByDescending(kv => kv.Value).Take(25)) output.WriteLine($"{n,8}  {kind}...");

        Assert.True(failures.Count == 0, $"{failures.Count} case(s) threw something other than ObjectFileException:\n" + string.Join("\n\n", failures));
        if (cases >= 1000)
        {
            Assert.True(accepted > 0, "no mutant was accepted; the mutations are too destructive to test the lazy paths");
            Assert.True(rejected > 0, "no mutant was rejected");
        }
    }

    /// <summary>The message with numbers and names blurred, to count kinds of rejection.</summary>
    private static string Kind(string message)
    {
        string m = System.Text.RegularExpressions.Regex.Replace(message["fuzz.o: ".Length..], @"\([^()]*\)|\d+", "#");
        return m.Length > 90 ? m[..90] : m;
    }

    private static int CaseCount()
    {
        string? env = Environment.GetEnvironmentVariable("PATCHOULY_FUZZ_CASES");
        if (string.IsNullOrWhiteSpace(env)) return DefaultCases;
        Assert.True(int.TryParse(env, out int n) && n >= 0, $"PATCHOULY_FUZZ_CASES must be a non-negative integer, not '{env}'");
        return n;
    }

    /// <summary>Every header, section header, symbol and relocation field of the valid object.</summary>
    private static Field[] Fields(byte[] d, ElfObject obj)
    {
        var fields = new List<Field>
        {
            new(4, 1, "EI_CLASS"), new(5, 1, "EI_DATA"), new(6, 1, "EI_VERSION"), new(16, 2, "e_type"), new(18, 2, "e_machine"),
            new(20, 4, "e_version"), new(40, 8, "e_shoff"), new(52, 2, "e_ehsize"), new(58, 2, "e_shentsize"),
            new(60, 2, "e_shnum"), new(62, 2, "e_shstrndx"),
        };
        Group(fields, 0);
        foreach (var s in obj.Sections)
        {
            int first = fields.Count;
            int h = ElfTestSupport.SectionHeader(d, s.Index);
            string p = $"section {s.Index} ";
            fields.AddRange([new(h, 4, p + "sh_name"), new(h + 4, 4, p + "sh_type"), new(h + 8, 8, p + "sh_flags"),
                new(h + 24, 8, p + "sh_offset"), new(h + 32, 8, p + "sh_size"), new(h + 40, 4, p + "sh_link"),
                new(h + 44, 4, p + "sh_info"), new(h + 48, 8, p + "sh_addralign"), new(h + 56, 8, p + "sh_entsize")]);
            Group(fields, first);
        }
        foreach (var s in obj.Symbols)
        {
            int first = fields.Count;
            int at = ElfTestSupport.SymbolEntry(obj, s.Index);
            string p = $"symbol {s.Index} ";
            fields.AddRange([new(at, 4, p + "st_name"), new(at + 4, 1, p + "st_info"), new(at + 5, 1, p + "st_other"),
                new(at + 6, 2, p + "st_shndx"), new(at + 8, 8, p + "st_value"), new(at + 16, 8, p + "st_size")]);
            Group(fields, first);
        }
        foreach (var rs in obj.RelocationSections)
            foreach (var r in rs.Relocations)
            {
                int first = fields.Count;
                int at = ElfTestSupport.RelocationEntry(rs, r.Index);
                string p = $"{rs.Section.Name}[{r.Index}] ";
                fields.AddRange([new(at, 8, p + "r_offset"), new(at + 8, 4, p + "r_type"), new(at + 12, 4, p + "r_sym"),
                    new(at + 16, 8, p + "r_addend")]);
                Group(fields, first);
            }
        return fields.ToArray();
    }

    private static void Group(List<Field> fields, int first)
    {
        for (int i = first; i < fields.Count; i++) fields[i] = fields[i] with { First = first, Count = fields.Count - first };
    }

    private static readonly ulong[] s_boundaries =
    [
        0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 18, 23, 24, 25, 63, 64, 65, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xff00, 0xfff1,
        0xfff2, 0xfffe, 0xffff, 0x10000, 0x6fff4c03, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000,
        0x7fffffffffffffff, 0x8000000000000000, ulong.MaxValue - 1, ulong.MaxValue,
    ];

    /// <summary>Applies 1-4 random mutations for case <paramref name="c"/>; <paramref name="log"/> (if given) describes them.</summary>
    private static byte[] Mutate(byte[] original, Field[] fields, int c, List<string>? log)
    {
        var rng = new Random(unchecked(Seed + c));
        byte[] d = (byte[])original.Clone();
        int length = d.Length;
        int count = 1 + rng.Next(4);
        for (int m = 0; m < count; m++)
        {
            switch (rng.Next(10))
            {
                case 0:
                case 1:
                {
                    int at = rng.Next(length), bit = rng.Next(8);
                    d[at] ^= (byte)(1 << bit);
                    log?.Add($"flip bit {bit} of byte {at}");
                    break;
                }
                case 2:
                {
                    int at = rng.Next(length);
                    byte v = rng.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => (byte)rng.Next(256) };
                    d[at] = v;
                    log?.Add($"byte {at} = 0x{v:x2}");
                    break;
                }
                case 3:
                {
                    length = rng.Next(length + 1);
                    log?.Add($"truncate to {length} bytes");
                    break;
                }
                default:
                {
                    // A field, and sometimes a second one of the same record (say st_value and st_size together).
                    var f = fields[rng.Next(fields.Length)];
                    Overwrite(d, original.Length, f, rng, log);
                    if (rng.Next(2) == 0) Overwrite(d, original.Length, fields[f.First + rng.Next(f.Count)], rng, log);
                    break;
                }
            }
        }
        return length == d.Length ? d : d[..length];
    }

    private static void Overwrite(byte[] d, int originalLength, Field f, Random rng, List<string>? log)
    {
        ulong old = f.Width switch
        {
            1 => d[f.Offset],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(f.Offset)),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(f.Offset)),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(f.Offset)),
        };
        ulong v = rng.Next(6) switch
        {
            0 => old + (ulong)rng.Next(1, 4),
            1 => old - (ulong)rng.Next(1, 4),
            2 => (ulong)(originalLength + rng.Next(-2, 3)),
            3 => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63),
            _ => s_boundaries[rng.Next(s_boundaries.Length)],
        };
        switch (f.Width)
        {
            case 1: d[f.Offset] = (byte)v; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(f.Offset), (ushort)v); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(f.Offset), (uint)v); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(f.Offset), v); break;
        }
        log?.Add($"{f.Name} (offset {f.Offset}) = 0x{v:x}");
    }

    /// <summary>Touches everything an accepted object exposes, so that no lazily computed value can throw later.</summary>
    private static void Walk(ElfObject obj)
    {
        long total = obj.ToString().Length;
        foreach (var s in obj.Sections)
        {
            total += s.Name.Length + s.TypeName.Length + s.ToString().Length + obj.GetSectionData(s).Length + obj.GetSectionMemory(s).Length;
            total += (s.IsAlloc ? 1 : 0) + (s.IsExecutable ? 1 : 0) + (s.IsWritable ? 1 : 0);
            foreach (var r in obj.RelocationsFor(s))
                total += (long)r.Offset + r.Addend + r.Symbol.Name.Length;
            total += obj.FindSection(s.Name)!.Index;
        }
        foreach (var sym in obj.Symbols)
        {
            total += sym.Name.Length + sym.ToString().Length + (long)sym.Type + (long)sym.Binding + (long)sym.Visibility;
            total += (sym.Section?.Name.Length ?? 0) + (sym.IsUndefined ? 1 : 0) + (sym.IsAbsolute ? 1 : 0) + (sym.IsCommon ? 1 : 0);
            if (sym.Section is { HasFileData: true } section)
            {
                var data = obj.GetSectionData(section);
                total += data.Slice((int)sym.Value, sym.Type is ElfSymbolType.Function or ElfSymbolType.Object ? (int)sym.Size : 0).Length;
            }
            if (sym.Type != ElfSymbolType.Section) total += obj.FindSymbol(sym.Name)?.Index ?? 0;
        }
        foreach (var rs in obj.RelocationSections)
        {
            total += rs.ToString().Length + rs.Target.Index + rs.SymbolTable.Index + (rs.HasExplicitAddends ? 1 : 0);
            var target = obj.GetSectionData(rs.Target);
            foreach (var r in rs.Relocations)
            {
                total += r.ToString().Length + obj.RelocationTypeName(r).Length + r.SymbolIndex + r.Symbol.Index;
                int width = X86_64Relocations.RelocationWidth(r.X86_64Type);
                total += target.Slice((int)r.Offset, obj.Machine == ElfMachine.X86_64 ? width : 1).Length;
            }
        }
        GC.KeepAlive(total);
    }
}
