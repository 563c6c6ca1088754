using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Build.Tasks.Compile;
using Patchouly.Build.Tasks.Extract;
using Patchouly.Build.Tasks.Pipeline;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Runtime.Tables;
using Patchouly.Generators.Model;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Variants;
using Patchouly.Build.Tasks.ObjectFiles;

namespace Patchouly.Build.Tasks.MSBuild;

/// <summary>Options of a stencil build.</summary>
/// <param name="OutputDirectory">Where the C, objects and tables go (<c>obj/…/patchouly/</c>).</param>
/// <param name="ClangPath">An explicit clang (the <c>PatchoulyClang</c> property), or null to search.</param>
/// <param name="Optimization">The default optimisation level: "O3", "O2" or "Os".</param>
/// <param name="Parallelism">How many clang processes may run at once.</param>
/// <param name="KeepIntermediate">Keep the unit C files' objects too (the per-family object cache is always kept).</param>
/// <param name="DefaultRegisters">The <c>PatchoulyRegisters</c> property: register count of libraries whose attribute sets none.</param>
/// <param name="Targets">The <c>PatchoulyTargets</c> property, parsed: the platforms to build tables for (null: all).</param>
/// <param name="RequireNative">When false, a missing clang is warning PATCH2008 (the libraries get no tables and run on
/// the managed engine) instead of error PATCH2001; the MSBuild task passes <c>PatchoulyRequireNative</c> (default false).</param>
public sealed record StencilBuildOptions(string OutputDirectory, string? ClangPath = null, string Optimization = "O3", int Parallelism = 0, bool KeepIntermediate = false, int? DefaultRegisters = null,
    IReadOnlyList<BuildTarget>? Targets = null, bool RequireNative = true);

/// <summary>What a stencil build did for one library.</summary>
/// <param name="Library">The library's full name.</param>
/// <param name="TablesFile">The tables source (C#) handed to the generator.</param>
/// <param name="ClangRan">False when the tables were up to date.</param>
/// <param name="Families">The number of families.</param>
/// <param name="Variants">Variants per target (each target compiles the same set).</param>
/// <param name="CodeBytes">Bytes of code, summed over the targets (0 when clang did not run).</param>
/// <param name="ClangTime">Time in clang, summed over the targets.</param>
/// <param name="TargetFiles">Per target runtime identifier, the tables blob (an embedded resource).</param>
public sealed record LibraryBuildResult(string Library, string TablesFile, bool ClangRan, int Families, int Variants, int CodeBytes, TimeSpan ClangTime,
    IReadOnlyDictionary<string, string> TargetFiles);

/// <summary>
/// The build stage: finds the stencil libraries in a compilation, writes their C, compiles it with clang (unless the
/// tables are already up to date), reads the objects and writes the tables. Error codes: PATCH2001 clang missing (PATCH2008,
/// a warning, without <see cref="StencilBuildOptions.RequireNative"/>: the library then gets no tables),
/// PATCH2002 clang failed or crashed, PATCH2003 unreadable object, PATCH2004 unsupported stencil code, PATCH2005
/// file-system error. A tables file is trusted only when its content matches the hash in its first line, and is
/// replaced atomically (see <see cref="TablesFile"/>), so a failed or killed build never leaves tables a later build trusts.
/// </summary>
public static class StencilBuild
{
    /// <summary>Runs the build; returns null when it reported an error.</summary>
    /// <param name="compilation">The project's sources and references.</param>
    /// <param name="options">The options.</param>
    /// <param name="log">Where messages and errors go.</param>
    /// <param name="cancellationToken">Cancels the build (and clang).</param>
    /// <param name="dependencies">When given, receives the files and names the libraries depend on, clang and the outputs.</param>
    public static IReadOnlyList<LibraryBuildResult>? Run(Compilation compilation, StencilBuildOptions options, IBuildLog log, CancellationToken cancellationToken = default,
        StencilDependencies? dependencies = null)
    {
        var results = new List<LibraryBuildResult>();
        var libraries = FindLibraries(compilation, cancellationToken);
        dependencies?.Collect(compilation, libraries, cancellationToken);
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
        string? clangMissing = null;
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
                if (clangMissing is null) clang ??= ClangLocator.Locate(options.ClangPath);
            }
            catch (ClangNotFoundException e)
            {
                if (options.RequireNative)
                {
                    log.Error("PATCH2001", e.Message);
                    return null;
                }
                clangMissing = e.Message;
            }
            if (clang is null)
            {
                if (!RemoveTables(options, parsed.Library.FileName, log)) return null;
                log.Warning("PATCH2008",
                    $"{clangMissing} Without clang, stencil library {parsed.Library.FullName} gets no native tables: its functions run on the managed engine (plain .NET code, slower). " +
                    "Set the property PatchoulyRequireNative to true to make this an error.");
                if (dependencies is not null) dependencies.NativeMissing = true;
                continue;
            }
            var result = BuildLibrary(type, parsed.Library, clang, options, log, cancellationToken);
            if (result is null) ok = false;
            else
            {
                results.Add(result);
                if (dependencies is not null)
                {
                    dependencies.ClangPath = clang.Path;
                    dependencies.Outputs.Add(result.TablesFile);
                    dependencies.Outputs.AddRange(result.TargetFiles.Values);
                }
            }
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

