using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

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
    private readonly List<string> _functionScope = new();
    private readonly HashSet<ITypeSymbol> _reportedTypes = new(s_symbols);

    public FunctionTranslator(StencilTranslator owner, IMethodSymbol method, BaseMethodDeclarationSyntax syntax, SemanticModel model, List<DiagnosticInfo> diagnostics)
    {
        _owner = owner;
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
        _out.Append("{\n");
        int bodyStart = _out.Length;
        BlockContents(block);
        if (!_method.ReturnsVoid)
            Line("__builtin_unreachable(); /* C# proves the end of the method unreachable */");
        _out.Append("}\n");
        // Arrays behind stackalloc live as long as the method, as in C#: they are declared at its top.
        if (_functionScope.Count > 0) _out.Insert(bodyStart, string.Concat(_functionScope.Select(d => "    " + d + "\n")));
        return _failed ? FunctionResult.Failed : new FunctionResult(returnType, parameters, _out.ToString());
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

    // ------------------------------------------------------------------ statements

    private void Line(string text)
    {
        _out.Append(' ', _indent * 4).Append(text).Append('\n');
    }

    private void BlockContents(IBlockOperation block)
    {
        Predeclare(block.Locals, DeclaredBy(block.Operations));
        foreach (var statement in block.Operations) Statement(statement);
    }

    private void Block(IBlockOperation block)
    {
        Line("{");
        _indent++;
        BlockContents(block);
        _indent--;
        Line("}");
    }

    /// <summary>The body of an if, loop or switch section, always in braces.</summary>
    private void Embedded(IOperation statement)
    {
        if (statement is IBlockOperation block)
        {
            Block(block);
            return;
        }
        Line("{");
        _indent++;
        Statement(statement);
        _indent--;
        Line("}");
    }

    private static HashSet<ILocalSymbol> DeclaredBy(IEnumerable<IOperation> statements)
    {
        var set = new HashSet<ILocalSymbol>(s_symbols);
        foreach (var s in statements)
            if (s is IVariableDeclarationGroupOperation group)
                foreach (var declaration in group.Declarations)
                    foreach (var declarator in declaration.Declarators)
                        set.Add(declarator.Symbol);
        return set;
    }

    /// <summary>Declares, at the start of a C scope, the C# locals of that scope that are not declared by a
    /// declaration statement directly in it (out variables, locals of switch sections, which C# scopes to the
    /// whole switch block). C# definite assignment guarantees they are assigned before use.</summary>
    private void Predeclare(IEnumerable<ILocalSymbol> locals, HashSet<ILocalSymbol> except)
    {
        foreach (var local in locals)
        {
            if (except.Contains(local) || local.IsConst || _predeclared.Contains(local) || _badLocals.Contains(local)) continue;
            var location = local.Locations.FirstOrDefault();
            if (local.IsRef)
            {
                Report(DiagnosticDescriptors.UnsupportedConstruct, location, "The ref local '" + local.Name + "'", "");
                _badLocals.Add(local);
                continue;
            }
            string? c = CTypes.Map(local.Type);
            if (c is null)
            {
                TypeError(local.Type, location, " (local '" + local.Name + "')");
                _badLocals.Add(local);
                continue;
            }
            _predeclared.Add(local);
            Line(c + " " + CNames.Variable(local.Name) + Unused(local) + ZeroInitializer(local.Type, location) + ";");
        }
    }

    private void Statement(IOperation op)
    {
        _owner.CancellationToken.ThrowIfCancellationRequested();
        // Deeply nested code must not overflow the compiler's stack (that would kill the compiler process): this
        // throws InsufficientExecutionStackException instead, which the StencilTranslator reports as PATCH0019.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (op)
        {
            case IBlockOperation block:
                Block(block);
                break;
            case IVariableDeclarationGroupOperation group:
                Declarations(group);
                break;
            case IExpressionStatementOperation expression:
                if (expression.Operation is IThrowOperation thrown)
                {
                    Report(DiagnosticDescriptors.ExceptionsNotSupported, KeywordLocation(thrown.Syntax), "'throw'");
                    break;
                }
                if (VoidExpression(expression.Operation) is { } text) Line(text + ";");
                break;
            case IConditionalOperation conditional:
                If(conditional, elseIf: false);
                break;
            case IWhileLoopOperation loop:
                While(loop);
                break;
            case IForLoopOperation loop:
                For(loop);
                break;
            case ISwitchOperation switchOperation:
                Switch(switchOperation);
                break;
            case IBranchOperation branch:
                Branch(branch);
                break;
            case IReturnOperation ret:
                Return(ret);
                break;
            case IEmptyOperation:
                Line(";");
                break;
            case IForEachLoopOperation:
                StatementError(op, "foreach", "; loop with 'for' or 'while' over an index or a pointer");
                break;
            case ILabeledOperation:
                StatementError(op, "label", "; use loops, 'break' and 'continue'");
                break;
            case ILockOperation:
                StatementError(op, "lock", "");
                break;
            case IUsingOperation:
            case IUsingDeclarationOperation:
                StatementError(op, "using", "");
                break;
            case ITryOperation:
                Report(DiagnosticDescriptors.ExceptionsNotSupported, KeywordLocation(op.Syntax), "'try'");
                break;
            case IThrowOperation:
                Report(DiagnosticDescriptors.ExceptionsNotSupported, KeywordLocation(op.Syntax), "'throw'");
                break;
            case ILocalFunctionOperation localFunction:
                Report(DiagnosticDescriptors.DelegatesNotSupported, KeywordLocation(op.Syntax), "The local function '" + localFunction.Symbol.Name + "'");
                break;
            case IInvalidOperation:
                _failed = true;
                break;
            default:
                if (op.Syntax is FixedStatementSyntax) StatementError(op, "fixed", "; stencil code has no movable objects to pin");
                else if (op.Syntax is CheckedStatementSyntax && op.ChildOperations.FirstOrDefault() is IBlockOperation inner) Block(inner);
                else Unsupported(op);
                break;
        }
    }

    private void StatementError(IOperation op, string keyword, string hint) =>
        Report(DiagnosticDescriptors.StatementNotSupported, KeywordLocation(op.Syntax), keyword, hint);

    private void Declarations(IVariableDeclarationGroupOperation group)
    {
        foreach (var declaration in group.Declarations)
        {
            foreach (var declarator in declaration.Declarators)
            {
                var local = declarator.Symbol;
                if (local.IsConst) continue; // every use is replaced by the constant's value
                if (local.IsRef)
                {
                    Report(DiagnosticDescriptors.UnsupportedConstruct, declarator.Syntax.GetLocation(), "The ref local '" + local.Name + "'", "");
                    _badLocals.Add(local);
                    continue;
                }
                var initializer = declarator.Initializer?.Value ?? declaration.Initializer?.Value;
                CExpr? value = initializer is null ? null : Expr(initializer);
                if (initializer is not null && value is null)
                {
                    _badLocals.Add(local);
                    continue;
                }
                string? c = CTypes.Map(local.Type);
                if (c is null || c == "void")
                {
                    TypeError(local.Type, declarator.Syntax.GetLocation(), " (local '" + local.Name + "')");
                    _badLocals.Add(local);
                    continue;
                }
                string name = CNames.Variable(local.Name) + Unused(local);
                if (_predeclared.Contains(local))
                {
                    if (value is not null) Line(CNames.Variable(local.Name) + " = " + value.Text + ";");
                }
                else
                {
                    Line(value is null ? c + " " + name + ZeroInitializer(local.Type, declarator.Syntax.GetLocation()) + ";" : c + " " + name + " = " + value.Text + ";");
                }
            }
        }
    }

    /// <summary>A C# local that is assigned but never read gets <c>__attribute__((unused))</c>, so that clang does not
    /// warn (C# allows it; clang's -Wunused-but-set-variable is part of -Wall).</summary>
    private string Unused(ILocalSymbol local) => _readLocals.Contains(local) ? "" : " __attribute__((unused))";

    private void If(IConditionalOperation conditional, bool elseIf)
    {
        var condition = Expr(conditional.Condition);
        Line((elseIf ? "else if (" : "if (") + Condition(condition) + ")");
        Embedded(conditional.WhenTrue);
        if (conditional.WhenFalse is null) return;
        if (conditional.WhenFalse is IConditionalOperation nested && nested.Type is null)
        {
            If(nested, elseIf: true);
            return;
        }
        Line("else");
        Embedded(conditional.WhenFalse);
    }

    private void While(IWhileLoopOperation loop)
    {
        bool wrap = loop.Locals.Length > 0;
        if (wrap)
        {
            Line("{");
            _indent++;
            Predeclare(loop.Locals, new HashSet<ILocalSymbol>(s_symbols));
        }
        string condition = loop.Condition is null ? "1" : Condition(Expr(loop.Condition));
        if (loop.ConditionIsUntil) condition = "!(" + condition + ")";
        Line(NoVectorize);
        if (loop.ConditionIsTop)
        {
            Line("while (" + condition + ")");
            Embedded(loop.Body);
        }
        else
        {
            Line("do");
            Embedded(loop.Body);
            Line("while (" + condition + ");");
        }
        if (wrap)
        {
            _indent--;
            Line("}");
        }
    }

    /// <summary>
    /// Loops are not vectorized: vector code needs vector constants (induction steps, splats), which clang loads from a
    /// constant pool that stencils cannot refer to. Unrolling is still allowed.
    /// </summary>
    private const string NoVectorize = "#pragma clang loop vectorize(disable) interleave(disable)";

    private void For(IForLoopOperation loop)
    {
        string init = "";
        bool wrap = false;
        var before = loop.Before;
        var declaredInBefore = DeclaredBy(before);
        bool otherLocals = loop.Locals.Concat(loop.ConditionLocals).Any(l => !declaredInBefore.Contains(l) && !l.IsConst);
        if (!otherLocals && before.Length == 1 && before[0] is IVariableDeclarationGroupOperation
            {
                Declarations: [{ Declarators: [{ Symbol: { IsConst: false, IsRef: false } local } declarator] } declaration]
            })
        {
            var initializer = declarator.Initializer?.Value ?? declaration.Initializer?.Value;
            CExpr? value = initializer is null ? null : Expr(initializer);
            string? c = CTypes.Map(local.Type);
            if (c is null || c == "void") TypeError(local.Type, declarator.Syntax.GetLocation(), " (local '" + local.Name + "')");
            init = c + " " + CNames.Variable(local.Name) + Unused(local) + (value is null ? "" : " = " + value.Text);
        }
        else if (before.Length > 0 || otherLocals)
        {
            wrap = true;
            Line("{");
            _indent++;
            Predeclare(loop.Locals.Concat(loop.ConditionLocals), declaredInBefore);
            foreach (var statement in before) Statement(statement);
        }

        string condition = loop.Condition is null ? "" : Condition(Expr(loop.Condition));
        var increments = new List<string>();
        foreach (var op in loop.AtLoopBottom)
        {
            var expression = op is IExpressionStatementOperation statement ? statement.Operation : op;
            if (VoidExpression(expression) is { } text) increments.Add(text);
        }
        Line(NoVectorize);
        Line("for (" + init + "; " + condition + "; " + string.Join(", ", increments) + ")");
        Embedded(loop.Body);
        if (wrap)
        {
            _indent--;
            Line("}");
        }
    }

    private void Switch(ISwitchOperation switchOperation)
    {
        var governing = Expr(switchOperation.Value);
        var type = switchOperation.Value.Type;
        if (governing is not null && type is not null && !CTypes.IsIntegral(type) && !CTypes.IsBool(type))
        {
            TypeError(type, switchOperation.Value.Syntax.GetLocation(), " in a switch statement (switch on an integer, char, bool or enum)");
            return;
        }
        bool wrap = switchOperation.Locals.Length > 0;
        if (wrap)
        {
            Line("{");
            _indent++;
            Predeclare(switchOperation.Locals, new HashSet<ILocalSymbol>(s_symbols));
        }
        Line("switch (" + Condition(governing) + ")");
        Line("{");
        foreach (var section in switchOperation.Cases)
        {
            foreach (var clause in section.Clauses)
            {
                switch (clause)
                {
                    case ISingleValueCaseClauseOperation single:
                        CaseLabel(single.Value);
                        break;
                    // Roslyn binds the constant labels of a switch on nint/nuint (not a C# 1 governing type) as constant patterns.
                    case IPatternCaseClauseOperation { Pattern: IConstantPatternOperation constant, Guard: null } when constant.Value.ConstantValue.HasValue:
                        CaseLabel(constant.Value);
                        break;
                    case IDefaultCaseClauseOperation:
                        Line("default:");
                        break;
                    default:
                        Report(DiagnosticDescriptors.UnsupportedConstruct, clause.Syntax.GetLocation(),
                            "The pattern case label '" + Snippet(clause.Syntax) + "'", "; use constant case labels and 'if' statements");
                        break;
                }
            }
            Line("{");
            _indent++;
            Predeclare(section.Locals, new HashSet<ILocalSymbol>(s_symbols));
            foreach (var statement in section.Body) Statement(statement);
            _indent--;
            Line("}");
        }
        Line("}");
        if (wrap)
        {
            _indent--;
            Line("}");
        }
    }

    private void CaseLabel(IOperation label)
    {
        var value = Expr(label);
        if (value is not null && !value.Invariant)
            Report(DiagnosticDescriptors.UnsupportedConstruct, label.Syntax.GetLocation(), "A case label that is not a constant", "");
        Line("case " + value?.Text + ":");
    }

    private void Branch(IBranchOperation branch)
    {
        switch (branch.BranchKind)
        {
            case BranchKind.Break:
                Line("break;");
                break;
            case BranchKind.Continue:
                Line("continue;");
                break;
            default:
                StatementError(branch, branch.Syntax is GotoStatementSyntax g && !g.CaseOrDefaultKeyword.IsKind(SyntaxKind.None)
                    ? "goto " + g.CaseOrDefaultKeyword.Text : "goto", "; use loops, 'break' and 'continue'");
                break;
        }
    }

    private void Return(IReturnOperation ret)
    {
        if (ret.Kind != OperationKind.Return)
        {
            StatementError(ret, "yield", "");
            return;
        }
        if (ret.ReturnedValue is null)
        {
            if (!ret.IsImplicit) Line("return;");
            return;
        }
        var value = Expr(ret.ReturnedValue);
        if (value is not null) Line("return " + Unparenthesized(value.Text) + ";");
    }

    /// <summary>An expression whose value is not used (expression statements, for-loop increments).</summary>
    private string? VoidExpression(IOperation op)
    {
        CExpr? result = op switch
        {
            ISimpleAssignmentOperation assignment => Assignment(assignment, valueUsed: false),
            ICompoundAssignmentOperation compound => CompoundAssignment(compound),
            IIncrementOrDecrementOperation increment => IncrementOrDecrement(increment, valueUsed: false),
            _ => Expr(op),
        };
        if (result is null) return null;
        string text = Unparenthesized(result.Text);
        bool isCall = op is IInvocationOperation or IFunctionPointerInvocationOperation;
        bool isAssignment = op is ISimpleAssignmentOperation or ICompoundAssignmentOperation or IIncrementOrDecrementOperation;
        if (isCall || (isAssignment && !result.Text.StartsWith("({", StringComparison.Ordinal))) return text;
        return "(void)" + result.Text;
    }

    // ------------------------------------------------------------------ expressions

    private CExpr? Expr(IOperation op)
    {
        _owner.CancellationToken.ThrowIfCancellationRequested();
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (op is IInvalidOperation) return Silent();
        if (op.ConstantValue.HasValue) return Constant(op);
        if (op.Type is { } valueType && CTypes.IsStruct(valueType) && !CheckStructValue(valueType, op.Syntax.GetLocation())) return null;

        switch (op)
        {
            case ILocalReferenceOperation:
            case IParameterReferenceOperation:
            case IDeclarationExpressionOperation:
                return LValueOf(op)?.Read();
            case IConversionOperation conversion:
                return Conversion(conversion);
            case IBinaryOperation binary:
                return Binary(binary);
            case IUnaryOperation unary:
                return Unary(unary);
            case IConditionalOperation conditional:
                return Conditional(conditional);
            case ISimpleAssignmentOperation assignment:
                return Assignment(assignment, valueUsed: true);
            case ICompoundAssignmentOperation compound:
                return CompoundAssignment(compound);
            case IIncrementOrDecrementOperation increment:
                return IncrementOrDecrement(increment, valueUsed: true);
            case IInvocationOperation invocation:
                return TryIntrinsic(invocation, out var intrinsic) ? intrinsic : Invocation(invocation);
            case IFunctionPointerInvocationOperation call:
                return FunctionPointerInvocation(call);
            case IAddressOfOperation addressOf:
                return LValueOf(addressOf.Reference) is { } lv ? AddressOf(lv, addressOf.Type) : null;
            case ISizeOfOperation sizeOf:
                return SizeOf(sizeOf);
            case IDefaultValueOperation defaultValue:
                return Default(defaultValue.Type, op);
            case IFieldReferenceOperation field:
                return FieldReference(field);
            case IPropertyReferenceOperation property:
                return PropertyReference(property);
            case IParenthesizedOperation parenthesized:
                return Expr(parenthesized.Operand);
            case ILiteralOperation:
            case IInterpolatedStringOperation:
            case IUtf8StringOperation:
                return Fail(DiagnosticDescriptors.StringNotSupported, op.Syntax.GetLocation(), "The string '" + Snippet(op.Syntax) + "'");
            case IObjectCreationOperation creation when creation.Type is { } created && CTypes.IsStruct(created):
                return StructCreation(creation);
            case IObjectCreationOperation:
            case IArrayCreationOperation:
            case IAnonymousObjectCreationOperation:
            case ITypeParameterObjectCreationOperation:
            case IArrayInitializerOperation:
            case IObjectOrCollectionInitializerOperation:
                return Fail(DiagnosticDescriptors.ObjectCreationNotSupported, op.Syntax.GetLocation(), Snippet(op.Syntax));
            case IThrowOperation:
                return Fail(DiagnosticDescriptors.ExceptionsNotSupported, KeywordLocation(op.Syntax), "'throw'");
            case IAnonymousFunctionOperation:
                return Fail(DiagnosticDescriptors.DelegatesNotSupported, op.Syntax.GetLocation(), "The lambda '" + Snippet(op.Syntax) + "'");
            case IDelegateCreationOperation:
            case IMethodReferenceOperation:
                return Fail(DiagnosticDescriptors.DelegatesNotSupported, op.Syntax.GetLocation(), "The delegate or method reference '" + Snippet(op.Syntax) + "'");
            case IEventReferenceOperation eventReference:
                return Fail(DiagnosticDescriptors.MemberAccessNotSupported, op.Syntax.GetLocation(), eventReference.Event.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), "event");
            case IArrayElementReferenceOperation arrayElement:
                return arrayElement.ArrayReference.Type is { } arrayType
                    ? Fail(DiagnosticDescriptors.TypeNotSupported, arrayElement.ArrayReference.Syntax.GetLocation(), arrayType.ToDisplayString(), " (managed arrays need the garbage collector; use a pointer)")
                    : Silent();
            case ITypeOfOperation:
                return Fail(DiagnosticDescriptors.TypeNotSupported, op.Syntax.GetLocation(), "System.Type", " (typeof needs the .NET runtime)");
            case IAwaitOperation:
                return Fail(DiagnosticDescriptors.StatementNotSupported, KeywordLocation(op.Syntax), "await", "");
            default:
                if (op.Kind == OperationKind.None)
                {
                    if (op.Syntax is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PointerIndirectionExpression } or ElementAccessExpressionSyntax)
                        return LValueOf(op)?.Read();
                    if (op.Syntax is StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax)
                        return StackAlloc(op);
                    if (IsImplicitDereference(op))
                        return LValueOf(op)?.Read();
                }
                return Unsupported(op);
        }
    }

    private CExpr? Constant(IOperation op)
    {
        object? value = op.ConstantValue.Value;
        var type = op.Type;
        if (value is string || type?.SpecialType == SpecialType.System_String)
        {
            string what = op is INameOfOperation ? "The nameof expression '" + Snippet(op.Syntax) + "' (a string)" : "The string '" + Snippet(op.Syntax) + "'";
            return Fail(DiagnosticDescriptors.StringNotSupported, op.Syntax.GetLocation(), what);
        }
        if (type is null) return Unsupported(op);
        string? text = CLiterals.For(type, value);
        if (text is null) return TypeError(type, op.Syntax.GetLocation(), "");
        return new CExpr(text, CTypes.Map(type)!, invariant: true);
    }

    private CExpr? Default(ITypeSymbol? type, IOperation op)
    {
        if (type is null) return Unsupported(op);
        if (CTypes.IsTarget(type)) return new CExpr("(-1)", "int32_t", invariant: true);
        string? c = CTypes.Map(type);
        if (c is null || c == "void") return TypeError(type, op.Syntax.GetLocation(), "");
        if (CTypes.IsStruct(type)) return new CExpr("((" + c + "){0})", c, invariant: true);
        string? text = type is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? CLiterals.For(type, null)
            : CTypes.IsBool(type) ? "((_Bool)0)"
            : CLiterals.For(type, CTypes.IsFloatingPoint(type) ? 0.0 : 0);
        return text is null ? TypeError(type, op.Syntax.GetLocation(), "") : new CExpr(text, c, invariant: true);
    }

    private CExpr? SizeOf(ISizeOfOperation sizeOf)
    {
        string? c = CTypes.Map(sizeOf.TypeOperand);
        if (c is null || c == "void") return TypeError(sizeOf.TypeOperand, sizeOf.Syntax.GetLocation(), "");
        return new CExpr("((int32_t)sizeof(" + c + "))", "int32_t", invariant: true);
    }

    private CExpr? FieldReference(IFieldReferenceOperation field)
    {
        if (field.Instance is { Type: { } instanceType } && !field.Field.IsStatic && CTypes.IsStruct(instanceType))
            return StructFieldValue(field);
        if (field.Instance is not null && Expr(field.Instance) is null) return null;
        var f = field.Field;
        string what = f.IsStatic && f.IsReadOnly ? "static readonly field" : f.IsStatic ? "static field" : "field";
        return Fail(DiagnosticDescriptors.MemberAccessNotSupported, field.Syntax.GetLocation(),
            f.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), what);
    }

    private CExpr? PropertyReference(IPropertyReferenceOperation property)
    {
        var p = property.Property;
        if (CTypes.IsTarget(p.ContainingType))
        {
            if (p.IsStatic && p.Name == "Next") return new CExpr("(-1)", "int32_t", invariant: true);
            if (!p.IsStatic && p.Name == "IsNext" && property.Instance is not null)
            {
                var instance = Expr(property.Instance);
                return instance is null ? null : Derived("(" + instance.Text + " == -1)", "_Bool", instance);
            }
        }
        // nint/nuint MinValue, MaxValue and IntPtr.Size are properties, but constants on the 64-bit targets Patchouly supports.
        if (p.IsStatic && p.ContainingType.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            bool signed = p.ContainingType.SpecialType == SpecialType.System_IntPtr;
            string? constant = p.Name switch
            {
                "MinValue" => signed ? "((intptr_t)INT64_MIN)" : "((uintptr_t)0)",
                "MaxValue" => signed ? "((intptr_t)INT64_MAX)" : "((uintptr_t)UINT64_MAX)",
                "Size" => "8",
                _ => null,
            };
            if (constant is not null) return new CExpr(constant, p.Name == "Size" ? "int32_t" : signed ? "intptr_t" : "uintptr_t", invariant: true);
        }
        if (property.Instance is not null && Expr(property.Instance) is null) return null;
        return Fail(DiagnosticDescriptors.MemberAccessNotSupported, property.Syntax.GetLocation(),
            p.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), p.IsStatic ? "static property" : "property");
    }

    private CExpr? Conditional(IConditionalOperation conditional)
    {
        if (conditional.IsRef) return Fail(DiagnosticDescriptors.UnsupportedConstruct, conditional.Syntax.GetLocation(), "A ref conditional expression", "");
        var condition = Expr(conditional.Condition);
        var whenTrue = Expr(conditional.WhenTrue);
        var whenFalse = conditional.WhenFalse is null ? null : Expr(conditional.WhenFalse);
        if (condition is null || whenTrue is null || whenFalse is null) return null;
        if (conditional.Type is null || CTypes.Map(conditional.Type) is not { } c) return TypeError(conditional.Type, conditional.Syntax.GetLocation(), "");
        return Derived("(" + condition.Text + " ? " + whenTrue.Text + " : " + whenFalse.Text + ")", c, condition, whenTrue, whenFalse);
    }

    private CExpr? Conversion(IConversionOperation conversion)
    {
        var target = conversion.Type;
        var operand = conversion.Operand;
        if (target is null) return Silent();
        if (conversion.OperatorMethod is not null)
            return Fail(DiagnosticDescriptors.CallNotSupported, conversion.Syntax.GetLocation(),
                conversion.OperatorMethod.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), _owner.Library.Name, " (a user-defined conversion)");

        // null and default literals: the value is the zero of the target type.
        if (operand.Type is null || operand is IDefaultValueOperation)
        {
            if (operand is ILiteralOperation or IDefaultValueOperation) return Default(target, conversion);
            return Expr(operand);
        }

        var value = Expr(operand);
        if (value is null) return null;
        string? c = CTypes.Map(target);
        if (c is null || c == "void") return TypeError(target, conversion.Syntax.GetLocation(), "");
        var source = operand.Type;
        if (conversion.IsChecked && CanOverflow(source, target))
            return Fail(DiagnosticDescriptors.CheckedNotSupported, conversion.Syntax.GetLocation(),
                "conversion from '" + source.ToDisplayString() + "' to '" + target.ToDisplayString() + "'");
        string? text = ConvertText(value.Text, source, target);
        if (text is null)
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, conversion.Syntax.GetLocation(),
                "The conversion from '" + source.ToDisplayString() + "' to '" + target.ToDisplayString() + "'", "");
        return Derived(text, c, value);
    }

    private CExpr? Unary(IUnaryOperation unary)
    {
        if (unary.OperatorMethod is not null)
            return Fail(DiagnosticDescriptors.CallNotSupported, unary.Syntax.GetLocation(),
                unary.OperatorMethod.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), _owner.Library.Name, " (a user-defined operator)");
        var operand = Expr(unary.Operand);
        if (operand is null) return null;
        var type = unary.Type;
        var operandType = unary.Operand.Type;
        if (type is null || operandType is null || CTypes.Map(type) is not { } c) return TypeError(type, unary.Syntax.GetLocation(), "");
        if (unary.IsLifted) return TypeError(type, unary.Syntax.GetLocation(), "");
        if (unary.IsChecked && unary.OperatorKind == UnaryOperatorKind.Minus && !CTypes.IsFloatingPoint(type))
            return Fail(DiagnosticDescriptors.CheckedNotSupported, unary.Syntax.GetLocation(), "negation");

        string x = operand.Text;
        string? text = null;
        switch (unary.OperatorKind)
        {
            case UnaryOperatorKind.Plus:
                text = x;
                break;
            case UnaryOperatorKind.Minus:
                if (CTypes.IsFloatingPoint(type))
                {
                    // -x flips the sign bit (also of zeros and NaNs); C's unary minus would load the mask from a constant pool.
                    string helper = "pr_neg_" + (type.SpecialType == SpecialType.System_Single ? "f32" : "f64");
                    _owner.UseIntrinsic(helper);
                    text = helper + "(" + Unparenthesized(x) + ")";
                }
                else if (CTypes.IsIntegral(type) && CTypes.BitWidth(type) >= 32)
                {
                    string u = CTypes.UnsignedOf(c);
                    text = CTypes.IsSignedInteger(type) ? "((" + c + ")((" + u + ")0 - (" + u + ")" + x + "))" : "((" + c + ")0 - " + x + ")";
                }
                break;
            case UnaryOperatorKind.BitwiseNegation:
                if (CTypes.IsIntegral(type)) text = Truncate("(~" + x + ")", type);
                break;
            case UnaryOperatorKind.Not:
                if (CTypes.IsBool(type)) text = "(!" + x + ")";
                break;
        }
        if (text is null)
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, unary.Syntax.GetLocation(),
                "The operator '" + unary.OperatorKind + "' on '" + operandType.ToDisplayString() + "'", "");
        return Derived(text, c, operand);
    }

    private CExpr? Binary(IBinaryOperation binary)
    {
        var kind = binary.OperatorKind;
        var left = Expr(binary.LeftOperand);
        var right = Expr(binary.RightOperand);
        if (left is null || right is null) return null;
        var lt = binary.LeftOperand.Type;
        var rt = binary.RightOperand.Type;
        var type = binary.Type;
        if (lt is null || rt is null || type is null) return Silent();
        if (CTypes.Map(type) is not { } c || binary.IsLifted) return TypeError(type, binary.Syntax.GetLocation(), "");

        if (binary.OperatorMethod is { } method)
        {
            // Patchouly.Target's == and != compare target numbers.
            if (CTypes.IsTarget(method.ContainingType) && kind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals)
            {
                string op = kind == BinaryOperatorKind.Equals ? " == " : " != ";
                return Derived(Sequence(new[] { left, right }, t => "(" + t[0] + op + t[1] + ")"), "_Bool", left, right);
            }
            return Fail(DiagnosticDescriptors.CallNotSupported, binary.Syntax.GetLocation(),
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), _owner.Library.Name, " (a user-defined operator)");
        }

        if (kind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr)
        {
            // && and || are sequenced in C as in C#.
            string op = kind == BinaryOperatorKind.ConditionalAnd ? " && " : " || ";
            return Derived("(" + left.Text + op + right.Text + ")", "_Bool", left, right);
        }

        if (binary.IsChecked && kind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply && !CTypes.IsFloatingPoint(type))
            return Fail(DiagnosticDescriptors.CheckedNotSupported, binary.Syntax.GetLocation(), "arithmetic");

        if (kind == BinaryOperatorKind.Remainder && CTypes.IsFloatingPoint(type))
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, binary.Syntax.GetLocation(),
                "The floating-point remainder operator", " (it needs the C library's fmod, which stencils cannot call)");

        string? unsupported = null;
        string text = Sequence(new[] { left, right }, t =>
        {
            string? r = BinaryText(kind, lt, rt, type, t[0], t[1], binary.RightOperand);
            unsupported = r is null ? "x" : null;
            return r ?? "";
        });
        if (unsupported is not null)
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, binary.Syntax.GetLocation(),
                "The operator '" + kind + "' on '" + lt.ToDisplayString() + "' and '" + rt.ToDisplayString() + "'", "");
        return Derived(text, c, left, right);
    }

    private CExpr? Assignment(ISimpleAssignmentOperation assignment, bool valueUsed)
    {
        if (assignment.IsRef) return Fail(DiagnosticDescriptors.UnsupportedConstruct, assignment.Syntax.GetLocation(), "Ref assignment", "");
        if (assignment.Target is IDiscardOperation)
        {
            var discarded = Expr(assignment.Value);
            if (discarded is null) return null;
            return valueUsed ? discarded : Derived("((void)" + discarded.Text + ")", "void", discarded);
        }
        var lv = LValueOf(assignment.Target);
        var value = Expr(assignment.Value);
        if (lv is null || value is null) return null;
        return Store(lv, value);
    }

    /// <summary>
    /// <c>((cType)pr_hide_u64(bits))</c> (or <c>pr_hide_u32</c>): integer bits of a float that clang must not see
    /// through, or it may keep them in the floating-point domain and make a constant of them in <c>.rodata</c>.
    /// </summary>
    private string HiddenBits(string cType, bool wide, string bits)
    {
        string hide = wide ? "pr_hide_u64" : "pr_hide_u32";
        _owner.UseIntrinsic(hide);
        return "((" + cType + ")" + hide + "(" + bits + "))";
    }

    private CExpr Store(LValue lv, CExpr value)
    {
        if (lv.HideStores && CIntrinsics.Suffix(value.CType) is { } suffix && suffix[0] is 'i' or 'u')
        {
            // Integer bits stored into a float variable (Unsafe.As<double, long>(ref d) = v): hidden from clang, which
            // would otherwise keep the variable as a double and turn a constant v into a double constant in .rodata.
            bool wide = suffix.EndsWith("64", StringComparison.Ordinal);
            value = Derived(HiddenBits(value.CType, wide, "(" + (wide ? "uint64_t" : "uint32_t") + ")" + value.Text), value.CType, value);
        }
        string text;
        if (lv.Kind != LValueKind.Computed)
        {
            if (value.HasWrites)
            {
                string t = Temp();
                text = "({ " + lv.CType + " " + t + " = " + value.Text + "; " + lv.Text + " = " + t + "; })";
            }
            else
            {
                text = "(" + lv.Text + " = " + value.Text + ")";
            }
        }
        else if (lv.Address!.Pure && value.Pure)
        {
            text = "(" + lv.Text + " = " + value.Text + ")";
        }
        else
        {
            string a = Temp();
            if (value.HasWrites)
            {
                string t = Temp();
                text = "({ " + lv.PointerType + " " + a + " = " + lv.Address.Text + "; " + lv.CType + " " + t + " = " + value.Text + "; *" + a + " = " + t + "; })";
            }
            else
            {
                text = "({ " + lv.PointerType + " " + a + " = " + lv.Address.Text + "; *" + a + " = " + value.Text + "; })";
            }
        }
        return new CExpr(text, lv.CType, stable: false, hasCalls: value.HasCalls || (lv.Address?.HasCalls ?? false), hasWrites: true);
    }

    private CExpr? CompoundAssignment(ICompoundAssignmentOperation compound)
    {
        var targetType = compound.Target.Type;
        var valueType = compound.Value.Type;
        var kind = compound.OperatorKind;
        if (compound.OperatorMethod is { } method)
            return Fail(DiagnosticDescriptors.CallNotSupported, compound.Syntax.GetLocation(),
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), _owner.Library.Name, " (a user-defined operator)");
        var lv = LValueOf(compound.Target);
        var value = Expr(compound.Value);
        if (lv is null || value is null || targetType is null || valueType is null) return null;
        if (compound.IsLifted) return TypeError(targetType, compound.Syntax.GetLocation(), "");
        if (compound.IsChecked && kind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply
            && !CTypes.IsFloatingPoint(targetType) && !CTypes.IsFloatingPoint(valueType))
            return Fail(DiagnosticDescriptors.CheckedNotSupported, compound.Syntax.GetLocation(), "arithmetic");

        // The operator's left operand type: pointer, enum and bool operators take the target type; shifts take
        // the promoted target type; the other predefined operators take the (already converted) value's type.
        ITypeSymbol operatorType;
        if (targetType is IPointerTypeSymbol || CTypes.IsEnum(targetType) || CTypes.IsBool(targetType)) operatorType = targetType;
        else if (kind is BinaryOperatorKind.LeftShift or BinaryOperatorKind.RightShift or BinaryOperatorKind.UnsignedRightShift) operatorType = Promoted(targetType);
        else operatorType = valueType;

        if (kind == BinaryOperatorKind.Remainder && CTypes.IsFloatingPoint(operatorType))
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, compound.Syntax.GetLocation(),
                "The floating-point remainder operator", " (it needs the C library's fmod, which stencils cannot call)");

        bool ok = true;
        string Compute(string old, string? operand)
        {
            string? widened = ConvertText(old, targetType, operatorType);
            string? result = widened is null ? null : BinaryText(kind, operatorType, valueType, operatorType, widened, operand!, compound.Value);
            string? narrowed = result is null ? null : ConvertText(result, operatorType, targetType);
            if (narrowed is null) ok = false;
            return narrowed ?? "";
        }
        var text = ReadModifyWrite(lv, value, Compute, returnOld: false);
        if (!ok)
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, compound.Syntax.GetLocation(),
                "The operator '" + kind + "=' on '" + targetType.ToDisplayString() + "' and '" + valueType.ToDisplayString() + "'", "");
        return text;
    }

    private CExpr? IncrementOrDecrement(IIncrementOrDecrementOperation operation, bool valueUsed)
    {
        var type = operation.Target.Type;
        if (operation.OperatorMethod is { } method)
            return Fail(DiagnosticDescriptors.CallNotSupported, operation.Syntax.GetLocation(),
                method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), _owner.Library.Name, " (a user-defined operator)");
        var lv = LValueOf(operation.Target);
        if (lv is null || type is null) return null;
        if (operation.IsLifted) return TypeError(type, operation.Syntax.GetLocation(), "");
        if (operation.IsChecked && !CTypes.IsFloatingPoint(type))
            return Fail(DiagnosticDescriptors.CheckedNotSupported, operation.Syntax.GetLocation(), operation.Kind == OperationKind.Increment ? "increment" : "decrement");
        bool increment = operation.Kind == OperationKind.Increment;
        string? probe = Step(type, "x", increment);
        if (probe is null)
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, operation.Syntax.GetLocation(),
                (increment ? "Increment" : "Decrement") + " of '" + type.ToDisplayString() + "'", "");
        return ReadModifyWrite(lv, null, (old, _) => Step(type, old, increment)!, returnOld: operation.IsPostfix && valueUsed);
    }

    /// <summary>
    /// Reads an lvalue, evaluates <paramref name="operand"/> (C# order: the location, then the old value, then the
    /// operand), computes the new value and stores it. The location is evaluated once. The result is the new value,
    /// or the old one when <paramref name="returnOld"/>.
    /// </summary>
    private CExpr ReadModifyWrite(LValue lv, CExpr? operand, Func<string, string?, string> compute, bool returnOld)
    {
        bool calls = (operand?.HasCalls ?? false) || (lv.Address?.HasCalls ?? false);
        string text;
        if (lv.Kind == LValueKind.Computed)
        {
            if (lv.Address!.Pure && (operand is null || operand.Pure) && !returnOld)
            {
                // The location is side-effect free: evaluating it twice is evaluating it once.
                text = "(" + lv.Text + " = " + compute(lv.ReadText, operand?.Text) + ")";
            }
            else
            {
                string a = Temp();
                var fixedLv = new LValue(LValueKind.Fixed, "(*" + a + ")", lv.CType, stable: false, new CExpr(a, lv.PointerType, invariant: true), lv.PointerType, lv.BoolByte);
                var inner = ReadModifyWrite(fixedLv, operand, compute, returnOld);
                text = "({ " + lv.PointerType + " " + a + " = " + lv.Address.Text + "; " + inner.Text + "; })";
            }
        }
        else if (returnOld)
        {
            string t = Temp();
            text = "({ " + lv.CType + " " + t + " = " + lv.ReadText + "; " + lv.Text + " = " + compute(t, operand?.Text) + "; " + t + "; })";
        }
        else if (operand is null || (!operand.HasWrites && !CExpr.Conflict(lv.Read(), operand)))
        {
            text = "(" + lv.Text + " = " + compute(lv.ReadText, operand?.Text) + ")";
        }
        else
        {
            string t = Temp();
            string u = Temp();
            text = "({ " + lv.CType + " " + t + " = " + lv.ReadText + "; " + operand.CType + " " + u + " = " + operand.Text + "; "
                + lv.Text + " = " + compute(t, u) + "; })";
        }
        return new CExpr(text, lv.CType, stable: false, hasCalls: calls, hasWrites: true);
    }

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

    private static CExpr AddressOf(LValue lv, ITypeSymbol? pointerType)
    {
        string c = pointerType is not null && CTypes.Map(pointerType) is { } mapped ? mapped : lv.CType + "*";
        return lv.Kind switch
        {
            LValueKind.Variable => new CExpr(lv.PointerType == c ? "(&" + lv.Text + ")" : "((" + c + ")&" + lv.Text + ")", c, invariant: true),
            _ => new CExpr(lv.PointerType == c ? lv.Address!.Text : "((" + c + ")" + lv.Address!.Text + ")", c,
                invariant: lv.Address.Invariant, stable: lv.Address.Stable, hasCalls: lv.Address.HasCalls, hasWrites: lv.Address.HasWrites),
        };
    }

    // ------------------------------------------------------------------ lvalues

    private enum LValueKind
    {
        /// <summary>A local or by-value parameter, named directly.</summary>
        Variable,
        /// <summary>The target of a pointer that never changes (a by-ref parameter, a temporary address).</summary>
        Fixed,
        /// <summary>A location computed from values (<c>*p</c>, <c>p[i]</c>).</summary>
        Computed,
    }

    private sealed class LValue
    {
        public LValue(LValueKind kind, string text, string cType, bool stable, CExpr? address, string? pointerType = null, bool boolByte = false)
        {
            Kind = kind;
            Text = text;
            CType = cType;
            Stable = stable;
            Address = address;
            PointerType = pointerType ?? cType + "*";
            BoolByte = boolByte;
        }

        public LValueKind Kind { get; }

        /// <summary>The C lvalue (what is assigned to).</summary>
        public string Text { get; }

        /// <summary>The C type of the C# value.</summary>
        public string CType { get; }
        public bool Stable { get; }

        /// <summary>The address, of type <see cref="PointerType"/> (null for variables).</summary>
        public CExpr? Address { get; }

        /// <summary>The C type of <see cref="Address"/>: a pointer to the alignment-1 typedef of the object for memory.</summary>
        public string PointerType { get; }

        /// <summary>A C# bool stored in a byte (memory, struct fields): read as "non-zero", written as 0 or 1.</summary>
        public bool BoolByte { get; }

        /// <summary>An integer view of a float variable (<c>Unsafe.As&lt;double, long&gt;(ref d)</c>): stored values are hidden from clang.</summary>
        public bool HideStores { get; set; }

        /// <summary>The C rvalue of the C# value.</summary>
        /// <remarks>A float or double in memory (or in a local whose address is taken) is read as its bits, hidden from
        /// clang (<c>pr_f64</c>/<c>pr_f32</c>): memory clang can see into (a local written as an integer through
        /// <c>Unsafe.As</c> or a pointer, a stackalloc buffer) would otherwise fold into a floating-point constant in
        /// <c>.rodata</c>, which stencils cannot refer to.</remarks>
        public string ReadText => BoolByte ? "(" + Text + " != 0)"
            : CType == "double" && (Kind != LValueKind.Variable || !Stable) ? "pr_f64(__builtin_bit_cast(uint64_t, " + Text + "))"
            : CType == "float" && (Kind != LValueKind.Variable || !Stable) ? "pr_f32(__builtin_bit_cast(uint32_t, " + Text + "))"
            : Text;

        public CExpr Read() => Kind switch
        {
            LValueKind.Variable => new CExpr(ReadText, CType, stable: Stable),
            LValueKind.Fixed => new CExpr(ReadText, CType, stable: false),
            _ => new CExpr(ReadText, CType, stable: false, hasCalls: Address!.HasCalls, hasWrites: Address.HasWrites),
        };
    }

    private LValue? LValueOf(IOperation op)
    {
        switch (op)
        {
            case ILocalReferenceOperation local:
            {
                var symbol = local.Local;
                if (_badLocals.Contains(symbol)) return SilentLValue();
                if (symbol.IsRef)
                {
                    Report(DiagnosticDescriptors.UnsupportedConstruct, op.Syntax.GetLocation(), "The ref local '" + symbol.Name + "'", "");
                    return null;
                }
                string? c = CTypes.Map(symbol.Type);
                if (c is null) { TypeError(symbol.Type, op.Syntax.GetLocation(), ""); return null; }
                return new LValue(LValueKind.Variable, CNames.Variable(symbol.Name), c, !_addressTaken.Contains(symbol), null);
            }
            case IParameterReferenceOperation parameter:
            {
                var symbol = parameter.Parameter;
                string? c = CTypes.Map(symbol.Type);
                if (c is null) return SilentLValue(); // reported with the signature
                string name = CNames.Variable(symbol.Name);
                if (symbol.RefKind == RefKind.None)
                    return new LValue(LValueKind.Variable, name, c, !_addressTaken.Contains(symbol), null);
                return new LValue(LValueKind.Fixed, "(*" + name + ")", c, false, new CExpr(name, c + "*", invariant: true));
            }
            case IDeclarationExpressionOperation declaration:
                return LValueOf(declaration.Expression);
            case { Kind: OperationKind.None, Syntax: PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PointerIndirectionExpression } }:
            case { Kind: OperationKind.None } when IsImplicitDereference(op):
            {
                var pointerOp = op.ChildOperations.FirstOrDefault();
                if (pointerOp is null || op.Type is null) return SilentLValue();
                var pointer = Expr(pointerOp);
                if (pointer is null) return null;
                return Dereference(pointer, op.Type, op.Syntax.GetLocation());
            }
            case IFieldReferenceOperation { Instance: { Type: { } instanceType } } field when !field.Field.IsStatic && CTypes.IsStruct(instanceType) && !field.Field.IsFixedSizeBuffer:
                return StructFieldLValue(field);
            case IInvocationOperation invocation when IsLValueIntrinsic(invocation):
                return IntrinsicLValue(invocation);
            case { Kind: OperationKind.None, Syntax: ElementAccessExpressionSyntax }:
            {
                var children = op.ChildOperations.ToList();
                if (children.Count != 2 || op.Type is null || children[0].Type is not IPointerTypeSymbol) return Unsupported(op) is null ? null : null;
                var pointer = Expr(children[0]);
                var index = Expr(children[1]);
                if (pointer is null || index is null) return null;
                string? c = CTypes.Map(op.Type);
                if (c is null || c == "void") { TypeError(op.Type, op.Syntax.GetLocation(), ""); return null; }
                string ua = _owner.Unaligned(c);
                string cast = "(" + ua + "*)";
                bool hoisted = false;
                string address = Sequence(new[] { pointer, index }, t => "(&(" + cast + t[0] + ")[" + t[1] + "])", () => hoisted = true);
                var addressExpr = Derived(address, ua + "*", pointer, index);
                string text = hoisted ? "(*" + address + ")" : "(" + cast + pointer.Text + ")[" + index.Text + "]";
                return new LValue(LValueKind.Computed, text, c, false, addressExpr, ua + "*", CTypes.IsBool(op.Type));
            }
            default:
                Expr(op); // reports why (field, property, ...)
                if (!_failed) Unsupported(op);
                return null;
        }
    }

    private LValue? SilentLValue()
    {
        _failed = true;
        return null;
    }

    // ------------------------------------------------------------------ C text of operators and conversions

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

    private ITypeSymbol Promoted(ITypeSymbol type)
    {
        var u = CTypes.Underlying(type);
        return CTypes.IsIntegral(u) && CTypes.BitWidth(u) < 32 ? _model.Compilation.GetSpecialType(SpecialType.System_Int32) : u;
    }

    /// <summary>The C text of a predefined C# binary operator applied to two operand texts, or null if unsupported.</summary>
    private string? BinaryText(BinaryOperatorKind kind, ITypeSymbol lt, ITypeSymbol rt, ITypeSymbol resultType, string l, string r, IOperation rightOperation)
    {
        string? Comparison() => kind switch
        {
            BinaryOperatorKind.Equals => " == ",
            BinaryOperatorKind.NotEquals => " != ",
            BinaryOperatorKind.LessThan => " < ",
            BinaryOperatorKind.LessThanOrEqual => " <= ",
            BinaryOperatorKind.GreaterThan => " > ",
            BinaryOperatorKind.GreaterThanOrEqual => " >= ",
            _ => null,
        };
        string? Bitwise() => kind switch
        {
            BinaryOperatorKind.And => " & ",
            BinaryOperatorKind.Or => " | ",
            BinaryOperatorKind.ExclusiveOr => " ^ ",
            _ => null,
        };

        bool lPointer = lt is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool rPointer = rt is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        if (lPointer || rPointer)
        {
            if (lPointer && rPointer)
            {
                // C# compares addresses as unsigned integers; C's relational operators are undefined across objects.
                if (Comparison() is { } cmp) return "((uintptr_t)" + l + cmp + "(uintptr_t)" + r + ")";
                if (kind == BinaryOperatorKind.Subtract && lt is IPointerTypeSymbol p && rt is IPointerTypeSymbol)
                {
                    // C#: ((long)((byte*)l - (byte*)r)) / sizeof(T), defined for any two pointers.
                    string difference = "(int64_t)((uintptr_t)" + l + " - (uintptr_t)" + r + ")";
                    int? size = ElementSize(p);
                    return size == 1 ? "(" + difference + ")" : "(" + difference + " / (int64_t)sizeof(" + CTypes.Map(p.PointedAtType) + "))";
                }
                return null;
            }
            if (kind == BinaryOperatorKind.Add && lt is IPointerTypeSymbol lp && CTypes.IsIntegral(rt)) return PointerOffset(lp, l, r, "+");
            if (kind == BinaryOperatorKind.Add && rt is IPointerTypeSymbol rp && CTypes.IsIntegral(lt)) return PointerOffset(rp, r, l, "+");
            if (kind == BinaryOperatorKind.Subtract && lt is IPointerTypeSymbol sp && CTypes.IsIntegral(rt)) return PointerOffset(sp, l, r, "-");
            return null;
        }

        if (CTypes.IsBool(lt) && CTypes.IsBool(rt))
        {
            string? op = Bitwise() ?? kind switch
            {
                BinaryOperatorKind.Equals => " == ",
                BinaryOperatorKind.NotEquals => " != ",
                _ => null,
            };
            return op is null ? null : "(" + l + op + r + ")";
        }

        if (CTypes.IsFloatingPoint(lt) && CTypes.IsFloatingPoint(rt))
        {
            if (Comparison() is { } cmp) return "(" + l + cmp + r + ")";
            string? op = kind switch
            {
                BinaryOperatorKind.Add => " + ",
                BinaryOperatorKind.Subtract => " - ",
                BinaryOperatorKind.Multiply => " * ",
                BinaryOperatorKind.Divide => " / ",
                _ => null,
            };
            return op is null ? null : "(" + l + op + r + ")";
        }

        if (!CTypes.IsIntegral(lt) || !CTypes.IsIntegral(rt)) return null;

        if (CTypes.IsEnum(lt) || CTypes.IsEnum(rt))
        {
            // E op E (bitwise, comparisons), E + U, U + E, E - U (result E), E - E (result U): all computed on the
            // underlying values and, for arithmetic, truncated to the underlying type as C# does.
            if (Comparison() is { } cmp) return "(" + l + cmp + r + ")";
            if (Bitwise() is { } bit) return "(" + l + bit + r + ")";
            if (kind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract)
            {
                var underlying = CTypes.Underlying(resultType);
                return Arithmetic(kind == BinaryOperatorKind.Add ? " + " : " - ", underlying, l, r);
            }
            return null;
        }

        // Shifts: the count is an int, masked as C# masks it (to 5 bits for 32-bit operands, 6 bits for 64-bit
        // ones; nint/nuint are 64-bit on every target Patchouly supports).
        if (kind is BinaryOperatorKind.LeftShift or BinaryOperatorKind.RightShift or BinaryOperatorKind.UnsignedRightShift)
        {
            string? c = CTypes.Map(lt);
            int? width = CTypes.BitWidth(lt);
            if (c is null || width is null || width < 32) return null;
            int mask = width == 64 ? 63 : 31;
            string count = rightOperation.ConstantValue is { HasValue: true, Value: { } v }
                ? (CLiterals.ToInt64(v) & mask).ToString(CultureInfo.InvariantCulture)
                : "(" + r + " & " + mask.ToString(CultureInfo.InvariantCulture) + ")";
            bool signed = CTypes.IsSignedInteger(lt);
            string u = CTypes.UnsignedOf(c);
            return kind switch
            {
                // Shifting a negative value left is undefined in C: shift the unsigned bits.
                BinaryOperatorKind.LeftShift => signed ? "((" + c + ")((" + u + ")" + l + " << " + count + "))" : "(" + l + " << " + count + ")",
                // >> on a signed type is arithmetic (clang and gcc define it so for negative values).
                BinaryOperatorKind.RightShift => "(" + l + " >> " + count + ")",
                _ => signed ? "((" + c + ")((" + u + ")" + l + " >> " + count + "))" : "(" + l + " >> " + count + ")",
            };
        }

        if (Comparison() is { } comparison) return "(" + l + comparison + r + ")";
        if (Bitwise() is { } bitwise) return "(" + l + bitwise + r + ")";

        var type = CTypes.Underlying(resultType);
        switch (kind)
        {
            case BinaryOperatorKind.Add: return Arithmetic(" + ", type, l, r);
            case BinaryOperatorKind.Subtract: return Arithmetic(" - ", type, l, r);
            case BinaryOperatorKind.Multiply: return Arithmetic(" * ", type, l, r);
            case BinaryOperatorKind.Divide:
            case BinaryOperatorKind.Remainder:
                return Division(kind == BinaryOperatorKind.Divide, type, l, r, rightOperation);
            default:
                return null;
        }
    }

    /// <summary>Wrapping + - * in <paramref name="type"/>: signed operations are done on the unsigned type of the same width;
    /// types narrower than int are computed in int and truncated.</summary>
    private static string? Arithmetic(string op, ITypeSymbol type, string l, string r)
    {
        string? c = CTypes.Map(type);
        int? width = CTypes.BitWidth(type);
        if (c is null || width is null || CTypes.IsBool(type)) return null;
        if (width < 32) return Truncate("(" + l + op + r + ")", type);
        if (!CTypes.IsSignedInteger(type)) return "(" + l + op + r + ")";
        string u = CTypes.UnsignedOf(c);
        return "((" + c + ")((" + u + ")" + l + op + "(" + u + ")" + r + "))";
    }

    private string? Division(bool divide, ITypeSymbol type, string l, string r, IOperation rightOperation)
    {
        string? c = CTypes.Map(type);
        int? width = CTypes.BitWidth(type);
        if (c is null || width is null || width < 32) return null;
        bool signed = CTypes.IsSignedInteger(type);
        // A constant divisor other than 0 and -1 cannot trap: use the C operator (it truncates toward zero like C#).
        if (rightOperation.ConstantValue is { HasValue: true, Value: { } v })
        {
            bool safe = signed ? CLiterals.ToInt64(v) is not 0 and not -1 : CLiterals.ToUInt64(v) != 0;
            if (safe) return "(" + l + (divide ? " / " : " % ") + r + ")";
        }
        string helper = "pr_" + (divide ? "div" : "rem") + "_" + (signed ? "i" : "u") + (width == 64 ? "64" : "32");
        _owner.UseRuntime(helper);
        string helperType = (signed ? "int" : "uint") + (width == 64 ? "64" : "32") + "_t";
        if (helperType == c) return helper + "(" + Unparenthesized(l) + ", " + Unparenthesized(r) + ")";
        return "((" + c + ")" + helper + "((" + helperType + ")" + l + ", (" + helperType + ")" + r + "))";
    }

    /// <summary>p ± n, as C# computes it: the address plus or minus n * sizeof(T), wrapping (no C pointer arithmetic,
    /// which is undefined outside an object and on null).</summary>
    private static string PointerOffset(IPointerTypeSymbol pointerType, string pointer, string offset, string op)
    {
        string c = CTypes.Map(pointerType)!;
        int? size = ElementSize(pointerType);
        string scaled = size == 1 ? "(uintptr_t)" + offset : "(uintptr_t)" + offset + " * sizeof(" + CTypes.Map(pointerType.PointedAtType) + ")";
        return "((" + c + ")((uintptr_t)" + pointer + " " + op + " " + scaled + "))";
    }

    private static int? ElementSize(IPointerTypeSymbol pointerType)
    {
        var element = pointerType.PointedAtType;
        if (element is IPointerTypeSymbol or IFunctionPointerTypeSymbol) return 8;
        if (CTypes.IsBool(element)) return 1;
        if (element.SpecialType == SpecialType.System_Single) return 4;
        if (element.SpecialType == SpecialType.System_Double) return 8;
        return CTypes.BitWidth(element) / 8;
    }

    /// <summary>x + 1 or x - 1 in the type of x (++ and --).</summary>
    private static string? Step(ITypeSymbol type, string x, bool increment)
    {
        string op = increment ? " + " : " - ";
        if (type is IPointerTypeSymbol pointer)
        {
            if (pointer.PointedAtType.SpecialType == SpecialType.System_Void) return null;
            return "((" + CTypes.Map(pointer) + ")((uintptr_t)" + x + op + "sizeof(" + CTypes.Map(pointer.PointedAtType) + ")))";
        }
        // 1.0 is built from its bits like every float constant (a literal would land in a constant pool).
        if (type.SpecialType == SpecialType.System_Single) return "(" + x + op + CLiterals.Floating(1.0, isFloat: true) + ")";
        if (type.SpecialType == SpecialType.System_Double) return "(" + x + op + CLiterals.Floating(1.0, isFloat: false) + ")";
        var u = CTypes.Underlying(type);
        if (!CTypes.IsIntegral(u)) return null;
        string c = CTypes.Map(u)!;
        int width = CTypes.BitWidth(u)!.Value;
        if (width < 32) return Truncate("(" + x + op + "1)", u);
        string one = width == 64 ? (c is "intptr_t" or "uintptr_t" ? "(uintptr_t)1" : "UINT64_C(1)") : "1u";
        if (!CTypes.IsSignedInteger(u)) return "(" + x + op + one + ")";
        return "((" + c + ")((" + CTypes.UnsignedOf(c) + ")" + x + op + one + "))";
    }

    /// <summary>Truncates an int-valued C expression to a type narrower than int (through the unsigned type for signed targets).</summary>
    private static string Truncate(string text, ITypeSymbol type)
    {
        var u = CTypes.Underlying(type);
        string c = CTypes.Map(u)!;
        if (CTypes.BitWidth(u) >= 32) return text;
        return CTypes.IsSignedInteger(u) ? "((" + c + ")(" + CTypes.UnsignedOf(c) + ")" + text + ")" : "((" + c + ")" + text + ")";
    }

    private static bool CanOverflow(ITypeSymbol source, ITypeSymbol target)
    {
        if (CTypes.IsFloatingPoint(target)) return false;
        if (CTypes.IsFloatingPoint(source)) return true;
        bool sourcePointer = source is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool targetPointer = target is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        if (sourcePointer && targetPointer) return false;
        if (sourcePointer || targetPointer) return true;
        if (!CTypes.IsIntegral(source) || !CTypes.IsIntegral(target)) return false;
        int ws = CTypes.BitWidth(source)!.Value, wt = CTypes.BitWidth(target)!.Value;
        bool ss = CTypes.IsSignedInteger(source), st = CTypes.IsSignedInteger(target);
        if (ss == st) return wt < ws;
        if (!ss) return wt <= ws; // unsigned to signed needs a wider target
        return true;              // signed to unsigned: negative values overflow
    }

    /// <summary>The C text converting <paramref name="x"/> from <paramref name="source"/> to <paramref name="target"/> (unchecked), or null.</summary>
    private string? ConvertText(string x, ITypeSymbol source, ITypeSymbol target)
    {
        if (s_symbols.Equals(source, target)) return x;
        string? sc = CTypes.Map(source), tc = CTypes.Map(target);
        if (sc is null || tc is null) return null;
        if (CTypes.IsTarget(source) || CTypes.IsTarget(target) || CTypes.IsBool(source) || CTypes.IsBool(target))
            return CTypes.IsTarget(source) == CTypes.IsTarget(target) && CTypes.IsBool(source) == CTypes.IsBool(target) ? x : null;

        bool sourcePointer = source is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool targetPointer = target is IPointerTypeSymbol or IFunctionPointerTypeSymbol;
        bool sourceInt = CTypes.IsIntegral(source), targetInt = CTypes.IsIntegral(target);
        bool sourceFloat = CTypes.IsFloatingPoint(source), targetFloat = CTypes.IsFloatingPoint(target);

        if (sourceInt && targetInt) return IntegerConversion(x, sc, CTypes.IsSignedInteger(source), CTypes.BitWidth(source)!.Value, target);
        if (sourceInt && targetFloat && !CTypes.IsSignedInteger(source) && CTypes.BitWidth(source) == 64)
        {
            // clang converts a 64-bit unsigned integer with constants from a constant pool: use the prelude's helper.
            string helper = target.SpecialType == SpecialType.System_Single ? "pr_tof32_u64" : "pr_tof64_u64";
            _owner.UseIntrinsic(helper);
            return helper + "((uint64_t)" + x + ")";
        }
        // Every integer fits in int64_t exactly (ulong was handled above), and converting the same value from a wider type
        // rounds the same way; the value is hidden from clang first (see pr_opaque_i64).
        if (sourceInt && targetFloat) return "((" + tc + ")pr_opaque_i64((int64_t)" + x + "))";
        if (sourceFloat && targetFloat) return "((" + tc + ")" + x + ")";
        if (sourceFloat && targetInt) return FloatToInteger(x, source, target);
        if (sourcePointer && targetPointer) return "((" + tc + ")" + x + ")";
        if (sourcePointer && targetInt) return IntegerConversion("((uintptr_t)" + x + ")", "uintptr_t", false, 64, target);
        // Integer to pointer: the integer is sign- or zero-extended to 64 bits according to its own type.
        if (sourceInt && targetPointer) return "((" + tc + ")(uintptr_t)" + x + ")";
        return null;
    }

    private static string IntegerConversion(string x, string sourceC, bool sourceSigned, int sourceWidth, ITypeSymbol target)
    {
        var t = CTypes.Underlying(target);
        string tc = CTypes.Map(t)!;
        int tw = CTypes.BitWidth(t)!.Value;
        if (tc == sourceC) return x;
        // Narrowing to a signed type goes through the unsigned type of the target's width (the truncation is then
        // defined by C; the final same-width conversion is the two's complement reinterpretation clang defines).
        if (CTypes.IsSignedInteger(t) && tw < sourceWidth) return "((" + tc + ")(" + CTypes.UnsignedOf(tc) + ")" + x + ")";
        // Otherwise C's conversion is C#'s: widening extends according to the source's signedness, narrowing to an
        // unsigned type truncates.
        _ = sourceSigned;
        return "((" + tc + ")" + x + ")";
    }

    /// <summary>Float to integer, saturating as .NET does (NaN to 0); types narrower than int go through int.</summary>
    private string FloatToInteger(string x, ITypeSymbol source, ITypeSymbol target)
    {
        var t = CTypes.Underlying(target);
        string tc = CTypes.Map(t)!;
        int tw = CTypes.BitWidth(t)!.Value;
        bool signed = CTypes.IsSignedInteger(t);
        string argument = source.SpecialType == SpecialType.System_Single ? "(double)" + x : Unparenthesized(x);
        string helper = tw == 64 ? (signed ? "pr_f2i64" : "pr_f2u64") : tw == 32 && !signed ? "pr_f2u32" : "pr_f2i32";
        _owner.UseRuntime(helper);
        string call = helper + "(" + argument + ")";
        if (tw >= 32) return tc is "int32_t" or "uint32_t" or "int64_t" or "uint64_t" ? call : "((" + tc + ")" + call + ")";
        return IntegerConversion(call, "int32_t", true, 32, t);
    }

    // ------------------------------------------------------------------ diagnostics and helpers

    private string Temp() => CNames.Temporary(++_temporaries);

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
