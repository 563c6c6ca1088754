using System.Collections.Generic;
using System.Linq;
using Patchouly.Generators.Format;
using Patchouly.Generators.Model;

namespace Patchouly.Generators.Variants;

/// <summary>The meaning of a symbol that stencil code refers to.</summary>
internal readonly record struct PatchSymbol(PatchKind Kind, int Index, bool Wide);

/// <summary>A compiled-variant symbol and the table slot it fills.</summary>
internal readonly record struct VariantSymbol(string Symbol, int Family, int Variant, bool Wide);

/// <summary>The C code of one family: its declarations, inline body and every variant.</summary>
internal sealed record CFamilySource(int Family, string Text, int VariantCount);

/// <summary>
/// The C translation of a whole library, split so that families can be compiled by several clang processes:
/// each compilation unit is <see cref="Header"/> + <see cref="Prelude"/> + some families.
/// </summary>
internal sealed class CLibrarySource
{
    public CLibrarySource(LibraryModel library, string header, string prelude, IReadOnlyList<CFamilySource> families,
        IReadOnlyList<VariantSymbol> variants, IReadOnlyDictionary<string, PatchSymbol> patchSymbols)
    {
        Library = library;
        Header = header;
        Prelude = prelude;
        Families = families;
        Variants = variants;
        PatchSymbols = patchSymbols;
        FullText = Unit(families);
        Hash = ModelHash.Compute(library);
    }

    public LibraryModel Library { get; }

    /// <summary>Includes, macros and declarations shared by every unit.</summary>
    public string Header { get; }

    /// <summary>Helper functions and typedefs from the translator.</summary>
    public string Prelude { get; }

    public IReadOnlyList<CFamilySource> Families { get; }

    /// <summary>Every variant function, with the table slot it fills.</summary>
    public IReadOnlyList<VariantSymbol> Variants { get; }

    /// <summary>Every undefined symbol stencil code may refer to, with its meaning.</summary>
    public IReadOnlyDictionary<string, PatchSymbol> PatchSymbols { get; }

    /// <summary>The whole library as one C file (what a reader looks at).</summary>
    public string FullText { get; }

    /// <summary>The <see cref="ModelHash"/> of the library: ties the generated emit API to the compiled tables.</summary>
    public string Hash { get; }

    /// <summary>A compilation unit holding <paramref name="families"/>.</summary>
    public string Unit(IEnumerable<CFamilySource> families) =>
        Header + "\n" + Prelude + "\n" + string.Join("\n", families.Select(f => f.Text));

    /// <summary>Splits the families into at most <paramref name="count"/> units of similar size (by variant count).</summary>
    public IReadOnlyList<IReadOnlyList<CFamilySource>> Partition(int count)
    {
        count = System.Math.Max(1, System.Math.Min(count, Families.Count));
        var bins = Enumerable.Range(0, count).Select(_ => new List<CFamilySource>()).ToArray();
        var loads = new long[count];
        foreach (var f in Families.OrderByDescending(f => f.VariantCount).ThenBy(f => f.Family))
        {
            int best = 0;
            for (int i = 1; i < count; i++) if (loads[i] < loads[best]) best = i;
            bins[best].Add(f);
            loads[best] += f.VariantCount + 1;
        }
        return bins.Where(b => b.Count > 0).Select(b => (IReadOnlyList<CFamilySource>)b.OrderBy(f => f.Family).ToList()).ToList();
    }
}
