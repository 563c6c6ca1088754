using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Expressions: the dispatch over operation kinds and the value-producing operations (constants, defaults,
/// <c>sizeof</c>, member references, conditionals, conversions, unary and binary operators), each a
/// <see cref="CExpr"/>.
/// </summary>
internal sealed partial class FunctionTranslator
{
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
            return r is null ? "" : HoleOperationText(kind, binary, t[0], t[1], r) ?? r;
        });
        if (unsupported is not null)
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, binary.Syntax.GetLocation(),
                "The operator '" + kind + "' on '" + lt.ToDisplayString() + "' and '" + rt.ToDisplayString() + "'", "");
        return Derived(text, c, left, right);
    }
}
