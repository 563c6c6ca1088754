using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Patchouly.Build.Tasks.Compile;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Extract;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Generators.Variants;

namespace Patchouly.Build.Tasks.Pipeline;

/// <summary>One C compilation unit on disk, with the line where each of its families starts (for clang's errors).</summary>
internal sealed record CompilationUnit(string Path, IReadOnlyList<(int Line, int Family)> FamilyLines);

/// <summary>A library compiled for one target: its C, the extracted variants and the table layout.</summary>
/// <param name="Target">The target.</param>
/// <param name="Source">The translated C.</param>
/// <param name="Extracted">Every variant's code and relocations.</param>
/// <param name="Layout">The table layout.</param>
/// <param name="ClangTime">Wall-clock time spent in clang.</param>
/// <param name="Units">How many clang processes compiled it.</param>
/// <param name="FamiliesCompiled">Families clang compiled (the rest came from the object cache).</param>
/// <param name="VariantsCompiled">Variants of the families clang compiled.</param>
internal sealed record CompiledTarget(BuildTarget Target, CLibrarySource Source, ExtractedLibrary Extracted, TableLayout Layout, TimeSpan ClangTime, int Units,
    int FamiliesCompiled = -1, int VariantsCompiled = -1)
{
    /// <summary>Families taken from the object cache.</summary>
    public int FamiliesReused => FamiliesCompiled < 0 ? 0 : Source.Families.Count - FamiliesCompiled;

    /// <summary>"compiled 1 of 36 families (412 variants, 35 reused)": what the cache saved.</summary>
    public string CacheSummary => FamiliesCompiled < 0 ? $"compiled all {Source.Families.Count} families"
        : $"compiled {FamiliesCompiled} of {Source.Families.Count} families ({VariantsCompiled} variants, {FamiliesReused} reused)";

    /// <summary>The runtime library, exactly as the runtime loads it from the tables blob.</summary>
    public Patchouly.Runtime.Tables.StencilLibrary CreateLibrary() => Layout.ToBlobContents(Target.Triple, "").CreateLibrary();
}

/// <summary>
/// The build's sequence for one library and one target: C units (the target's prelude + the library's C) → clang →
/// objects (ELF, COFF or Mach-O) → extracted variants → table layout. The build task and the test suites all call this.
/// </summary>
internal static class StencilPipeline
{
    /// <summary>The text of a unit holding <paramref name="families"/> for <paramref name="target"/>.</summary>
    public static string UnitText(CLibrarySource source, BuildTarget target, IEnumerable<CFamilySource> families) =>
        target.CPrelude + "\n" + source.Unit(families);

    /// <summary>The whole library's C for <paramref name="target"/> (what the build hashes and a reader looks at).</summary>
    public static string FullText(CLibrarySource source, BuildTarget target) => target.CPrelude + "\n" + source.FullText;

    /// <summary>Writes the C of <paramref name="source"/> as at most <paramref name="count"/> units into <paramref name="directory"/>.</summary>
    public static IReadOnlyList<CompilationUnit> WriteUnits(CLibrarySource source, BuildTarget target, string directory, int count)
    {
        Directory.CreateDirectory(directory);
        var units = new List<CompilationUnit>();
        var partition = source.Partition(count);
        for (int i = 0; i < partition.Count; i++)
        {
            string path = Path.Combine(directory, $"unit{i}.c");
            File.WriteAllText(path, UnitText(source, target, partition[i]));
            units.Add(new CompilationUnit(path, LineMap(source, target, partition[i])));
        }
        return units;
    }

