using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Build.Tasks.Compile;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Extract;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Generators.Model;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Variants;

namespace Patchouly.Build.Tasks.Tasks;

/// <summary>Options of a stencil build.</summary>
/// <param name="OutputDirectory">Where the C, objects and tables go (<c>obj/…/patchouly/</c>).</param>
/// <param name="ClangPath">An explicit clang (the <c>PatchoulyClang</c> property), or null to search.</param>
/// <param name="Optimization">The default optimisation level: "O3", "O2" or "Os".</param>
/// <param name="Parallelism">How many clang processes may run at once.</param>
/// <param name="KeepIntermediate">Keep the object files (the C is always kept).</param>
/// <param name="DefaultRegisters">The <c>PatchoulyRegisters</c> property: register count of libraries whose attribute sets none.</param>
public sealed record StencilBuildOptions(string OutputDirectory, string? ClangPath = null, string Optimization = "O3", int Parallelism = 0, bool KeepIntermediate = false, int? DefaultRegisters = null);

/// <summary>What a stencil build did for one library.</summary>
public sealed record LibraryBuildResult(string Library, string TablesFile, bool ClangRan, int Families, int Variants, int CodeBytes, TimeSpan ClangTime);

/// <summary>
/// The build stage: finds the stencil libraries in a compilation, writes their C, compiles it with clang (unless the
/// tables are already up to date), reads the objects and writes the tables. Error codes: PATCH2001 clang missing,
/// PATCH2002 clang failed or crashed, PATCH2003 unreadable object, PATCH2004 unsupported stencil code, PATCH2005
/// file-system error. A tables file is trusted only when its content matches the hash in its first line, and is
/// replaced atomically (see <see cref="TablesFile"/>), so a failed or killed build never leaves tables a later build trusts.
/// </summary>
public static class StencilBuild
{
    /// <summary>Runs the build; returns null when it reported an error.</summary>
    public static IReadOnlyList<LibraryBuildResult>? Run(Compilation compilation, StencilBuildOptions options, IBuildLog log, CancellationToken cancellationToken = default)
    {
        var results = new List<LibraryBuildResult>();
        var libraries = FindLibraries(compilation, cancellationToken);
        try
        {
            Directory.CreateDirectory(options.OutputDirectory);
            RemoveStaleTables(options.OutputDirectory, libraries.Select(l => KnownNames.FileName(l.ToDisplayString())));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("PATCH2005", $"Patchouly cannot write to {options.OutputDirectory}: {e.Message}");
            return null;
        }
        if (libraries.Count == 0) return results;

        ClangInfo? clang = null;
        bool ok = true;
        foreach (var type in libraries)
        {
            var parsed = StencilLibraryParser.Parse(type, compilation, cancellationToken, options.DefaultRegisters);
            if (parsed.Library is null || parsed.Diagnostics.Count > 0)
            {
                log.Message($"Patchouly: {type.Name} has {parsed.Diagnostics.Count} stencil error(s), reported by the compiler; its tables are not rebuilt.", important: true);
                continue;
            }
            try
            {
                clang ??= ClangLocator.Locate(options.ClangPath);
            }
            catch (ClangNotFoundException e)
            {
                log.Error("PATCH2001", e.Message);
                return null;
            }
            var result = BuildLibrary(type, parsed.Library, clang, options, log, cancellationToken);
            if (result is null) ok = false;
            else results.Add(result);
        }
        return ok ? results : null;
    }

