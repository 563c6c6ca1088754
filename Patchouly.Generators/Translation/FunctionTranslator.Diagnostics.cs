using System;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Diagnostics: reporting a construct that cannot be translated (which makes the translation fail) at the exact source
/// location.
/// </summary>
internal sealed partial class FunctionTranslator
{
    private void Report(DiagnosticDescriptor descriptor, Location? location, params object?[] args)
    {
        _failed = true;
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));
    }

    private CExpr? Fail(DiagnosticDescriptor descriptor, Location? location, params object?[] args)
    {
        Report(descriptor, location, args);
        return null;
    }

    private CExpr? Silent()
    {
        _failed = true;
        return null;
    }

    private CExpr? TypeError(ITypeSymbol? type, Location? location, string context)
    {
        if (type is null || type.TypeKind == TypeKind.Error) return Silent();
        if (type.SpecialType == SpecialType.System_String)
            return Fail(DiagnosticDescriptors.StringNotSupported, location, "The type 'string'" + context);
        string hint = context;
        if (type is IFunctionPointerTypeSymbol)
            hint += " (function pointers must be 'delegate* unmanaged' with the default or Cdecl calling convention, no ref parameters and no bool or char, which the runtime would marshal)";
        else if (type.TypeKind == TypeKind.Struct && type.SpecialType == SpecialType.None && !CTypes.IsTarget(type))
            hint += type.DeclaringSyntaxReferences.Length == 0
                ? " (a struct from another assembly: its layout is not visible to Patchouly; declare the struct in this project)"
                : " (only unmanaged, non-generic structs can be used)";
        else if (type.IsReferenceType)
            hint += " (it is a managed type)";
        return Fail(DiagnosticDescriptors.TypeNotSupported, location, type.ToDisplayString(), hint);
    }

    private CExpr? Unsupported(IOperation op) =>
        Fail(DiagnosticDescriptors.UnsupportedConstruct, op.Syntax.GetLocation(), "'" + Snippet(op.Syntax) + "' (" + KindName(op) + ")", "");

    private static string KindName(IOperation op)
    {
        if (op.Kind == OperationKind.None) return "this kind of expression";
        string name = op.Kind.ToString();
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) sb.Append(' ');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }

    private static string Snippet(SyntaxNode syntax)
    {
        string text = string.Join(" ", syntax.ToString().Split(new[] { '\r', '\n', '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }

    /// <summary>The keyword that starts a statement (for diagnostics on whole statements), or the node itself.</summary>
    private static Location KeywordLocation(SyntaxNode syntax) => syntax switch
    {
        ForEachStatementSyntax s => s.ForEachKeyword.GetLocation(),
        ForEachVariableStatementSyntax s => s.ForEachKeyword.GetLocation(),
        LockStatementSyntax s => s.LockKeyword.GetLocation(),
        UsingStatementSyntax s => s.UsingKeyword.GetLocation(),
        LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } s => s.UsingKeyword.GetLocation(),
        TryStatementSyntax s => s.TryKeyword.GetLocation(),
        ThrowStatementSyntax s => s.ThrowKeyword.GetLocation(),
        ThrowExpressionSyntax s => s.ThrowKeyword.GetLocation(),
        GotoStatementSyntax s => s.GotoKeyword.GetLocation(),
        LabeledStatementSyntax s => s.Identifier.GetLocation(),
        YieldStatementSyntax s => s.YieldKeyword.GetLocation(),
        FixedStatementSyntax s => s.FixedKeyword.GetLocation(),
        AwaitExpressionSyntax s => s.AwaitKeyword.GetLocation(),
        LocalFunctionStatementSyntax s => s.Identifier.GetLocation(),
        _ => syntax.GetLocation(),
    };
}