    /// <summary>Compiles written units, reads the objects and lays out the tables.</summary>
    /// <exception cref="ClangFailedException">clang failed on a unit.</exception>
    /// <exception cref="ObjectFileException">An object could not be read.</exception>
    /// <exception cref="StencilExtractionException">A variant's code cannot be patched.</exception>
    public static CompiledTarget CompileUnits(CLibrarySource source, BuildTarget target, ClangInfo clang, IReadOnlyList<CompilationUnit> units,
        string optimization, int parallelism, bool keepObjects, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var objects = new ClangCompiler(clang, target).CompileAll(units.Select(u => u.Path).ToList(), optimization, parallelism, cancellationToken);
        clock.Stop();
        var read = objects.Select(target.LoadObject).ToList();
        var extracted = StencilExtractor.Extract(source, target, read);
        if (!keepObjects) foreach (var o in objects) File.Delete(o);
        return new CompiledTarget(target, source, extracted, TableLayout.Build(source, extracted), clock.Elapsed, units.Count);
    }

    /// <summary>The folder of the per-family object cache below a target's work directory.</summary>
    public const string CacheDirectory = "cache";

    /// <summary>
    /// Compiles a library for one target through the per-family object cache in <c>directory/cache/</c>: each family's
    /// object is found by a key hashing its C text with everything else clang sees (the shared header and prelude, the
    /// target's C prelude, the flags, the clang version line, the triple); only families without an object are compiled.
    /// From scratch they are grouped into <paramref name="parallelism"/> units (fewer clang start-ups); when part of the
    /// library is cached each missing family gets a unit of its own, so that an edit recompiles just that family. A cached
    /// object holds the families of its unit and lists their keys in a <c>.families</c> file next to it; objects no
    /// current family uses are removed.
    /// </summary>
    /// <param name="source">The library's C.</param>
    /// <param name="target">The target.</param>
    /// <param name="clang">The clang.</param>
    /// <param name="directory">The target's work directory (units are written here, objects cached below it).</param>
    /// <param name="optimization">"O3", "O2" or "Os".</param>
    /// <param name="parallelism">clang processes at once, and units from scratch.</param>
    /// <param name="writeUnits">Called with the units before clang runs (for error reporting).</param>
    /// <param name="cancellationToken">Cancels clang.</param>
    public static CompiledTarget CompileCached(CLibrarySource source, BuildTarget target, ClangInfo clang, string directory, string optimization,
        int parallelism, Action<IReadOnlyList<CompilationUnit>>? writeUnits, CancellationToken cancellationToken)
    {
        if (parallelism <= 0) parallelism = Environment.ProcessorCount;
        string cache = Path.Combine(directory, CacheDirectory);
        Directory.CreateDirectory(cache);
        string common = CommonKey(source, target, clang, optimization);
        var keys = source.Families.Select(f => Key(common, f)).ToArray();

        // The cache's index: family key -> object (an object is trusted only with its .families list, written after it).
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var list in Directory.EnumerateFiles(cache, "*.families"))
        {
            string obj = Path.ChangeExtension(list, ".o");
            if (!File.Exists(obj)) continue;
            foreach (var key in File.ReadAllLines(list)) if (key.Length > 0) index[key] = obj;
        }

        var missing = source.Families.Where(f => !index.ContainsKey(keys[f.Family])).ToList();
        var groups = missing.Count == source.Families.Count ? Partition(missing, parallelism) : missing.Select(f => (IReadOnlyList<CFamilySource>)[f]).ToList();
        var units = new List<CompilationUnit>();
        for (int i = 0; i < groups.Count; i++)
        {
            string path = Path.Combine(directory, $"unit{i}.c");
            File.WriteAllText(path, UnitText(source, target, groups[i]));
            units.Add(new CompilationUnit(path, LineMap(source, target, groups[i])));
        }
        writeUnits?.Invoke(units);

