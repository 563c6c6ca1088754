using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.Tests.ObjectFiles;

/// <summary>A field of a valid object worth corrupting: where, how wide (1, 2, 4 or 8 bytes), and its name.</summary>
internal readonly record struct FuzzField(int Offset, int Width, string Name);

/// <summary>
/// Bounded mutation fuzzing shared by the object readers' tests: each case corrupts one to three fields of a valid
/// object (boundary values, off-by-a-little, random bits) or a few random bytes, and the reader must either accept the
/// mutant (and then survive a walk over everything it exposes) or reject it with <see cref="ObjectFileException"/>.
/// Case c uses <c>new Random(seed + c)</c>, so a failure can be replayed alone.
/// </summary>
internal static class ObjectFuzzer
{
    private static readonly ulong[] s_boundaries =
        [0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
         0x100000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff];

    /// <summary>The case count: <c>PATCHOULY_FUZZ_CASES</c> when set, else <paramref name="defaultCases"/>.</summary>
    public static int Cases(int defaultCases)
    {
        string? env = Environment.GetEnvironmentVariable("PATCHOULY_FUZZ_CASES");
        if (string.IsNullOrWhiteSpace(env)) return defaultCases;
        Assert.True(int.TryParse(env, out int n) && n >= 0, $"PATCHOULY_FUZZ_CASES must be a non-negative integer, not '{env}'");
        return n;
    }

    /// <summary>Runs the cases; <paramref name="readAndWalk"/> parses a mutant and touches everything it exposes.</summary>
    public static string Run(byte[] original, IReadOnlyList<FuzzField> fields, int seed, int cases, Action<byte[]> readAndWalk)
    {
        int accepted = 0, rejected = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int c = 0; c < cases && failures.Count < 5; c++)
        {
            byte[] mutant = Mutate(original, fields, seed + c, null);
            try
            {
                readAndWalk(mutant);
                accepted++;
            }
            catch (ObjectFileException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                var log = new List<string>();
                Mutate(original, fields, seed + c, log);
                failures.Add($"case {c} (seed 0x{seed:X}; mutations: {string.Join("; ", log)}): {e}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} case(s) threw something other than ObjectFileException:\n" + string.Join("\n\n", failures));
        if (cases >= 1000)
        {
            Assert.True(accepted > 0, "no mutant was accepted; the mutations are too destructive to test the later paths");
            Assert.True(rejected > 0, "no mutant was rejected");
        }
        return $"{cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {accepted} accepted, {rejected} rejected with ObjectFileException";
    }

    private static byte[] Mutate(byte[] original, IReadOnlyList<FuzzField> fields, int seed, List<string>? log)
    {
        var rng = new Random(seed);
        byte[] d = (byte[])original.Clone();
        int n = rng.Next(1, 4);
        for (int i = 0; i < n; i++)
        {
            if (rng.Next(8) == 0 || fields.Count == 0)
            {
                int at = rng.Next(d.Length);
                byte b = (byte)rng.Next(256);
                log?.Add($"byte {at} = 0x{b:x2}");
                d[at] = b;
                continue;
            }
            var f = fields[rng.Next(fields.Count)];
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
                2 => (ulong)(original.Length + rng.Next(-2, 3)),
                3 => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63),
                4 => old ^ (1UL << rng.Next(f.Width * 8)),
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
        return d;
    }

    /// <summary>Touches everything a neutral view exposes.</summary>
    public static long Walk(ObjectFile obj)
    {
        long total = obj.ToString().Length + obj.MachineName.Length + (long)(obj.Architecture ?? 0);
        foreach (var s in obj.Sections)
        {
            total += s.Name.Length + s.ToString().Length + s.Data.Length + (s.IsExecutable ? 1 : 0) + (s.IsWritable ? 1 : 0);
            foreach (var r in obj.RelocationsFor(s))
                total += (long)r.Offset + r.Addend + r.Symbol.Name.Length + r.TypeName.Length + r.ToString().Length + obj.RelocationTypeName(r.Type).Length;
        }
        foreach (var sym in obj.Symbols)
        {
            total += sym.Name.Length + sym.ToString().Length + (long)sym.Kind + (sym.IsDefined ? 1 : 0);
            if (sym.Section is { } section && sym.Kind == ObjectSymbolKind.Function)
                total += section.Data.Span.Slice((int)sym.Value, (int)sym.Size).Length;
        }
        foreach (var f in obj.DefinedFunctions) total += f.Name.Length;
        return total;
    }
}