    /// <summary>Removes a library's tables (source and blobs), so that it is built without native code.</summary>
    private static bool RemoveTables(StencilBuildOptions options, string libraryFileName, IBuildLog log)
    {
        try
        {
            string tables = Path.Combine(options.OutputDirectory, libraryFileName + Generators.EmitApi.StencilGenerator.TablesSuffix);
            if (File.Exists(tables)) File.Delete(tables);
            string blobs = Path.Combine(options.OutputDirectory, BlobDirectory, libraryFileName);
            if (Directory.Exists(blobs)) Directory.Delete(blobs, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("PATCH2005", $"Patchouly cannot remove the old tables of {libraryFileName} from {options.OutputDirectory}: {e.Message}");
            return false;
        }
    }

    private static void RemoveStaleTables(string directory, IEnumerable<string> libraryNames)
    {
        var names = new HashSet<string>(libraryNames, StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*" + Generators.EmitApi.StencilGenerator.TablesSuffix))
            if (!names.Contains(Path.GetFileName(file).Substring(0, Path.GetFileName(file).Length - Generators.EmitApi.StencilGenerator.TablesSuffix.Length))) File.Delete(file);
        string blobs = Path.Combine(directory, BlobDirectory);
        if (Directory.Exists(blobs))
            foreach (var dir in Directory.EnumerateDirectories(blobs))
                if (!names.Contains(Path.GetFileName(dir))) Directory.Delete(dir, recursive: true);
    }

    /// <summary>The folder (below the output directory) of the tables blobs: <c>tables/&lt;library&gt;/&lt;rid&gt;.ptab</c>,
    /// which the targets file embeds as resources <c>Patchouly/&lt;library&gt;/&lt;rid&gt;.ptab</c>.</summary>
    public const string BlobDirectory = "tables";

    /// <summary>The listing of a library's tables for one target, next to its tables source.</summary>
    public static string ListingPath(string outputDirectory, string libraryFileName, string rid) =>
        Path.Combine(outputDirectory, $"{libraryFileName}.{rid}.listing.txt");

    /// <summary>The tables blob of a library for one target.</summary>
    public static string BlobPath(string outputDirectory, string libraryFileName, string rid) =>
        Path.Combine(outputDirectory, BlobDirectory, libraryFileName, rid + ".ptab");

    private static LibraryBuildResult? BuildLibrary(INamedTypeSymbol type, LibraryModel library, ClangInfo clang, StencilBuildOptions options, IBuildLog log, CancellationToken cancellationToken)
    {
        var source = CLibraryWriter.Write(library);
        var targets = options.Targets ?? BuildTargets.All;
        string optimization = library.Optimization switch { 3 => "O3", 2 => "O2", 10 => "Os", _ => options.Optimization };
        string buildHash = ContentHash.Of(string.Join("\n", targets.Select(t => TargetHash(source, t, clang, optimization))));
        string tablesFile = Path.Combine(options.OutputDirectory, library.FileName + Generators.EmitApi.StencilGenerator.TablesSuffix);
        string workDirectory = Path.Combine(options.OutputDirectory, library.FileName);
        int variants = source.Variants.Count;
        var targetFiles = targets.ToDictionary(t => t.RuntimeIdentifier, t => BlobPath(options.OutputDirectory, library.FileName, t.RuntimeIdentifier), StringComparer.Ordinal);

        try
        {
            var (state, recorded) = TablesFile.Inspect(tablesFile);
            if (state == TablesFileState.Damaged)
                log.Message($"Patchouly: {tablesFile} does not match the hash in its first line (a damaged or foreign file); rebuilding it.", important: true);
            if (state == TablesFileState.Intact && recorded == buildHash && BlobsIntact(tablesFile, targetFiles))
            {
                log.Message($"Patchouly: {library.Name} stencil tables are up to date ({variants} variants for {string.Join(", ", targets)}); clang not run.", important: true);
                return new LibraryBuildResult(library.FullName, tablesFile, false, library.Families.Count, variants, 0, TimeSpan.Zero, targetFiles);
            }

            int parallelism = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount;
            var written = new List<WrittenTarget>();
            var provenance = new TablesProvenance(clang.VersionLine, optimization, buildHash);
            foreach (var target in targets)
            {
                string directory = Path.Combine(workDirectory, target.RuntimeIdentifier);
                // The unit files are rewritten by every build that runs clang; the object cache (cache/) is kept.
                if (Directory.Exists(directory)) foreach (var old in Directory.EnumerateFiles(directory)) File.Delete(old);
                Directory.CreateDirectory(directory);
                File.WriteAllText(Path.Combine(directory, library.Name + ".c"), StencilPipeline.FullText(source, target));
                IReadOnlyList<CompilationUnit> units = [];
                CompiledTarget compiled;
                try
                {
                    compiled = StencilPipeline.CompileCached(source, target, clang, directory, optimization, parallelism, u => units = u, cancellationToken);
                }
                catch (ClangFailedException e)
                {
                    ReportClangFailure(type, library, target, e, units, log);
                    return null;
                }
                catch (StencilExtractionException e)
                {
                    var (file, line, column) = StencilLocation(type, e.Stencil);
                    log.Error("PATCH2004", $"Stencil code of {library.Name} cannot be patched on {target.RuntimeIdentifier}: {e.Message}", file, line, column);
                    return null;
                }
                byte[] blob = TableBlob.Write(compiled.Layout.ToBlobContents(target.Triple, $"{clang.VersionLine}; -{optimization}"));
                string blobPath = targetFiles[target.RuntimeIdentifier];
                Directory.CreateDirectory(Path.GetDirectoryName(blobPath)!);
                TablesFile.WriteAtomically(blobPath, blob);
                string listing = ListingPath(options.OutputDirectory, library.FileName, target.RuntimeIdentifier);
                TablesFile.WriteAtomically(listing, TablesListingWriter.Write(compiled, provenance));
                written.Add(new WrittenTarget(compiled, blobPath, TablesFile.Sha256(blob), listing));
                log.Message($"Patchouly: compiled {library.Name} for {target.RuntimeIdentifier}: {library.Families.Count} stencils, {compiled.Layout.VariantCount} variants, {compiled.Layout.CodeLength} bytes of code; {compiled.CacheSummary}; clang {compiled.ClangTime.TotalSeconds:0.00} s in {compiled.Units} process(es) ({clang.Version}, -{optimization}).", important: true);
            }
            RemoveOtherTargets(options.OutputDirectory, library.FileName, targets);
            TablesFile.WriteAtomically(tablesFile, TablesSourceWriter.Write(source, written, provenance));
            return new LibraryBuildResult(library.FullName, tablesFile, true, library.Families.Count, variants,
                written.Sum(t => t.Compiled.Layout.CodeLength), TimeSpan.FromTicks(written.Sum(t => t.Compiled.ClangTime.Ticks)), targetFiles);
        }
        catch (ObjectFileException e)
        {
            log.Error("PATCH2003", $"Patchouly could not read the object clang produced for {library.Name}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("PATCH2005", $"Patchouly could not write the stencil files of {library.Name} under {options.OutputDirectory}: {e.Message}");
        }
        return null;
    }

    /// <summary>What the tables of one target are compiled from: unchanged means clang need not run for it.</summary>
    private static string TargetHash(CLibrarySource source, BuildTarget target, ClangInfo clang, string optimization) =>
        ContentHash.Of(string.Join("\n", StencilPipeline.FullText(source, target), clang.VersionLine, string.Join(" ", target.ClangFlags(optimization)),
            target.Triple, ModelHash.WriterVersion, TableBlob.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), ToolIdentity));

    /// <summary>True when every blob exists with the SHA-256 the tables source records for it.</summary>
    private static bool BlobsIntact(string tablesFile, IReadOnlyDictionary<string, string> blobs)
    {
        var recorded = TablesFile.RecordedBlobHashes(tablesFile);
        foreach (var (rid, path) in blobs)
            if (!recorded.TryGetValue(rid, out var sha) || !File.Exists(path) || TablesFile.Sha256(File.ReadAllBytes(path)) != sha) return false;
        return true;
    }

    /// <summary>Removes the blobs and listings of targets no longer built (the PatchoulyTargets property changed).</summary>
    private static void RemoveOtherTargets(string outputDirectory, string libraryFileName, IReadOnlyList<BuildTarget> targets)
    {
        var keep = new HashSet<string>(targets.Select(t => t.RuntimeIdentifier), StringComparer.Ordinal);
        string blobs = Path.Combine(outputDirectory, BlobDirectory, libraryFileName);
        if (Directory.Exists(blobs))
            foreach (var file in Directory.EnumerateFiles(blobs, "*.ptab"))
                if (!keep.Contains(Path.GetFileNameWithoutExtension(file))) File.Delete(file);
        foreach (var file in Directory.EnumerateFiles(outputDirectory, libraryFileName + ".*.listing.txt"))
        {
            string rid = Path.GetFileName(file).Substring(libraryFileName.Length + 1);
            rid = rid.Substring(0, rid.Length - ".listing.txt".Length);
            if (!keep.Contains(rid)) File.Delete(file);
        }
    }

    /// <summary>
    /// Identifies this build of the task (its module version id, which a deterministic build derives from its content):
    /// part of the build hash, so that tables written by another Patchouly (an upgrade, or a changed tables writer) are
    /// rebuilt rather than trusted.
    /// </summary>
    private static readonly string ToolIdentity = typeof(StencilBuild).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    private static void ReportClangFailure(INamedTypeSymbol type, LibraryModel library, BuildTarget target, ClangFailedException e, IReadOnlyList<CompilationUnit> units, IBuildLog log)
    {
        int unit = units.Select(u => u.Path).ToList().IndexOf(e.Unit);
        string unitName = Path.GetFileName(e.Unit);
        var match = System.Text.RegularExpressions.Regex.Match(e.Output, System.Text.RegularExpressions.Regex.Escape(unitName) + @":(\d+):(\d+): (?:fatal )?error: (.*)");
        string stencil = library.Name;
        string? file = null;
        int line = 0, column = 0;
        if (e.Crashed || e.ExitCode == -1)
        {
            // No diagnostics to map to a stencil: say what happened to clang itself.
            log.Error("PATCH2002", $"clang {(e.Crashed ? "crashed" : "could not be run")} ({ClangCompiler.DescribeExit(e.ExitCode)}) compiling the stencils of {library.Name} for {target.RuntimeIdentifier} (C in {e.Unit}); no tables were written.{(e.Output.Length > 0 ? " clang's output follows\n" + e.Output : "")}");
            return;
        }
        string firstError = e.Output.Split('\n').FirstOrDefault(l => l.Contains("error:")) ?? e.Output;
        if (match.Success && unit >= 0)
        {
            int cLine = int.Parse(match.Groups[1].Value);
            var entry = units[unit].FamilyLines.LastOrDefault(m => m.Line <= cLine);
            if (entry.Line > 0)
            {
                stencil = library.Families[entry.Family].Name;
                (file, line, column) = StencilLocation(type, stencil);
            }
            firstError = match.Groups[3].Value;
        }
        log.Error("PATCH2002", $"clang failed to compile stencil {stencil} of {library.Name} for {target.RuntimeIdentifier}: {firstError} (C in {e.Unit}; full clang output follows)\n{e.Output}", file, line, column);
    }

    private static (string? File, int Line, int Column) StencilLocation(INamedTypeSymbol type, string stencil)
    {
        var location = type.GetMembers(stencil).FirstOrDefault()?.Locations.FirstOrDefault() ?? type.Locations.FirstOrDefault();
        if (location is null || !location.IsInSource) return (null, 0, 0);
        var span = location.GetLineSpan();
        return (span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
    }
}
