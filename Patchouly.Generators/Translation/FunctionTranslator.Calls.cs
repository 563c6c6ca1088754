using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Calls: calls to helper methods of the library and through unmanaged function pointers, and their arguments.
/// </summary>
internal sealed partial class FunctionTranslator
{
    private CExpr? Invocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        string display = method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        var location = invocation.Syntax.GetLocation();
        if (invocation.Instance is not null || !_owner.IsLibraryMethod(method))
            return Fail(DiagnosticDescriptors.CallNotSupported, location, display, _owner.Library.Name, "");
        if (method.IsGenericMethod)
            return Fail(DiagnosticDescriptors.CallNotSupported, location, display, _owner.Library.Name, " (generic methods are not supported)");
        var implementation = method.OriginalDefinition.PartialImplementationPart ?? method.OriginalDefinition;
        if (method.IsExtern || !implementation.DeclaringSyntaxReferences.Any(r =>
                r.GetSyntax(_owner.CancellationToken) is BaseMethodDeclarationSyntax { Body: not null } or BaseMethodDeclarationSyntax { ExpressionBody: not null }))
            return Fail(DiagnosticDescriptors.CallNotSupported, location, display, _owner.Library.Name, " (it has no body)");
        if (method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Diagnostics.ConditionalAttribute"))
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, location, "A call to the [Conditional] method '" + display + "'", "");

        var inProgress = _owner.InProgress;
        int cycleStart = -1;
        for (int i = 0; i < inProgress.Count; i++)
            if (s_symbols.Equals(inProgress[i], method.OriginalDefinition)) { cycleStart = i; break; }
        if (cycleStart >= 0)
        {
            string chain = string.Join(" -> ", inProgress.Skip(cycleStart).Select(m => m.Name).Concat(new[] { method.Name }));
            return Fail(DiagnosticDescriptors.RecursionNotSupported, location, display, chain);
        }

        // The callee first: a problem in its signature or body is the root cause of any problem with the arguments.
        string? name = _owner.UseHelper(method, _diagnostics);
        if (name is null) return Silent();
        var arguments = new List<CExpr>();
        var ordinals = new List<int>();
        foreach (var argument in invocation.Arguments)
        {
            var value = Argument(argument);
            if (value is null) return Silent();
            arguments.Add(value);
            ordinals.Add(argument.Parameter?.Ordinal ?? arguments.Count - 1);
        }

        string text = Sequence(arguments, t =>
        {
            var ordered = new string[t.Length];
            for (int i = 0; i < t.Length; i++) ordered[ordinals[i]] = Unparenthesized(t[i]);
            return name + "(" + string.Join(", ", ordered) + ")";
        });
        string c = method.ReturnsVoid ? "void" : CTypes.Map(method.ReturnType) ?? "void";
        return new CExpr(text, c, stable: false, hasCalls: true, hasWrites: arguments.Any(a => a.HasWrites));
    }

    private CExpr? Argument(IArgumentOperation argument)
    {
        var refKind = argument.Parameter?.RefKind ?? RefKind.None;
        switch (refKind)
        {
            case RefKind.None:
                return Expr(argument.Value);
            case RefKind.Ref:
            case RefKind.Out:
                if (argument.Value is IDiscardOperation discard)
                {
                    string? c = discard.Type is null ? null : CTypes.Map(discard.Type);
                    if (c is null) return TypeError(discard.Type, discard.Syntax.GetLocation(), "");
                    // A fresh unnamed object (a C99 compound literal) receives the discarded value.
                    return new CExpr("(&(" + c + "){0})", c + "*", invariant: true);
                }
                return LValueOf(argument.Value) is { } lv ? AddressOf(lv, null) : null;
            default:
                return Fail(DiagnosticDescriptors.UnsupportedConstruct, argument.Syntax.GetLocation(), "Passing an argument by 'in' or 'ref readonly'", "");
        }
    }

    private CExpr? FunctionPointerInvocation(IFunctionPointerInvocationOperation call)
    {
        var target = Expr(call.Target);
        if (target is null) return null;
        var type = call.Target.Type as IFunctionPointerTypeSymbol;
        if (type is null || CTypes.Map(type) is null)
            return TypeError(call.Target.Type, call.Target.Syntax.GetLocation(), "");
        var operands = new List<CExpr> { target };
        foreach (var argument in call.Arguments)
        {
            var value = Argument(argument);
            if (value is null) return Silent();
            operands.Add(value);
        }
        string text = Sequence(operands, t => t[0] + "(" + string.Join(", ", t.Skip(1).Select(Unparenthesized)) + ")");
        var signature = type.Signature;
        string c = signature.ReturnsVoid ? "void" : CTypes.Map(signature.ReturnType) ?? "void";
        return new CExpr(text, c, stable: false, hasCalls: true, hasWrites: operands.Any(a => a.HasWrites));
    }
}
