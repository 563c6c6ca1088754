using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>
/// LValues: the locations that are assigned to or whose address is taken (locals, parameters, <c>*p</c>, <c>p[i]</c>,
/// struct fields), and their addresses.
/// </summary>
internal sealed partial class FunctionTranslator
{
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

        /// <summary>
        /// Memory clang cannot see into and that nothing in the function writes (see
        /// <see cref="FunctionTranslator.OpaqueMemoryReads"/>): a float or double is read from it as itself.
        /// </summary>
        public bool Opaque { get; set; }

        /// <summary>The C rvalue of the C# value.</summary>
        /// <remarks>A float or double in memory (or in a local whose address is taken) is read as its bits, hidden from
        /// clang (<c>pr_f64</c>/<c>pr_f32</c>): memory clang can see into (a local written as an integer through
        /// <c>Unsafe.As</c> or a pointer, a stackalloc buffer) would otherwise fold into a floating-point constant in
        /// <c>.rodata</c>, which stencils cannot refer to. An <see cref="Opaque"/> location needs no hiding, and a plain
        /// read loads straight into a float register (<c>movsd</c>, not <c>mov</c> + <c>movq</c>).</remarks>
        public string ReadText => BoolByte ? "(" + Text + " != 0)"
            : Opaque ? Text
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
                return new LValue(LValueKind.Computed, text, c, false, addressExpr, ua + "*", CTypes.IsBool(op.Type)) { Opaque = _opaqueMemory };
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
}
