using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Patchouly.Generators.Diagnostics;
using Patchouly.Generators.Parsing;

namespace Patchouly.Generators.Analyzer;

/// <summary>
/// Reports every PATCH diagnostic as you type: the shape of stencil libraries and stencils, and every C# construct in
/// a stencil body that cannot be translated to C faithfully. Uses the same parser and translator as the build.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StencilAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = DiagnosticDescriptors.All.ToImmutableArray();

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilLibraryAttribute)) return;
        context.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(KnownNames.RegistersProperty, out var registers);
        var result = StencilLibraryParser.Parse(type, context.Compilation, context.CancellationToken, KnownNames.ParseRegisters(registers));
        foreach (var info in result.Diagnostics)
        {
            var tree = context.Compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == info.FilePath);
            context.ReportDiagnostic(info.ToDiagnostic(tree));
        }
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilAttribute)) return;
        var owner = method.ContainingType;
        if (owner is not null && owner.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilLibraryAttribute)) return;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.StencilOutsideLibrary, method.Locations.FirstOrDefault(), method.Name));
    }
}
