using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Assignments: simple and compound assignments, <c>++</c> and <c>--</c>, storing into an <see cref="LValue"/> with
/// C#'s order of evaluation.
/// </summary>
internal sealed partial class FunctionTranslator
{
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
}
