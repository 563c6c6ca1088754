using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;
using Patchouly.Generators.Parsing;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Translates the body of one method (a stencil or a helper) from Roslyn's IOperation tree to C.
/// </summary>
/// <remarks>
/// <para>Every C# operation is emitted so that it happens in the C# operator's type with C#'s semantics: signed
/// arithmetic is done on the unsigned type of the same width (no signed overflow), shift counts are masked as C#
/// masks them, division goes through trapping helpers, every conversion is an explicit cast (narrowing to a signed
/// type goes through the unsigned type of the target width), pointer arithmetic and comparisons are done on
/// <c>uintptr_t</c>. C leaves the evaluation order of operands unspecified, so operands that may interact through
/// side effects are evaluated into temporaries in C#'s left-to-right order (GNU statement expressions).</para>
/// <para>Anything that cannot be translated faithfully produces a diagnostic at the exact source location and makes
/// the translation fail; operations with compile errors fail silently (the compiler reports those).</para>
/// </remarks>
internal sealed partial class FunctionTranslator
{
    private static readonly SymbolEqualityComparer s_symbols = SymbolEqualityComparer.Default;

    private readonly StencilTranslator _owner;
    private readonly IMethodSymbol _method;
    private readonly BaseMethodDeclarationSyntax _syntax;
    private readonly SemanticModel _model;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly StringBuilder _out = new();
    private readonly HashSet<ISymbol> _addressTaken = new(s_symbols);
    private readonly HashSet<ILocalSymbol> _badLocals = new(s_symbols);
    private readonly HashSet<ILocalSymbol> _predeclared = new(s_symbols);
    private readonly HashSet<ILocalSymbol> _readLocals = new(s_symbols);
    private int _indent = 1;
    private int _temporaries;
    private int _stackArrays;
    private bool _failed;
    private bool _opaqueMemory;
    private readonly bool _asHelper;
    private readonly List<string> _functionScope = new();
    private readonly HashSet<ITypeSymbol> _reportedTypes = new(s_symbols);

    /// <param name="asHelper">The body is for a call from another stencil, whose locals its pointers may point into.</param>
    public FunctionTranslator(StencilTranslator owner, IMethodSymbol method, BaseMethodDeclarationSyntax syntax, SemanticModel model, List<DiagnosticInfo> diagnostics, bool asHelper)
    {
        _owner = owner;
        _asHelper = asHelper;
        _method = method;
        _syntax = syntax;
        _model = model;
        _diagnostics = diagnostics;
    }

    public FunctionResult Translate()
    {
        var body = _model.GetOperation(_syntax, _owner.CancellationToken) as IMethodBodyOperation;
        var block = body?.BlockBody ?? body?.ExpressionBody;
        RegisterSignatureTypes();
        string? returnType = ReturnType();
        string parameters = Parameters();

        if (block is null) return FunctionResult.Failed;
        RegisterTypes(block);
        if (_failed || returnType is null) return FunctionResult.Failed;

        FindAddressTaken(block);
        _opaqueMemory = OpaqueMemoryReads(block);
        _out.Append("{\n");
        int bodyStart = _out.Length;
        BlockContents(block);
        if (!_method.ReturnsVoid)
            Line("__builtin_unreachable(); /* C# proves the end of the method unreachable */");
        _out.Append("}\n");
        // Arrays behind stackalloc live as long as the method, as in C#: they are declared at its top.
        if (_functionScope.Count > 0) _out.Insert(bodyStart, string.Concat(_functionScope.Select(d => "    " + d + "\n")));
        return _failed ? FunctionResult.Failed : new FunctionResult(returnType, parameters, _out.ToString(), _opaqueMemory);
    }

    // ------------------------------------------------------------------ signature

    private string? ReturnType()
    {
        if (_method.ReturnsVoid) return "void";
        var location = (_syntax as MethodDeclarationSyntax)?.ReturnType.GetLocation() ?? _method.Locations.FirstOrDefault();
        if (_method.RefKind != RefKind.None)
        {
            Report(DiagnosticDescriptors.UnsupportedConstruct, location, "Returning by reference", "");
            return null;
        }
        string? c = CTypes.Map(_method.ReturnType);
        if (c is null) TypeError(_method.ReturnType, location, " as a return type");
        return c;
    }

