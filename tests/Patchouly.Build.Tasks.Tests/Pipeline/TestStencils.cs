using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>A stencil library run through the whole build pipeline in-process: C# → model → C → clang → ELF → tables.</summary>
internal sealed record BuiltStencils(LibraryModel Model, CLibrarySource Source, ExtractedLibrary Extracted, TableLayout Layout, StencilLibrary Library, string Directory);

/// <summary>Builds stencil libraries from C# source for tests (cached per source text for the test run).</summary>
internal static class TestStencils
{
    private static readonly ConcurrentDictionary<string, Lazy<BuiltStencils>> s_cache = new();
    private static readonly Lazy<ClangInfo> s_clang = new(() => ClangLocator.Locate());

    public static ClangInfo Clang => s_clang.Value;

    /// <summary>Compiles C# source with Roslyn, with references to the framework and Patchouly.Attributes.</summary>
    public static CSharpCompilation CompileCSharp(string source, string assemblyName = "TestStencils")
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path: "Stencils.cs");
        return CSharpCompilation.Create(assemblyName, [tree], References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
    }

    public static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(Patchouly.StencilAttribute).Assembly.Location);
        paths.Add(typeof(StencilLibrary).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    /// <summary>The single [StencilLibrary] type of a compilation.</summary>
    public static INamedTypeSymbol LibraryType(Compilation compilation) =>
        Patchouly.Build.Tasks.MSBuild.StencilBuild.FindLibraries(compilation, default).Single();

    public static LibraryModel Parse(string source)
    {
        var compilation = CompileCSharp(source);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0) throw new InvalidOperationException("C# errors:\n" + string.Join("\n", errors));
        var result = StencilLibraryParser.Parse(LibraryType(compilation), compilation, default);
        if (result.Diagnostics.Count > 0) throw new InvalidOperationException("Stencil errors:\n" + string.Join("\n", result.Diagnostics));
        return result.Library!;
    }

    public static BuiltStencils Build(string source) => Build(source, BuildTargets.LinuxX64);

    /// <summary>Builds (once per source and target for the test run) the tables of <paramref name="source"/> for <paramref name="target"/>.</summary>
    public static BuiltStencils Build(string source, BuildTarget target) =>
        s_cache.GetOrAdd(target.RuntimeIdentifier + "\n" + source, _ => new Lazy<BuiltStencils>(() => BuildModel(Parse(source), target))).Value;

    /// <summary>Writes, compiles and extracts a model for <paramref name="target"/> (default: linux-x64).</summary>
    public static BuiltStencils BuildModel(LibraryModel model, BuildTarget? target = null)
    {
        target ??= BuildTargets.LinuxX64;
        var c = CLibraryWriter.Write(model);
        string dir = Path.Combine(Path.GetTempPath(), "patchouly-tests", model.Name + "-" + c.Hash + "-" + target.RuntimeIdentifier + "-" + Guid.NewGuid().ToString("n")[..8]);
        var compiled = StencilPipeline.Compile(c, target, Clang, dir);
        return new BuiltStencils(model, c, compiled.Extracted, compiled.Layout, compiled.CreateLibrary(), dir);
    }
}
