using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Patchouly.Generators.Diagnostics;

namespace Patchouly.Generators.Translation;

/// <summary>Memory: dereferences through alignment-1 types, structs (fields, locals, creation) and <c>stackalloc</c>.</summary>
internal sealed partial class FunctionTranslator
{
    /// <summary>The largest <c>stackalloc</c>, in bytes.</summary>
    public const int MaxStackAlloc = 4096;

    // ------------------------------------------------------------------ types used

    /// <summary>Registers the types of the signature (so the prelude declares the structs they name) and reports
    /// structs used by value whose layout is not supported.</summary>
    private void RegisterSignatureTypes()
    {
        var returnLocation = (_syntax as MethodDeclarationSyntax)?.ReturnType.GetLocation() ?? _method.Locations.FirstOrDefault();
        if (!_method.ReturnsVoid) UseType(_method.ReturnType, returnLocation, byValue: _method.RefKind == RefKind.None);
        foreach (var p in _method.Parameters)
        {
            var syntax = p.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_owner.CancellationToken) as ParameterSyntax;
            UseType(p.Type, syntax?.Type?.GetLocation() ?? p.Locations.FirstOrDefault(), byValue: p.RefKind == RefKind.None);
        }
    }

    /// <summary>Registers every type the body uses, reporting unsupported struct layouts at their first use.</summary>
    private void RegisterTypes(IOperation root)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            var location = op.Syntax.GetLocation();
            switch (op)
            {
                case IVariableDeclaratorOperation declarator:
                    UseType(declarator.Symbol.Type, location, byValue: !declarator.Symbol.IsRef);
                    if (!declarator.Symbol.IsRef && declarator.Initializer is null && CTypes.IsStruct(declarator.Symbol.Type))
                        CheckStructValue(declarator.Symbol.Type, location);
                    continue;
                case ISizeOfOperation sizeOf:
                    UseType(sizeOf.TypeOperand, location, byValue: true);
                    break;
                case IInvocationOperation invocation:
                    foreach (var argument in invocation.TargetMethod.TypeArguments) UseType(argument, location, byValue: true);
                    break;
                case IFieldReferenceOperation { Instance: { } }:
                    // Reading a field does not copy the struct.
                    UseType(op.Type, location, byValue: true);
                    continue;
            }
            UseType(op.Type, location, byValue: true);
        }
    }

    private void UseType(ITypeSymbol? type, Location? location, bool byValue)
    {
        string? error = _owner.UseType(type);
        if (error is null || !byValue || type is null) return;
        if (_reportedTypes.Add(type))
            Report(DiagnosticDescriptors.StructLayoutNotSupported, location, type.ToDisplayString(), error);
        else
            _failed = true;
    }

    /// <summary>Checks that a struct can be copied by value (at most <see cref="CStructs.MaxValueSize"/> bytes).</summary>
    private bool CheckStructValue(ITypeSymbol type, Location? location)
    {
        var layout = _owner.Layout((INamedTypeSymbol)type);
        if (layout.Error is not null) return !_failed || Silent() is not null;
        if (layout.Size <= CStructs.MaxValueSize) return true;
        if (_reportedTypes.Add(type))
            Report(DiagnosticDescriptors.StructTooLarge, location, type.ToDisplayString(), layout.Size, CStructs.MaxValueSize);
        else
            _failed = true;
        return false;
    }

    /// <summary>" = {0}" for a struct local (so its padding is zero, as in .NET, where locals start zeroed), else "".</summary>
    private string ZeroInitializer(ITypeSymbol type, Location? location)
    {
        if (!CTypes.IsStruct(type)) return "";
        CheckStructValue(type, location);
        return " = {0}";
    }

    // ------------------------------------------------------------------ dereferences

    /// <summary>
    /// The implicit dereference Roslyn puts under <c>p-&gt;f</c> (an operation of kind None whose only child is the
    /// pointer and whose syntax is the pointer expression itself).
    /// </summary>
    private static bool IsImplicitDereference(IOperation op)
    {
        if (op.Kind != OperationKind.None || op.Type is null) return false;
        var children = op.ChildOperations.ToList();
        return children.Count == 1 && children[0].Type is IPointerTypeSymbol pointer
            && SymbolEqualityComparer.Default.Equals(pointer.PointedAtType, op.Type)
            && ReferenceEquals(Unparenthesized(children[0].Syntax), Unparenthesized(op.Syntax));
    }

    /// <summary>The expression inside any parentheses: <c>(p + 1)-&gt;f</c> dereferences an operation whose syntax is
    /// <c>(p + 1)</c>, and the pointer operand's syntax is <c>p + 1</c>.</summary>
    private static SyntaxNode Unparenthesized(SyntaxNode node)
    {
        while (node is ParenthesizedExpressionSyntax p) node = p.Expression;
        return node;
    }

    /// <summary>
    /// <c>*pointer</c> as a <paramref name="pointee"/>: through the alignment-1 typedef of the type, since C# allows
    /// any address while C would assume natural alignment; a bool is a byte read as "non-zero".
    /// </summary>
    private LValue? Dereference(CExpr pointer, ITypeSymbol pointee, Location? location)
    {
        string? c = CTypes.Map(pointee);
        if (c is null || c == "void")
        {
            TypeError(pointee, location, "");
            return null;
        }
        string ua = _owner.Unaligned(c);
        var address = new CExpr("((" + ua + "*)" + pointer.Text + ")", ua + "*", pointer.Invariant, pointer.Stable, pointer.HasCalls, pointer.HasWrites);
        return new LValue(LValueKind.Computed, "(*" + address.Text + ")", c, false, address, ua + "*", CTypes.IsBool(pointee)) { Opaque = _opaqueMemory };
    }

    // ------------------------------------------------------------------ structs

    /// <summary>True when <paramref name="op"/> denotes a location (so a field of it is an lvalue, and reading a field
    /// does not copy the whole struct).</summary>
    private bool IsLocation(IOperation op) => op switch
    {
        ILocalReferenceOperation or IParameterReferenceOperation => true,
        IFieldReferenceOperation { Instance: { Type: { } t } } f => !f.Field.IsStatic && CTypes.IsStruct(t) && IsLocation(f.Instance!),
        IInvocationOperation invocation => IsLValueIntrinsic(invocation),
        { Kind: OperationKind.None, Syntax: PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PointerIndirectionExpression } } => true,
        { Kind: OperationKind.None, Syntax: ElementAccessExpressionSyntax } => true,
        { Kind: OperationKind.None } => IsImplicitDereference(op),
        IParenthesizedOperation p => IsLocation(p.Operand),
        _ => false,
    };

    private (string? CType, bool BoolByte) FieldCType(IFieldSymbol field, Location? location)
    {
        if (CTypes.IsBool(field.Type)) return ("_Bool", true);
        string? c = CTypes.Map(field.Type);
        if (c is null || c == "void") TypeError(field.Type, location, "");
        return (c, false);
    }

    /// <summary><c>s.f</c>, <c>p-&gt;f</c>, <c>p[i].f</c>, <c>(*p).f</c> as an lvalue.</summary>
    private LValue? StructFieldLValue(IFieldReferenceOperation field)
    {
        var instance = field.Instance!;
        var location = field.Syntax.GetLocation();
        if (!IsLocation(instance))
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, location, "Assigning to a field of a struct value that is not a variable", "") is null ? null : null;
        var owner = LValueOf(instance);
        if (owner is null) return null;
        var (c, boolByte) = FieldCType(field.Field, location);
        if (c is null) return null;
        string text = owner.Text + "." + CNames.Field(field.Field.Name);
        if (owner.Kind == LValueKind.Variable)
            return new LValue(LValueKind.Variable, text, c, owner.Stable, null, boolByte ? "uint8_t*" : null, boolByte);
        string ua = _owner.Unaligned(c);
        var a = owner.Address!;
        var address = new CExpr("((" + ua + "*)&" + text + ")", ua + "*", a.Invariant, a.Stable, a.HasCalls, a.HasWrites);
        return new LValue(owner.Kind, "(*" + address.Text + ")", c, false, address, ua + "*", boolByte) { Opaque = owner.Opaque };
    }

    /// <summary>The value of an instance field of a struct (a fixed-size buffer is a pointer to its first element).</summary>
    private CExpr? StructFieldValue(IFieldReferenceOperation field)
    {
        var instance = field.Instance!;
        var location = field.Syntax.GetLocation();
        string member = CNames.Field(field.Field.Name);
        if (field.Field.IsFixedSizeBuffer)
        {
            string? pointerType = CTypes.Map(field.Field.Type);
            if (pointerType is null) return TypeError(field.Field.Type, location, "");
            if (IsLocation(instance))
            {
                var owner = LValueOf(instance);
                if (owner is null) return null;
                var a = owner.Address;
                return new CExpr("((" + pointerType + ")" + owner.Text + "." + member + ")", pointerType,
                    invariant: a is null || a.Invariant, stable: a is null || a.Stable, hasCalls: a?.HasCalls ?? false, hasWrites: a?.HasWrites ?? false);
            }
            return Fail(DiagnosticDescriptors.UnsupportedConstruct, location, "A fixed-size buffer of a struct value that is not a variable", "");
        }
        if (IsLocation(instance)) return StructFieldLValue(field)?.Read();
        var value = Expr(instance);
        if (value is null) return null;
        var (c, boolByte) = FieldCType(field.Field, location);
        if (c is null) return null;
        string text = "(" + value.Text + ")." + member;
        return Derived(boolByte ? "(" + text + " != 0)" : text, c, value);
    }

    /// <summary><c>new S()</c> and <c>new S { F = v, ... }</c> for a struct without a constructor of its own.</summary>
    private CExpr? StructCreation(IObjectCreationOperation creation)
    {
        var type = creation.Type!;
        string c = CTypes.Map(type)!;
        if (creation.Constructor is { IsImplicitlyDeclared: false } || creation.Arguments.Length > 0)
            return Fail(DiagnosticDescriptors.ObjectCreationNotSupported, creation.Syntax.GetLocation(), Snippet(creation.Syntax));
        if (creation.Initializer is null || creation.Initializer.Initializers.Length == 0)
            return new CExpr("((" + c + "){0})", c, invariant: true);

        string t = Temp();
        var parts = new List<CExpr>();
        var text = new System.Text.StringBuilder("({ " + c + " " + t + " = {0}; ");
        foreach (var initializer in creation.Initializer.Initializers)
        {
            if (initializer is not ISimpleAssignmentOperation { Target: IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field: { IsStatic: false, IsFixedSizeBuffer: false } field } } assignment)
                return Fail(DiagnosticDescriptors.UnsupportedConstruct, initializer.Syntax.GetLocation(),
                    "The initializer '" + Snippet(initializer.Syntax) + "'", "; assign fields with 'Field = value'");
            var value = Expr(assignment.Value);
            if (value is null) return null;
            parts.Add(value);
            string member = t + "." + CNames.Field(field.Name);
            text.Append(member).Append(" = ").Append(Unparenthesized(value.Text)).Append("; ");
        }
        text.Append(t).Append("; })");
        return new CExpr(text.ToString(), c, stable: false, hasCalls: parts.Any(p => p.HasCalls), hasWrites: parts.Any(p => p.HasWrites));
    }

    // ------------------------------------------------------------------ stackalloc

    /// <summary>
    /// <c>stackalloc T[N]</c> (N a constant, at most <see cref="MaxStackAlloc"/> bytes, not in a loop) into a pointer: a C
    /// array declared at the top of the function (it lives until the method returns, as in C#), zeroed where the
    /// <c>stackalloc</c> is evaluated (unless the method, type or module has <c>[SkipLocalsInit]</c>), then the
    /// initializer's elements are stored.
    /// </summary>
    private CExpr? StackAlloc(IOperation op)
    {
        var location = op.Syntax.GetLocation();
        string what = "stackalloc";
        if (op.Type is not IPointerTypeSymbol pointerType)
            return Fail(DiagnosticDescriptors.StackAllocNotSupported, location, Snippet(op.Syntax),
                "stackalloc must be assigned to a pointer (Span<T> is a managed type), for example 'byte* buffer = stackalloc byte[64];'");
        var element = pointerType.PointedAtType;
        var children = op.ChildOperations.ToList();
        if (children.Count == 0 || children[0].ConstantValue is not { HasValue: true, Value: { } count })
            return Fail(DiagnosticDescriptors.StackAllocNotSupported, location, Snippet(op.Syntax), "its size must be a constant");
        for (var parent = op.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is ILoopOperation)
                return Fail(DiagnosticDescriptors.StackAllocNotSupported, location, Snippet(op.Syntax),
                    "it is inside a loop, where C# allocates new memory on every iteration; move it before the loop");
        }
        string? c = CTypes.Map(element);
        if (c is null || c == "void") return TypeError(element, location, "");
        int elementSize = CTypes.IsStruct(element) ? _owner.Layout((INamedTypeSymbol)element).Size
            : element is IPointerTypeSymbol or IFunctionPointerTypeSymbol ? 8
            : CTypes.IsBool(element) ? 1
            : element.SpecialType == SpecialType.System_Single ? 4
            : element.SpecialType == SpecialType.System_Double ? 8
            : (CTypes.BitWidth(element) ?? 64) / 8;
        long n = CLiterals.ToInt64(count);
        long bytes = n * elementSize;
        if (n < 0 || bytes > MaxStackAlloc)
            return Fail(DiagnosticDescriptors.StackAllocNotSupported, location, Snippet(op.Syntax),
                "it allocates " + bytes.ToString(CultureInfo.InvariantCulture) + " bytes; stencils allocate at most " + MaxStackAlloc.ToString(CultureInfo.InvariantCulture) + " bytes on the stack");
        _ = what;

        var values = new List<CExpr>();
        foreach (var child in children.Skip(1))
        {
            var value = Expr(child);
            if (value is null) return null;
            values.Add(value);
        }

        string array = CNames.StackArray(++_stackArrays);
        long words = (bytes + 7) / 8;
        if (words == 0) words = 1;
        _functionScope.Add("uint64_t " + array + "[" + words.ToString(CultureInfo.InvariantCulture) + "] __attribute__((aligned(16))); /* " + Snippet(op.Syntax).Replace("*/", "* /") + " */");

        var text = new System.Text.StringBuilder("({ ");
        if (!SkipLocalsInit())
        {
            string i = Temp();
            text.Append(NoVectorizeInline).Append("for (uint32_t ").Append(i).Append(" = 0; ").Append(i).Append(" < ").Append(words.ToString(CultureInfo.InvariantCulture))
                .Append("u; ").Append(i).Append("++) ").Append(array).Append('[').Append(i).Append("] = 0; ");
        }
        string ua = _owner.Unaligned(c);
        for (int k = 0; k < values.Count; k++)
            text.Append("((").Append(ua).Append("*)").Append(array).Append(")[").Append(k.ToString(CultureInfo.InvariantCulture)).Append("] = ").Append(Unparenthesized(values[k].Text)).Append("; ");
        text.Append("(").Append(c).Append("*)").Append(array).Append("; })");
        return new CExpr(text.ToString(), c + "*", stable: false, hasCalls: values.Any(v => v.HasCalls), hasWrites: true);
    }

    /// <summary>The loop pragma inside a statement expression (a <c>_Pragma</c> operator, which may appear mid-line).</summary>
    private const string NoVectorizeInline = "_Pragma(\"clang loop vectorize(disable) interleave(disable)\") ";

    private bool SkipLocalsInit()
    {
        static bool Has(ISymbol? symbol) => symbol is not null && symbol.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == "System.Runtime.CompilerServices.SkipLocalsInitAttribute");
        for (ISymbol? s = _method; s is not null; s = s.ContainingSymbol)
            if (Has(s)) return true;
        return Has(_model.Compilation.Assembly) || Has(_model.Compilation.SourceModule);
    }
}
