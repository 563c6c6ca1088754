using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Statements: blocks, declarations of locals, <c>if</c>, loops, <c>switch</c>, <c>break</c>/<c>continue</c>,
/// <c>return</c> and expression statements, written to the output line by line.
/// </summary>
internal sealed partial class FunctionTranslator
{
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
}