        var clock = Stopwatch.StartNew();
        var objects = units.Count == 0 ? [] : new ClangCompiler(clang, target).CompileAll(units.Select(u => u.Path).ToList(), optimization, parallelism, cancellationToken);
        clock.Stop();
        for (int i = 0; i < groups.Count; i++)
        {
            var groupKeys = groups[i].Select(f => keys[f.Family]).ToList();
            string name = ContentHash.Of(string.Join("\n", groupKeys));
            string obj = Path.Combine(cache, name + ".o");
            File.Move(objects[i], obj, overwrite: true);
            TablesFile.WriteAtomically(Path.Combine(cache, name + ".families"), string.Join("\n", groupKeys) + "\n");
            foreach (var key in groupKeys) index[key] = obj;
        }

        // Forget objects that no current family uses.
        var used = new HashSet<string>(keys.Select(k => index[k]), StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(cache))
            if (!used.Contains(Path.ChangeExtension(file, ".o"))) File.Delete(file);

        var paths = used.OrderBy(p => p, StringComparer.Ordinal).ToList();
        var read = paths.Select(target.LoadObject).ToList();
        var familyObject = keys.Select(k => paths.IndexOf(index[k])).ToArray();
        var extracted = StencilExtractor.Extract(source, target, read, familyObject);
        return new CompiledTarget(target, source, extracted, TableLayout.Build(source, extracted), clock.Elapsed, units.Count,
            missing.Count, missing.Sum(f => f.VariantCount));
    }

    /// <summary>What every family's key shares: the C around the family and how clang compiles it.</summary>
    private static string CommonKey(CLibrarySource source, BuildTarget target, ClangInfo clang, string optimization) =>
        TablesFile.Sha256(System.Text.Encoding.UTF8.GetBytes(string.Join("\n\u0001", target.CPrelude, source.Header, source.Prelude,
            clang.VersionLine, string.Join(" ", target.ClangFlags(optimization)), target.Triple)));

    private static string Key(string common, CFamilySource family) =>
        TablesFile.Sha256(System.Text.Encoding.UTF8.GetBytes(common + "\n\u0001" + family.Text)).Substring(0, 32);

    /// <summary>Splits families into at most <paramref name="count"/> groups of similar size (by variant count).</summary>
    private static List<IReadOnlyList<CFamilySource>> Partition(IReadOnlyList<CFamilySource> families, int count)
    {
        count = Math.Max(1, Math.Min(count, families.Count));
        var bins = Enumerable.Range(0, count).Select(_ => new List<CFamilySource>()).ToArray();
        var loads = new long[count];
        foreach (var f in families.OrderByDescending(f => f.VariantCount).ThenBy(f => f.Family))
        {
            int best = 0;
            for (int i = 1; i < count; i++) if (loads[i] < loads[best]) best = i;
            bins[best].Add(f);
            loads[best] += f.VariantCount + 1;
        }
        return bins.Where(b => b.Count > 0).Select(b => (IReadOnlyList<CFamilySource>)b.OrderBy(f => f.Family).ToList()).ToList();
    }

    /// <summary><see cref="WriteUnits"/> then <see cref="CompileUnits"/>.</summary>
    public static CompiledTarget Compile(CLibrarySource source, BuildTarget target, ClangInfo clang, string directory,
        string optimization = "O3", int parallelism = 0, bool keepObjects = true, CancellationToken cancellationToken = default)
    {
        if (parallelism <= 0) parallelism = Environment.ProcessorCount;
        var units = WriteUnits(source, target, directory, parallelism);
        return CompileUnits(source, target, clang, units, optimization, parallelism, keepObjects, cancellationToken);
    }

    /// <summary>For each family in a unit, the (1-based) line where its text starts.</summary>
    private static List<(int Line, int Family)> LineMap(CLibrarySource source, BuildTarget target, IReadOnlyList<CFamilySource> families)
    {
        int line = 1 + CountLines(target.CPrelude + "\n" + source.Header + "\n" + source.Prelude + "\n");
        var map = new List<(int, int)>();
        foreach (var f in families)
        {
            map.Add((line, f.Family));
            line += CountLines(f.Text + "\n");
        }
        return map;
    }

    private static int CountLines(string text) => text.Count(c => c == '\n');
}
