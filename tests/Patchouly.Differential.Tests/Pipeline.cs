using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Patchouly.Build.Tasks.Compile;
using Patchouly.Build.Tasks.Pipeline;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Extract;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Generators.Model;
using Patchouly.Generators.Parsing;
using Patchouly.Generators.Variants;
using Patchouly.Runtime.Tables;

namespace Patchouly.Differential.Tests;

/// <summary>A stencil library run through the whole build pipeline in-process, and the same C# compiled as managed code.</summary>
/// <param name="Compilation">The Roslyn compilation of the sources (the specification).</param>
/// <param name="LibraryType">The [StencilLibrary] class.</param>
/// <param name="Model">The parsed and translated library.</param>
/// <param name="Source">The C the build compiles.</param>
/// <param name="Library">The runtime library (tables).</param>
/// <param name="Directory">Where the C and objects are.</param>
/// <param name="ClangMilliseconds">Time spent in clang.</param>
internal sealed record BuiltLibrary(CSharpCompilation Compilation, INamedTypeSymbol LibraryType, LibraryModel Model, CLibrarySource Source,
    StencilLibrary Library, string Directory, long ClangMilliseconds);

/// <summary>Builds stencil libraries from C# source: parse → C → clang (the build's real flags) → ELF → tables (a copy of the
/// Build.Tasks tests' pipeline, adapted: several source files, managed compilation kept).</summary>
internal static class Pipeline
{
    private static readonly ConcurrentDictionary<string, Lazy<BuiltLibrary>> s_cache = new();
    private static readonly Lazy<ClangInfo> s_clang = new(() => ClangLocator.Locate());

    /// <summary>The target whose code the differential tests run: the process's platform.</summary>
    public static string TargetRid => TableTarget.ProcessRuntimeIdentifier;

    public static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(Patchouly.StencilAttribute).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    /// <summary>Compiles C# sources with Roslyn (references: the framework and Patchouly.Attributes).</summary>
    public static CSharpCompilation CompileCSharp(IReadOnlyList<string> sources, string assemblyName)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, options, path: i == 0 ? "Stencils.cs" : $"Stencils{i}.cs")).ToArray();
        return CSharpCompilation.Create(assemblyName, trees, References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release));
    }

    /// <summary>Builds (once per source set and register count) the native library of <paramref name="sources"/>.</summary>
    public static BuiltLibrary Build(params string[] sources) =>
        s_cache.GetOrAdd(string.Join("\n\u0001\n", sources), _ => new Lazy<BuiltLibrary>(() => BuildUncached(sources))).Value;

    private static BuiltLibrary BuildUncached(string[] sources)
    {
        var compilation = CompileCSharp(sources, "DiffStencils" + Guid.NewGuid().ToString("n")[..8]);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0) throw new InvalidOperationException("C# errors:\n" + string.Join("\n", errors.Take(20)));
        var type = Patchouly.Build.Tasks.MSBuild.StencilBuild.FindLibraries(compilation, default).Single();
        var result = StencilLibraryParser.Parse(type, compilation, default);
        if (result.Diagnostics.Count > 0)
        {
            string rejected = Path.Combine(Path.GetTempPath(), "patchouly-differential", "rejected-" + Guid.NewGuid().ToString("n")[..8]);
            System.IO.Directory.CreateDirectory(rejected);
            for (int i = 0; i < sources.Length; i++) File.WriteAllText(Path.Combine(rejected, i == 0 ? "Stencils.cs" : $"Stencils{i}.cs"), sources[i]);
            throw new InvalidOperationException("Stencil errors (sources in " + rejected + "):\n" + string.Join("\n", result.Diagnostics.Take(20)));
        }
        var model = result.Library!;

        var c = CLibraryWriter.Write(model);
        string dir = Path.Combine(Path.GetTempPath(), "patchouly-differential", model.Name + "-" + c.Hash + "-" + Guid.NewGuid().ToString("n")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        for (int i = 0; i < sources.Length; i++) File.WriteAllText(Path.Combine(dir, i == 0 ? "Stencils.cs" : $"Stencils{i}.cs"), sources[i]);
        var target = BuildTargets.For(TableTarget.FromRuntimeIdentifier(TargetRid) ?? TableTarget.LinuxX64);
        CompiledTarget compiled;
        try
        {
            compiled = StencilPipeline.Compile(c, target, s_clang.Value, dir, parallelism: Math.Max(2, Environment.ProcessorCount * 2));
        }
        catch (StencilExtractionException e) when (e.Message.Contains(".rodata", StringComparison.Ordinal))
        {
            var objects = System.IO.Directory.EnumerateFiles(dir, "*.o").Select(o => ElfObject.Load(o)).ToList();
            throw new ConstantPoolException(e.Message, ConstantPoolUsers(c, objects));
        }
        long clangMs = (long)compiled.ClangTime.TotalMilliseconds;
        return new BuiltLibrary(compilation, type, model, c, compiled.CreateLibrary(), dir, clangMs);
    }

    /// <summary>The stencils with a variant whose code refers to a read-only data section (a constant pool).</summary>
    private static IReadOnlyList<string> ConstantPoolUsers(CLibrarySource c, IEnumerable<ElfObject> objects)
    {
        var familyOf = c.Variants.ToDictionary(v => v.Symbol, v => c.Library.Families[v.Family].Name);
        var users = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var elf in objects)
            foreach (var section in elf.RelocationSections)
            {
                if (!section.Target.Name.StartsWith(".text.", StringComparison.Ordinal)) continue;
                if (!familyOf.TryGetValue(section.Target.Name[".text.".Length..], out var family)) continue;
                if (section.Relocations.Any(r => (r.Symbol.Section?.Name ?? r.Symbol.Name).StartsWith(".rodata", StringComparison.Ordinal)))
                    users.Add(family);
            }
        return users.ToList();
    }

    /// <summary>Emits the compilation and loads it into a collectible context.</summary>
    public static Assembly LoadManaged(CSharpCompilation compilation)
    {
        using var ms = new MemoryStream();
        var result = compilation.Emit(ms);
        if (!result.Success)
            throw new InvalidOperationException("Emitting the managed assembly failed:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
        ms.Position = 0;
        var context = new AssemblyLoadContext("differential-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return context.LoadFromStream(ms);
    }
}

/// <summary>The build rejected stencils whose code uses a constant pool (PATCH2004).</summary>
internal sealed class ConstantPoolException(string message, IReadOnlyList<string> stencils) : Exception(message)
{
    /// <summary>Every stencil with a variant that refers to .rodata.</summary>
    public IReadOnlyList<string> Stencils { get; } = stencils;
}
