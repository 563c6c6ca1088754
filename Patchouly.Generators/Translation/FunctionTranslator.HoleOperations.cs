using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Parsing;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Recognises an integer operation one of whose operands is a value hole of the stencil being translated and names it
/// (<see cref="HoleOperation"/>), so that a target can put the hole into the instruction's immediate field.
/// </summary>
/// <remarks>
/// Recognised: <c>+ - * &amp; | ^</c> and the six relations on two operands of the same 32- or 64-bit integer type (not
/// an enum, not a pointer), the hole being either operand (but not the left one of <c>-</c>), the other operand not a
/// constant; <c>&lt;&lt; &gt;&gt; &gt;&gt;&gt;</c> of a 32- or 64-bit integer by an <c>int</c> hole. The hole operand
/// must be the parameter itself, or it converted to the other integer type of its width (<c>(uint)k</c>): its bits are
/// then exactly the operand's. The stencil must never write the parameter or take its address. Only a stencil's own
/// translation names holes: as another stencil's helper, its parameters are values.
/// </remarks>
internal sealed partial class FunctionTranslator
{
    private readonly HashSet<IParameterSymbol> _writtenParameters = new(s_symbols);

    /// <summary>Records every parameter the body assigns, increments or deconstructs into (see <see cref="FindAddressTaken"/>).</summary>
    private void NoteParameterWrite(IOperation op)
    {
        switch (op)
        {
            case IAssignmentOperation { Target: IParameterReferenceOperation p }:
                _writtenParameters.Add(p.Parameter);
                break;
            case IIncrementOrDecrementOperation { Target: IParameterReferenceOperation p }:
                _writtenParameters.Add(p.Parameter);
                break;
            case IDeconstructionAssignmentOperation d:
                foreach (var target in d.Target.DescendantsAndSelf())
                    if (target is IParameterReferenceOperation p) _writtenParameters.Add(p.Parameter);
                break;
        }
    }

    /// <summary>The index among the stencil's holes of the parameter <paramref name="operand"/> reads, when it is an
    /// unwritten value hole of the stencil being translated; otherwise -1.</summary>
    private int HoleIndex(IOperation operand)
    {
        // A conversion between integer types of the same width (int ↔ uint, long ↔ ulong) keeps the hole's bits.
        if (operand is IConversionOperation { OperatorMethod: null, IsChecked: false, Operand: { Type: { } from } inner, Type: { } to }
            && CTypes.IsIntegral(from) && CTypes.IsIntegral(to) && !CTypes.IsEnum(from) && !CTypes.IsEnum(to)
            && CTypes.BitWidth(from) is int fromBits && fromBits >= 32 && CTypes.BitWidth(to) == fromBits)
            operand = inner;
        if (_asHelper || operand is not IParameterReferenceOperation { Parameter: var parameter }) return -1;
        if (!s_symbols.Equals(parameter.ContainingSymbol, _method) || parameter.RefKind != RefKind.None) return -1;
        if (_writtenParameters.Contains(parameter) || _addressTaken.Contains(parameter) || !IsHole(parameter)) return -1;
        int index = 0;
        foreach (var p in _method.Parameters)
        {
            if (s_symbols.Equals(p, parameter)) return index;
            if (IsHole(p)) index++;
        }
        return -1;

        static bool IsHole(IParameterSymbol p)
        {
            foreach (var a in p.GetAttributes())
                if (a.AttributeClass?.ToDisplayString() == KnownNames.HoleAttribute) return true;
            return false;
        }
    }

