using Microsoft.CodeAnalysis;
using Patchouly.Generators.Model;
using Patchouly.Generators.Translation;

namespace Patchouly.Generators.Parsing;

/// <summary>Classifies C# types that fit in one machine word (inputs, outputs and holes of stencils).</summary>
internal static class WordTypes
{
    private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary>The fully qualified C# spelling of a type, usable in generated code.</summary>
    public static string CSharpName(ITypeSymbol type) => type.ToDisplayString(s_fullyQualified);

    public static bool IsTarget(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "Target", ContainingNamespace: { Name: "Patchouly", ContainingNamespace.IsGlobalNamespace: true } };

    /// <summary>The word type of <paramref name="type"/>, or null when it cannot live in a register.</summary>
    public static WordType? Classify(ITypeSymbol type)
    {
        if (IsTarget(type)) return new WordType("global::Patchouly.Target", "int32_t", 32, WordClass.Target);

        string? c = CTypes.Map(type);
        if (c is null || c == "void") return null;

        switch (type)
        {
            case IPointerTypeSymbol:
            case IFunctionPointerTypeSymbol:
                return new WordType(CSharpName(type), c, 64, WordClass.Pointer);
            case INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying }:
                var u = Classify(underlying);
                return u is null ? null : new WordType(CSharpName(type), c, u.Bits, u.Class, CSharpName(underlying));
        }

        return type.SpecialType switch
        {
            SpecialType.System_Boolean => new WordType("bool", c, 1, WordClass.Unsigned),
            SpecialType.System_Char => new WordType("char", c, 16, WordClass.Unsigned),
            SpecialType.System_SByte => new WordType("sbyte", c, 8, WordClass.Signed),
            SpecialType.System_Byte => new WordType("byte", c, 8, WordClass.Unsigned),
            SpecialType.System_Int16 => new WordType("short", c, 16, WordClass.Signed),
            SpecialType.System_UInt16 => new WordType("ushort", c, 16, WordClass.Unsigned),
            SpecialType.System_Int32 => new WordType("int", c, 32, WordClass.Signed),
            SpecialType.System_UInt32 => new WordType("uint", c, 32, WordClass.Unsigned),
            SpecialType.System_Int64 => new WordType("long", c, 64, WordClass.Signed),
            SpecialType.System_UInt64 => new WordType("ulong", c, 64, WordClass.Unsigned),
            SpecialType.System_IntPtr => new WordType("nint", c, 64, WordClass.Signed),
            SpecialType.System_UIntPtr => new WordType("nuint", c, 64, WordClass.Unsigned),
            SpecialType.System_Single => new WordType("float", c, 32, WordClass.Float),
            SpecialType.System_Double => new WordType("double", c, 64, WordClass.Float),
            _ => null,
        };
    }
}
