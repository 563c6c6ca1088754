using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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
        // Local functions and lambdas are not symbols a symbol action sees; [Stencil] on them would be ignored silently.
        context.RegisterSyntaxNodeAction(AnalyzeFunction, SyntaxKind.LocalFunctionStatement, SyntaxKind.ParenthesizedLambdaExpression);
    }

    private static void AnalyzeFunction(SyntaxNodeAnalysisContext context)
    {
        var (attributes, symbol, location) = context.Node switch
        {
            LocalFunctionStatementSyntax f => (f.AttributeLists, context.SemanticModel.GetDeclaredSymbol(f, context.CancellationToken), f.Identifier.GetLocation()),
            ParenthesizedLambdaExpressionSyntax l => (l.AttributeLists, context.SemanticModel.GetSymbolInfo(l, context.CancellationToken).Symbol,
                l.AttributeLists.Count > 0 ? l.AttributeLists[0].GetLocation() : l.GetLocation()),
            _ => (default(SyntaxList<AttributeListSyntax>), null, null),
        };
        if (attributes.Count == 0 || symbol is not IMethodSymbol method) return;
        if (!method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilAttribute)) return;
        string what = method.MethodKind == MethodKind.LocalFunction ? $"local function '{method.Name}'" : "a lambda";
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.StencilNotAMethod, location, what));
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilLibraryAttribute)) return;
        context.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(KnownNames.RegistersProperty, out var registers);
        var result = StencilLibraryParser.Parse(type, context.Compilation, context.CancellationToken, KnownNames.ParseRegisters(registers));
        foreach (var info in result.Diagnostics)
            context.ReportDiagnostic(info.ToDiagnostic(FindTree(context.Compilation, type, info)));
    }

    /// <summary>
    /// The tree a diagnostic's span refers to. Trees are matched by path, and several may share one (in-memory
    /// compilations often have no paths at all): prefer a tree of the library's own declarations, and never one the
    /// span does not fit in (Roslyn rejects such a diagnostic with an exception, AD0001).
    /// </summary>
    private static SyntaxTree? FindTree(Compilation compilation, INamedTypeSymbol type, Diagnostics.DiagnosticInfo info)
    {
        SyntaxTree? found = null;
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.FilePath != info.FilePath || tree.Length < info.Span.End) continue;
            if (type.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == tree)) return tree;
            found ??= tree;
        }
        return found;
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