    /// <summary>
    /// <c>PATCHOULY_IMM(NAME, hN, a, c)</c> for a binary operation on a hole, where <paramref name="plain"/> is the
    /// operation's C (<see cref="BinaryText"/>) and <paramref name="l"/>, <paramref name="r"/> its operands' texts;
    /// null when the operation is not one a target could encode with the hole as an immediate.
    /// </summary>
    private string? HoleOperationText(BinaryOperatorKind kind, IBinaryOperation binary, string l, string r, string plain)
    {
        var lt = binary.LeftOperand.Type;
        var rt = binary.RightOperand.Type;
        if (lt is null || rt is null || binary.IsChecked) return null;
        if (!CTypes.IsIntegral(lt) || CTypes.IsEnum(lt) || CTypes.IsBool(lt) || !CTypes.IsIntegral(rt) || CTypes.IsEnum(rt)) return null;
        int? width = CTypes.BitWidth(lt);
        if (width is not (32 or 64)) return null;
        bool signed = CTypes.IsSignedInteger(lt);

        HoleOperation? named = kind switch
        {
            BinaryOperatorKind.Add => HoleOperation.Add,
            BinaryOperatorKind.Subtract => HoleOperation.Sub,
            BinaryOperatorKind.Multiply => HoleOperation.Mul,
            BinaryOperatorKind.And => HoleOperation.And,
            BinaryOperatorKind.Or => HoleOperation.Or,
            BinaryOperatorKind.ExclusiveOr => HoleOperation.Xor,
            BinaryOperatorKind.LeftShift => HoleOperation.Shl,
            BinaryOperatorKind.RightShift => signed ? HoleOperation.Sar : HoleOperation.Shr,
            BinaryOperatorKind.UnsignedRightShift => HoleOperation.Shr,
            BinaryOperatorKind.Equals => HoleOperation.Eq,
            BinaryOperatorKind.NotEquals => HoleOperation.Ne,
            BinaryOperatorKind.LessThan => signed ? HoleOperation.Lt : HoleOperation.LtU,
            BinaryOperatorKind.LessThanOrEqual => signed ? HoleOperation.Le : HoleOperation.LeU,
            BinaryOperatorKind.GreaterThan => signed ? HoleOperation.Gt : HoleOperation.GtU,
            BinaryOperatorKind.GreaterThanOrEqual => signed ? HoleOperation.Ge : HoleOperation.GeU,
            _ => null,
        };
        if (named is not { } op) return null;

        if (HoleOperations.IsShift(op))
        {
            // The count is an int hole; the shifted operand is any 32- or 64-bit integer.
            if (rt.SpecialType != SpecialType.System_Int32) return null;
            int count = HoleIndex(binary.RightOperand);
            return count < 0 ? null : Dispatch(op, width.Value, count, l, plain);
        }

        // Both operands of the operator's own type: the hole's bits are the operand's.
        if (!s_symbols.Equals(lt, rt)) return null;
        if (!HoleOperations.IsComparison(op) && (binary.Type is not { } type || !s_symbols.Equals(CTypes.Underlying(type), CTypes.Underlying(lt))))
            return null;
        // A constant and a hole are clang's to combine (2 * k is an lea, or part of an address it computes).
        if (binary.LeftOperand.ConstantValue.HasValue || binary.RightOperand.ConstantValue.HasValue) return null;
        int right = HoleIndex(binary.RightOperand), left = HoleIndex(binary.LeftOperand);
        if (right >= 0 && left < 0) return Named(op, right, holeIsRight: true);
        if (left >= 0 && right < 0 && HoleOperations.HoleMayBeLeft(op)) return Named(HoleOperations.Mirrored(op), left, holeIsRight: false);
        return null;

        string? Named(HoleOperation named, int hole, bool holeIsRight)
        {
            string operand = holeIsRight ? l : r;
            if (!HoleOperations.Uses(operand)) return Dispatch(named, width.Value, hole, operand, plain);
            // The operand is itself a hole operation, whose text would appear twice (as the operand and in the plain
            // C), doubling with every level: it is evaluated once, into a temporary.
            string t = Temp();
            string? plainOfT = holeIsRight ? BinaryText(kind, lt, rt, binary.Type!, t, r, binary.RightOperand) : BinaryText(kind, lt, rt, binary.Type!, l, t, binary.RightOperand);
            string? named2 = plainOfT is null ? null : Dispatch(named, width.Value, hole, t, plainOfT);
            return named2 is null ? null : "({ " + CTypes.Map(holeIsRight ? lt : rt) + " " + t + " = " + operand + "; " + named2 + "; })";
        }
    }

    private static string? Dispatch(HoleOperation op, int bits, int hole, string operand, string plain)
    {
        // The texts become macro arguments: a comma outside parentheses (in a brace initializer) would split them.
        if (HasBareComma(operand) || HasBareComma(plain)) return null;
        return HoleOperations.Dispatch + "(" + HoleOperations.Name(op, bits) + ", h" + hole.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ", " + operand + ", " + plain + ")";
    }

    /// <summary>True when <paramref name="text"/> has a comma outside every pair of parentheses (outside literals).</summary>
    private static bool HasBareComma(string text)
    {
        int depth = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch is '"' or '\'')
            {
                for (i++; i < text.Length && text[i] != ch; i++) if (text[i] == '\\') i++;
            }
            else if (ch == '(') depth++;
            else if (ch == ')') depth--;
            else if (ch == ',' && depth == 0) return true;
        }
        return false;
    }
}