    /// <summary>Every class with [StencilLibrary] in the compilation, each once.</summary>
    public static IReadOnlyList<INamedTypeSymbol> FindLibraries(Compilation compilation, CancellationToken cancellationToken)
    {
        var found = new List<INamedTypeSymbol>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var root = tree.GetRoot(cancellationToken);
            var classes = root.DescendantNodes().OfType<ClassDeclarationSyntax>().Where(c => c.AttributeLists.Count > 0).ToList();
            if (classes.Count == 0) continue;
            var model = compilation.GetSemanticModel(tree);
            foreach (var c in classes)
            {
                if (model.GetDeclaredSymbol(c, cancellationToken) is not INamedTypeSymbol symbol) continue;
                if (!symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilLibraryAttribute)) continue;
                if (!found.Contains(symbol, SymbolEqualityComparer.Default)) found.Add(symbol);
            }
        }
        return found.OrderBy(s => s.ToDisplayString(), StringComparer.Ordinal).ToList();
    }

    private static void RemoveStaleTables(string directory, IEnumerable<string> libraryNames)
    {
        var keep = new HashSet<string>(libraryNames.Select(n => n + Generators.Generator.StencilGenerator.TablesSuffix), StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*" + Generators.Generator.StencilGenerator.TablesSuffix))
            if (!keep.Contains(Path.GetFileName(file))) File.Delete(file);
    }

    private static LibraryBuildResult? BuildLibrary(INamedTypeSymbol type, LibraryModel library, ClangInfo clang, StencilBuildOptions options, IBuildLog log, CancellationToken cancellationToken)
    {
        var source = CLibraryWriter.Write(library);
        string optimization = library.Optimization switch { 3 => "O3", 2 => "O2", 10 => "Os", _ => options.Optimization };
        string flags = string.Join(" ", ClangCompiler.Flags(optimization));
        string buildHash = ContentHash.Of(string.Join("\n", source.FullText, clang.VersionLine, flags, ClangCompiler.Target, ModelHash.WriterVersion, ToolIdentity));
        string tablesFile = Path.Combine(options.OutputDirectory, library.FileName + Generators.Generator.StencilGenerator.TablesSuffix);
        string workDirectory = Path.Combine(options.OutputDirectory, library.FileName);
        int variants = source.Variants.Count;

        try
        {
            var (state, recorded) = TablesFile.Inspect(tablesFile);
            if (state == TablesFileState.Damaged)
                log.Message($"Patchouly: {tablesFile} does not match the hash in its first line (a damaged or foreign file); rebuilding it.", important: true);
            if (state == TablesFileState.Intact && recorded == buildHash)
            {
                log.Message($"Patchouly: {library.Name} stencil tables are up to date ({variants} variants); clang not run.", important: true);
                return new LibraryBuildResult(library.FullName, tablesFile, false, library.Families.Count, variants, 0, TimeSpan.Zero);
            }

            Directory.CreateDirectory(workDirectory);
            foreach (var old in Directory.EnumerateFiles(workDirectory)) File.Delete(old);
            File.WriteAllText(Path.Combine(workDirectory, library.Name + ".c"), source.FullText);
            int parallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount;
            var units = source.Partition(parallelism);
            var unitFiles = new List<string>();
            var unitMaps = new List<List<(int Line, int Family)>>();
            for (int i = 0; i < units.Count; i++)
            {
                string text = source.Unit(units[i]);
                string path = Path.Combine(workDirectory, $"unit{i}.c");
                File.WriteAllText(path, text);
                unitFiles.Add(path);
                unitMaps.Add(LineMap(source, units[i]));
            }

            var clock = Stopwatch.StartNew();
            IReadOnlyList<string> objects;
            try
            {
                objects = new ClangCompiler(clang).CompileAll(unitFiles, optimization, parallelism, cancellationToken);
            }
            catch (ClangFailedException e)
            {
                ReportClangFailure(type, library, e, unitFiles, unitMaps, log);
                return null;
            }
            clock.Stop();

            var elves = objects.Select(o => ElfObject.Load(o)).ToList();
            var extracted = StencilExtractor.Extract(source, elves);
            var provenance = new TablesProvenance(clang.VersionLine, flags, ClangCompiler.Target, buildHash);
            string tables = TablesWriter.Write(source, extracted, provenance);
            TablesFile.WriteAtomically(tablesFile, tables);
            if (!options.KeepIntermediate) foreach (var o in objects) File.Delete(o);

            int codeBytes = extracted.Variants.Sum(v => v.Code.Length);
            log.Message($"Patchouly: compiled {library.Name}: {library.Families.Count} stencils, {variants} variants, {codeBytes} bytes of code; clang {clock.Elapsed.TotalSeconds:0.00} s in {units.Count} process(es) ({clang.Version}, -{optimization}).", important: true);
            return new LibraryBuildResult(library.FullName, tablesFile, true, library.Families.Count, variants, codeBytes, clock.Elapsed);
        }
        catch (ObjectFileException e)
        {
            log.Error("PATCH2003", $"Patchouly could not read the object clang produced for {library.Name}: {e.Message}");
        }
        catch (StencilExtractionException e)
        {
            var (file, line, column) = StencilLocation(type, e.Stencil);
            log.Error("PATCH2004", $"Stencil code of {library.Name} cannot be patched: {e.Message}", file, line, column);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("PATCH2005", $"Patchouly could not write the stencil files of {library.Name} under {options.OutputDirectory}: {e.Message}");
        }
        return null;
    }

    /// <summary>
    /// Identifies this build of the task (its module version id, which a deterministic build derives from its content):
    /// part of the build hash, so that tables written by another Patchouly (an upgrade, or a changed tables writer) are
    /// rebuilt rather than trusted.
    /// </summary>
    private static readonly string ToolIdentity = typeof(StencilBuild).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>For each family in a unit, the (1-based) line where its text starts.</summary>
    private static List<(int Line, int Family)> LineMap(CLibrarySource source, IReadOnlyList<CFamilySource> families)
    {
        int line = 1 + CountLines(source.Header + "\n" + source.Prelude + "\n");
        var map = new List<(int, int)>();
        foreach (var f in families)
        {
            map.Add((line, f.Family));
            line += CountLines(f.Text + "\n");
        }
        return map;
    }

    private static int CountLines(string text) => text.Count(c => c == '\n');

    private static void ReportClangFailure(INamedTypeSymbol type, LibraryModel library, ClangFailedException e, List<string> unitFiles, List<List<(int Line, int Family)>> maps, IBuildLog log)
    {
        int unit = unitFiles.IndexOf(e.Unit);
        string unitName = Path.GetFileName(e.Unit);
        var match = System.Text.RegularExpressions.Regex.Match(e.Output, System.Text.RegularExpressions.Regex.Escape(unitName) + @":(\d+):(\d+): (?:fatal )?error: (.*)");
        string stencil = library.Name;
        string? file = null;
        int line = 0, column = 0;
        if (e.Crashed || e.ExitCode == -1)
        {
            // No diagnostics to map to a stencil: say what happened to clang itself.
            log.Error("PATCH2002", $"clang {(e.Crashed ? "crashed" : "could not be run")} ({ClangCompiler.DescribeExit(e.ExitCode)}) compiling the stencils of {library.Name} (C in {e.Unit}); no tables were written.{(e.Output.Length > 0 ? " clang's output follows\n" + e.Output : "")}");
            return;
        }
        string firstError = e.Output.Split('\n').FirstOrDefault(l => l.Contains("error:")) ?? e.Output;
        if (match.Success && unit >= 0)
        {
            int cLine = int.Parse(match.Groups[1].Value);
            var entry = maps[unit].LastOrDefault(m => m.Line <= cLine);
            if (entry.Line > 0)
            {
                stencil = library.Families[entry.Family].Name;
                (file, line, column) = StencilLocation(type, stencil);
            }
            firstError = match.Groups[3].Value;
        }
        log.Error("PATCH2002", $"clang failed to compile stencil {stencil} of {library.Name}: {firstError} (C in {e.Unit}; full clang output follows)\n{e.Output}", file, line, column);
    }

    private static (string? File, int Line, int Column) StencilLocation(INamedTypeSymbol type, string stencil)
    {
        var location = type.GetMembers(stencil).FirstOrDefault()?.Locations.FirstOrDefault() ?? type.Locations.FirstOrDefault();
        if (location is null || !location.IsInSource) return (null, 0, 0);
        var span = location.GetLineSpan();
        return (span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
    }
}
