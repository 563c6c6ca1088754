using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Patchouly.Build.Tasks.Compile;
using Patchouly.Build.Tasks.Elf;
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
internal sealed record CompiledTarget(BuildTarget Target, CLibrarySource Source, ExtractedLibrary Extracted, TableLayout Layout, TimeSpan ClangTime, int Units)
{
    /// <summary>The runtime library, exactly as the runtime loads it from the tables blob.</summary>
    public Patchouly.Runtime.Tables.StencilLibrary CreateLibrary() => Layout.ToBlobContents(Target.Triple, "").CreateLibrary();
}

/// <summary>
/// The build's sequence for one library and one target: C units (the target's prelude + the library's C) → clang →
/// ELF objects → extracted variants → table layout. The build task and the test suites all call this.
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
        var elves = objects.Select(o => ElfObject.Load(o)).ToList();
        var extracted = StencilExtractor.Extract(source, target, elves);
        if (!keepObjects) foreach (var o in objects) File.Delete(o);
        return new CompiledTarget(target, source, extracted, TableLayout.Build(source, extracted), clock.Elapsed, units.Count);
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
