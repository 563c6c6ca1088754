using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Generators.Model;
using Patchouly.Generators.Parsing;

namespace Patchouly.Generators.EmitApi;

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

    /// <summary>The hint-name suffix of a library's generated emit API.</summary>
    public const string EmitApiSourceSuffix = ".Patchouly.g.cs";

    /// <summary>The hint-name suffix of a library's tables (or their stub) as the generator adds them.</summary>
    public const string TablesSourceSuffix = ".PatchoulyTables.g.cs";

    /// <summary>True for a source this generator added (a compilation may already contain its output).</summary>
    public static bool IsGeneratedSource(string path) =>
        path.EndsWith(EmitApiSourceSuffix, StringComparison.OrdinalIgnoreCase) || path.EndsWith(TablesSourceSuffix, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var defaultRegisters = context.AnalyzerConfigOptionsProvider.Select(static (o, _) =>
                o.GlobalOptions.TryGetValue(KnownNames.RegistersProperty, out var value) ? KnownNames.ParseRegisters(value) : null)
            .WithTrackingName(TrackingNames.DefaultRegisters);

        // Each step's output is plain equatable data (records, strings, EquatableArray), so an edit that does not
        // change a library's model stops at "Unchanged" and the source outputs stay cached.
        var libraries = context.SyntaxProvider.ForAttributeWithMetadataName(
                KnownNames.StencilLibraryAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => IsFirstAttributedDeclaration(ctx)
                    ? StencilLibraryParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation, ct).Library
                    : null)
            .WithTrackingName(TrackingNames.ParsedLibraries)
            .Where(static m => m is not null)
            .Combine(defaultRegisters)
            .Select(static (pair, _) => pair.Left!.WithDefaultRegisters(pair.Right))
            .WithTrackingName(TrackingNames.LibraryModels)
            .Select(static (m, _) => (Library: m, Hash: ModelHash.Compute(m)))
            .WithTrackingName(TrackingNames.Libraries);

        var tables = context.AdditionalTextsProvider
            .Where(static t => t.Path.EndsWith(TablesSuffix, StringComparison.OrdinalIgnoreCase))
            .Select(static (t, ct) =>
            {
                string text = t.GetText(ct)?.ToString() ?? "";
                return new TablesFile(
                    Path.GetFileName(t.Path).Substring(0, Path.GetFileName(t.Path).Length - TablesSuffix.Length),
                    text,
                    TablesHeader.Verify(text) is not null);
            })
            .WithTrackingName(TrackingNames.TablesFiles)
            .Collect()
            .WithTrackingName(TrackingNames.Tables);

        context.RegisterSourceOutput(libraries.Combine(tables), static (spc, pair) =>
        {
            var (library, hash) = pair.Left;
            spc.AddSource(library.FileName + EmitApiSourceSuffix, EmitApiWriter.Write(library, hash));
            var file = pair.Right.FirstOrDefault(t => string.Equals(t.LibraryFileName, library.FileName, StringComparison.Ordinal));
            spc.AddSource(library.FileName + TablesSourceSuffix,
                file is null || file.Text.Length == 0 ? EmitApiWriter.WriteMissingTables(library)
                : !file.Intact ? EmitApiWriter.WriteMissingTables(library, damaged: true)
                : file.Text);
        });
    }

    /// <summary>
    /// True for the class declaration that carries the first [StencilLibrary] of its type. The attribute on two partial
    /// declarations (an error the compiler reports) would otherwise produce the library's sources twice.
    /// </summary>
    private static bool IsFirstAttributedDeclaration(GeneratorAttributeSyntaxContext ctx)
    {
        var first = ctx.TargetSymbol.GetAttributes()
            .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilLibraryAttribute)?.ApplicationSyntaxReference;
        return first is null || (first.SyntaxTree == ctx.TargetNode.SyntaxTree && ctx.TargetNode.Span.Contains(first.Span));
    }

    /// <param name="Intact">The content matches the hash in the first line (a truncated or edited file would add
    /// broken code to the compilation; it is replaced by a stub that says so at run time).</param>
    private sealed record TablesFile(string LibraryFileName, string Text, bool Intact);

    /// <summary>The names of the pipeline's steps, as <c>GeneratorRunResult.TrackedSteps</c> reports them.</summary>
    internal static class TrackingNames
    {
        /// <summary>The <c>PatchoulyRegisters</c> property.</summary>
        public const string DefaultRegisters = "DefaultRegisters";
        /// <summary>One <see cref="LibraryModel"/> (or null) per [StencilLibrary] declaration.</summary>
        public const string ParsedLibraries = "ParsedLibraries";
        /// <summary>The models with the project's default register count applied.</summary>
        public const string LibraryModels = "LibraryModels";
        /// <summary>The models with their hash: what the source output consumes.</summary>
        public const string Libraries = "Libraries";
        /// <summary>One per tables file passed as an additional file.</summary>
        public const string TablesFiles = "TablesFiles";
        /// <summary>All tables files.</summary>
        public const string Tables = "Tables";
    }
}