    private string Parameters()
    {
        var parts = new List<string>();
        foreach (var p in _method.Parameters)
        {
            var syntax = p.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_owner.CancellationToken) as ParameterSyntax;
            var location = syntax?.Type?.GetLocation() ?? p.Locations.FirstOrDefault();
            string? c = CTypes.Map(p.Type);
            if (c is null || c == "void")
            {
                TypeError(p.Type, location, " as a parameter type");
                continue;
            }
            switch (p.RefKind)
            {
                case RefKind.None:
                    parts.Add(c + " " + CNames.Variable(p.Name));
                    break;
                case RefKind.Out:
                case RefKind.Ref:
                    parts.Add(c + "* " + CNames.Variable(p.Name));
                    break;
                default:
                    Report(DiagnosticDescriptors.UnsupportedConstruct, (Location?)syntax?.GetLocation() ?? location,
                        "Parameter '" + p.Name + "' passed by '" + (p.RefKind == RefKind.In ? "in" : "ref readonly") + "'",
                        "; pass it by value");
                    break;
            }
        }
        return parts.Count == 0 ? "void" : string.Join(", ", parts);
    }

    private void FindAddressTaken(IOperation root)
    {
        foreach (var op in root.Descendants())
        {
            NoteParameterWrite(op);
            switch (op)
            {
                case IAddressOfOperation a:
                    AddTaken(a.Reference);
                    break;
                case IArgumentOperation { Parameter: { RefKind: not RefKind.None } } arg:
                    AddTaken(arg.Value);
                    break;
                case ILocalReferenceOperation local when !(local.Parent is ISimpleAssignmentOperation assignment && assignment.Target == local):
                    _readLocals.Add(local.Local);
                    break;
            }
        }

        void AddTaken(IOperation reference)
        {
            switch (reference)
            {
                case ILocalReferenceOperation l: _addressTaken.Add(l.Local); break;
                case IParameterReferenceOperation p: _addressTaken.Add(p.Parameter); break;
                case IDeclarationExpressionOperation d: AddTaken(d.Expression); break;
                case IFieldReferenceOperation { Instance: { } instance }: AddTaken(instance); break;
            }
        }
    }

    /// <summary>
    /// True when every location this method reads through a pointer is memory clang cannot see into, which nothing it
    /// compiles along with it writes: the method is a stencil translated as one, not as another stencil's helper (its pointers are inputs, holes or loaded values, opaque to
    /// clang), takes no address (no local or buffer becomes memory), allocates nothing on the stack, calls nothing
    /// (no helper, intrinsic or host function that could write memory or hand out an address) and assigns only to its
    /// locals and parameters. Such a read cannot fold into a constant, so a float or double is read as itself.
    /// </summary>
    private bool OpaqueMemoryReads(IOperation root)
    {
        if (_asHelper || !_method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.StencilAttribute)) return false;
        if (_addressTaken.Count > 0) return false;
        foreach (var op in root.Descendants())
        {
            switch (op)
            {
                case IAddressOfOperation or IInvocationOperation or IFunctionPointerInvocationOperation:
                    return false;
                case { Syntax: StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax }:
                    return false;
                case IAssignmentOperation { Target: var target } when !IsVariable(target):
                    return false;
                case IIncrementOrDecrementOperation { Target: var target } when !IsVariable(target):
                    return false;
            }
        }
        return true;

        static bool IsVariable(IOperation target) => target is ILocalReferenceOperation or IParameterReferenceOperation
            || target is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation };
    }

    // ------------------------------------------------------------------ shared helpers

    private void Line(string text)
    {
        _out.Append(' ', _indent * 4).Append(text).Append('\n');
    }

    private string Temp() => CNames.Temporary(++_temporaries);

    /// <summary>Evaluates <paramref name="operands"/> in C#'s left-to-right order: operands whose evaluation could
    /// interact with a later operand's are first stored in temporaries (a GNU statement expression).</summary>
    private string Sequence(IReadOnlyList<CExpr> operands, Func<string[], string> combine, Action? onHoist = null)
    {
        var texts = new string[operands.Count];
        var declarations = new StringBuilder();
        for (int i = 0; i < operands.Count; i++)
        {
            bool hoist = false;
            for (int j = i + 1; j < operands.Count && !hoist; j++)
                hoist = CExpr.Conflict(operands[i], operands[j]);
            if (hoist && operands[i].CType != "void")
            {
                string t = Temp();
                declarations.Append(operands[i].CType).Append(' ').Append(t).Append(" = ").Append(operands[i].Text).Append("; ");
                texts[i] = t;
            }
            else
            {
                texts[i] = operands[i].Text;
            }
        }
        string combined = combine(texts);
        if (declarations.Length == 0) return combined;
        onHoist?.Invoke();
        return "({ " + declarations + combined + "; })";
    }

    private static CExpr Derived(string text, string cType, params CExpr[] parts) =>
        new(text, cType,
            invariant: parts.All(p => p.Invariant),
            stable: parts.All(p => p.Stable),
            hasCalls: parts.Any(p => p.HasCalls),
            hasWrites: parts.Any(p => p.HasWrites));

    private static string Condition(CExpr? condition) => condition is null ? "0" : Unparenthesized(condition.Text);

    /// <summary>Removes one pair of outer parentheses that enclose the whole text (not a statement expression's).</summary>
    private static string Unparenthesized(string text)
    {
        if (text.Length < 2 || text[0] != '(' || text[text.Length - 1] != ')' || text[1] == '{') return text;
        int depth = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            if (depth == 0 && i < text.Length - 1) return text;
        }
        return text.Substring(1, text.Length - 2);
    }
}
