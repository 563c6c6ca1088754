using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Extract;
using Patchouly.Generators.Variants;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tables;

/// <summary>One distinct piece of machine code in the code blob and the variants that share it.</summary>
internal sealed record CodeChunk(byte[] Bytes, int Offset, List<ExtractedVariant> Users);

/// <summary>
/// The runtime table layout of a library: a code blob in which identical variants share bytes, the relocations in
/// variant order, the packed variant table (one slot per location assignment; 0 where no variant exists) and the
/// first slot of each family. <see cref="ToBlobContents"/> turns it into the tables blob the runtime loads.
/// </summary>
internal sealed class TableLayout
{
    private TableLayout(CLibrarySource source, List<CodeChunk> chunks, List<(ulong Bits, ExtractedVariant Owner, Relocation Relocation)> relocations, List<ulong> variants, int[] familyFirst, int variantCount)
    {
        Source = source;
        Chunks = chunks;
        Relocations = relocations;
        Variants = variants;
        FamilyFirst = familyFirst;
        VariantCount = variantCount;
        CodeLength = chunks.Sum(c => c.Bytes.Length);
    }

    public CLibrarySource Source { get; }
    public IReadOnlyList<CodeChunk> Chunks { get; }
    public IReadOnlyList<(ulong Bits, ExtractedVariant Owner, Relocation Relocation)> Relocations { get; }
    public IReadOnlyList<ulong> Variants { get; }
    public IReadOnlyList<int> FamilyFirst { get; }
    public int VariantCount { get; }
    public int CodeLength { get; }

    public static TableLayout Build(CLibrarySource source, ExtractedLibrary extracted)
    {
        var library = source.Library;
        var byFamily = extracted.Variants.GroupBy(v => v.Family).ToDictionary(g => g.Key, g => g.ToDictionary(v => v.Slot));
        var chunks = new List<CodeChunk>();
        var chunkIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var variants = new List<ulong>();
        var relocations = new List<(ulong, ExtractedVariant, Relocation)>();
        var familyFirst = new int[library.Families.Count];
        int codeLength = 0, variantCount = 0;
        foreach (var family in library.Families)
        {
            familyFirst[family.Index] = variants.Count;
            int slots = VariantEnumerator.TotalSlots(family, library.FamilyRegisters(family), library.FamilyFloatRegisters(family));
            byFamily.TryGetValue(family.Index, out var present);
            for (int slot = 0; slot < slots; slot++)
            {
                if (present is null || !present.TryGetValue(slot, out var v))
                {
                    variants.Add(0);
                    continue;
                }
                variantCount++;
                string key = Convert.ToBase64String(v.Code) + "|" + string.Join(",", v.Relocations.Select(r => r.Bits)) + "|" + (int)v.Flags;
                if (!chunkIndex.TryGetValue(key, out int chunk))
                {
                    chunk = chunks.Count;
                    chunkIndex[key] = chunk;
                    chunks.Add(new CodeChunk(v.Code, codeLength, new List<ExtractedVariant>()));
                    codeLength += v.Code.Length;
                }
                chunks[chunk].Users.Add(v);
                foreach (var r in v.Relocations) relocations.Add((r.Bits, v, r));
                variants.Add(new StencilVariant(chunks[chunk].Offset, v.Code.Length, 0, v.Relocations.Count, v.Flags).Bits);
            }
        }
        return new TableLayout(source, chunks, relocations, variants, familyFirst, variantCount);
    }

    /// <summary>The contents of the tables blob for target <paramref name="triple"/> (what the runtime loads).</summary>
    public TableBlobContents ToBlobContents(string triple, string provenance) => new(
        Source.Library.Name, Source.Library.Registers, Source.Hash, triple, provenance,
        Source.Library.Families.Select(f => new TableBlobFamily(f.Name, f.Kind.ToTable(), f.InputCount, f.OutputCount,
            f.HoleBits.Select(b => (byte)b).ToArray(), f.TargetCount, f.HasWide, FamilyFirst[f.Index], f.Signature, f.FloatMask)).ToList(),
        Variants.ToArray(), Relocations.Select(r => r.Bits).ToArray(), Chunks.SelectMany(c => c.Bytes).ToArray(), Source.Library.FloatRegisters,
        Source.Library.MoveRegisters, Source.Library.MoveFloatRegisters);
}
