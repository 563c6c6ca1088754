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
/// first slot of each family. <see cref="TablesWriter"/> prints it; <see cref="CreateLibrary"/> instantiates it.
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
        int registers = library.Registers;
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
            int slots = VariantEnumerator.TotalSlots(family, registers);
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

    /// <summary>The runtime families, as the generated tables construct them.</summary>
    public StencilFamily[] CreateFamilies() => Source.Library.Families.Select(f => new StencilFamily(
        f.Name, f.Kind.ToTable(), f.InputCount, f.OutputCount, f.HoleBits.Select(b => (byte)b).ToArray(),
        f.TargetCount, f.HasWide, FamilyFirst[f.Index], f.Signature)).ToArray();

    /// <summary>The runtime library, exactly as the generated tables would create it (used by tests and tools).</summary>
    public StencilLibrary CreateLibrary(string target = "x86_64-unknown-linux-gnu") => new(
        Source.Library.Name, Source.Library.Registers, Source.Hash, target,
        Chunks.SelectMany(c => c.Bytes).ToArray(), Relocations.Select(r => r.Bits).ToArray(), Variants.ToArray(), CreateFamilies());
}
