using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Generators.Model;
using Patchouly.Generators.Parsing;

namespace Patchouly.Generators.Generator;

/// <summary>
/// The source generator: for each <c>[StencilLibrary]</c> class, adds the typed emit API and the compiled tables the
/// build task wrote (an additional file named <c>&lt;FullName&gt;.PatchoulyTables.cs</c>), or a stub that explains
/// how to build them. Reports no diagnostics (the analyzer does) and does no I/O.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class StencilGenerator : IIncrementalGenerator
{
    /// <summary>The suffix of the tables files the build task writes and passes as additional files.</summary>
    public const string TablesSuffix = ".PatchoulyTables.cs";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var defaultRegisters = context.AnalyzerConfigOptionsProvider.Select(static (o, _) =>
            o.GlobalOptions.TryGetValue(KnownNames.RegistersProperty, out var value) ? KnownNames.ParseRegisters(value) : null);

        var libraries = context.SyntaxProvider.ForAttributeWithMetadataName(
                KnownNames.StencilLibraryAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => StencilLibraryParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation, ct).Library)
            .Where(static m => m is not null)
            .Combine(defaultRegisters)
            .Select(static (pair, _) => pair.Left!.WithDefaultRegisters(pair.Right))
            .Select(static (m, _) => (Library: m, Hash: ModelHash.Compute(m)))
            .WithTrackingName("Libraries");

        var tables = context.AdditionalTextsProvider
            .Where(static t => t.Path.EndsWith(TablesSuffix, StringComparison.OrdinalIgnoreCase))
            .Select(static (t, ct) => new TablesFile(
                Path.GetFileName(t.Path).Substring(0, Path.GetFileName(t.Path).Length - TablesSuffix.Length),
                t.GetText(ct)?.ToString() ?? ""))
            .Collect()
            .WithTrackingName("Tables");

        context.RegisterSourceOutput(libraries.Combine(tables), static (spc, pair) =>
        {
            var (library, hash) = pair.Left;
            spc.AddSource(library.FullName + ".Patchouly.g.cs", EmitApiWriter.Write(library, hash));
            var file = pair.Right.FirstOrDefault(t => string.Equals(t.LibraryFullName, library.FullName, StringComparison.Ordinal));
            spc.AddSource(library.FullName + ".PatchoulyTables.g.cs",
                file is not null && file.Text.Length > 0 ? file.Text : EmitApiWriter.WriteMissingTables(library));
        });
    }

    private sealed record TablesFile(string LibraryFullName, string Text);
}
