using System.Linq;
using System.Text;
using System.Reflection.Metadata;
using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Translation;

/// <summary>
/// Maps C# types to the C types stencil code is translated to. Every mapping is exact in size, signedness and
/// representation on the 64-bit targets Patchouly supports (<c>nint</c>/<c>nuint</c> and pointers are 64 bits).
/// </summary>
internal static class CTypes
{
    /// <summary>
    /// The C spelling of <paramref name="type"/>, usable both as a declaration type (<c>T name</c>) and as a cast
    /// type (<c>(T)x</c>), or null when stencil code cannot use the type.
    /// </summary>
    /// <remarks>
    /// Integers map to the exact-width <c>stdint.h</c> types, <c>bool</c> to <c>_Bool</c>, <c>char</c> to
    /// <c>uint16_t</c>, <c>nint</c>/<c>nuint</c> to <c>intptr_t</c>/<c>uintptr_t</c>, enums to their underlying type,
    /// <see cref="Patchouly"/>'s <c>Target</c> to <c>int32_t</c> (target parameter i is the value i, <c>Target.Next</c>
    /// is -1), <c>float</c>/<c>double</c> to themselves. Unmanaged function pointers map to the GNU spelling
    /// <c>__typeof__(R (*)(A, B))</c>, which needs no typedef and works wherever a type name does. Function pointers
    /// with the managed calling convention, with a calling convention other than the platform default or
    /// <c>Cdecl</c>, with by-ref parameters or with <c>bool</c>/<c>char</c> in their signature (which the runtime
    /// would marshal) are not supported.
    /// </remarks>
    public static string? Map(ITypeSymbol type)
    {
        switch (type)
        {
            case IPointerTypeSymbol pointer:
                if (pointer.PointedAtType.SpecialType == SpecialType.System_Void) return "void*";
                string? pointee = Map(pointer.PointedAtType);
                return pointee is null || pointee == "void" ? null : pointee + "*";
            case IFunctionPointerTypeSymbol functionPointer:
                return MapFunctionPointer(functionPointer.Signature);
            case INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying }:
                return Map(underlying);
        }

        if (IsTarget(type)) return "int32_t";
        if (IsStruct(type)) return "struct " + CNames.Struct((INamedTypeSymbol)type);

        return type.SpecialType switch
        {
            SpecialType.System_Void => "void",
            SpecialType.System_Boolean => "_Bool",
            SpecialType.System_Char => "uint16_t",
            SpecialType.System_SByte => "int8_t",
            SpecialType.System_Byte => "uint8_t",
            SpecialType.System_Int16 => "int16_t",
            SpecialType.System_UInt16 => "uint16_t",
            SpecialType.System_Int32 => "int32_t",
            SpecialType.System_UInt32 => "uint32_t",
            SpecialType.System_Int64 => "int64_t",
            SpecialType.System_UInt64 => "uint64_t",
            SpecialType.System_IntPtr => "intptr_t",
            SpecialType.System_UIntPtr => "uintptr_t",
            SpecialType.System_Single => "float",
            SpecialType.System_Double => "double",
            _ => null,
        };
    }

    /// <summary>1 for bool; 8 to 64 for integers, char and enums; 64 for pointers, nint/nuint and function pointers; null otherwise.</summary>
    public static int? BitWidth(ITypeSymbol type)
    {
        switch (type)
        {
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return Map(type) is null ? null : 64;
            case INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying }:
                return BitWidth(underlying);
        }
        return type.SpecialType switch
        {
            SpecialType.System_Boolean => 1,
            SpecialType.System_SByte or SpecialType.System_Byte => 8,
            SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Char => 16,
            SpecialType.System_Int32 or SpecialType.System_UInt32 => 32,
            SpecialType.System_Int64 or SpecialType.System_UInt64 => 64,
            SpecialType.System_IntPtr or SpecialType.System_UIntPtr => 64,
            _ => null,
        };
    }

    /// <summary>True for sbyte, short, int, long, nint and enums whose underlying type is one of those.</summary>
    public static bool IsSignedInteger(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying }) return IsSignedInteger(underlying);
        return type.SpecialType is SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32
            or SpecialType.System_Int64 or SpecialType.System_IntPtr;
    }

    /// <summary>True for the integer types, char and enums (not bool, not pointers).</summary>
    public static bool IsIntegral(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum }) return Map(type) is not null;
        return type.SpecialType is SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16
            or SpecialType.System_UInt16 or SpecialType.System_Char or SpecialType.System_Int32 or SpecialType.System_UInt32
            or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_IntPtr or SpecialType.System_UIntPtr;
    }

    /// <summary>True for float and double.</summary>
    public static bool IsFloatingPoint(ITypeSymbol type) =>
        type.SpecialType is SpecialType.System_Single or SpecialType.System_Double;

    public static bool IsBool(ITypeSymbol type) => type.SpecialType == SpecialType.System_Boolean;

    public static bool IsEnum(ITypeSymbol type) => type.TypeKind == TypeKind.Enum;

    /// <summary>Data pointers (not function pointers).</summary>
    public static bool IsPointer(ITypeSymbol type) => type is IPointerTypeSymbol;

    public static bool IsFunctionPointer(ITypeSymbol type) => type is IFunctionPointerTypeSymbol;

    /// <summary>
    /// True for a C# struct that stencil code can use as a C struct: an unmanaged, non-generic, non-ref struct
    /// declared in source (the layout attributes of a struct from another assembly are not visible), other than
    /// <c>Patchouly.Target</c> and the primitive types. Whether its layout is supported is checked by
    /// <see cref="CStructs"/> where it is used.
    /// </summary>
    public static bool IsStruct(ITypeSymbol type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None, IsGenericType: false, IsRefLikeType: false, IsUnmanagedType: true } named
        && !IsTarget(type) && named.DeclaringSyntaxReferences.Length > 0;

    /// <summary>True for <c>Patchouly.Target</c>.</summary>
    public static bool IsTarget(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "Target", TypeKind: TypeKind.Struct, ContainingNamespace: { Name: "Patchouly", ContainingNamespace.IsGlobalNamespace: true } };

    /// <summary>The underlying type of an enum, or the type itself.</summary>
    public static ITypeSymbol Underlying(ITypeSymbol type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } ? underlying : type;

    /// <summary>The unsigned C type of the same width as an integral C type (<c>int32_t</c> → <c>uint32_t</c>).</summary>
    public static string UnsignedOf(string cType) => cType switch
    {
        "int8_t" => "uint8_t",
        "int16_t" => "uint16_t",
        "int32_t" => "uint32_t",
        "int64_t" => "uint64_t",
        "intptr_t" => "uintptr_t",
        _ => cType,
    };

    private static string? MapFunctionPointer(IMethodSymbol signature)
    {
        bool supportedConvention = signature.CallingConvention switch
        {
            SignatureCallingConvention.CDecl => true,
            SignatureCallingConvention.Unmanaged => signature.UnmanagedCallingConventionTypes.All(t =>
                t.Name is "CallConvCdecl" or "CallConvSuppressGCTransition"),
            _ => false,
        };
        if (!supportedConvention || signature.RefKind != RefKind.None) return null;

        string? ret = signature.ReturnsVoid ? "void" : MapSignatureType(signature.ReturnType);
        if (ret is null) return null;
        var sb = new StringBuilder();
        sb.Append("__typeof__(").Append(ret).Append(" (*)(");
        if (signature.Parameters.Length == 0) sb.Append("void");
        for (int i = 0; i < signature.Parameters.Length; i++)
        {
            var p = signature.Parameters[i];
            string? c = p.RefKind == RefKind.None ? MapSignatureType(p.Type) : null;
            if (c is null) return null;
            if (i > 0) sb.Append(", ");
            sb.Append(c);
        }
        return sb.Append("))").ToString();
    }

    // bool and char are not blittable: with runtime marshalling enabled, a call through an unmanaged function pointer
    // marshals them (bool as a 4-byte BOOL), so the native signature would not be the one C sees. Target is not
    // an unmanaged value.
    private static string? MapSignatureType(ITypeSymbol type)
    {
        if (IsTarget(type) || IsStruct(type) || IsBool(Underlying(type)) || Underlying(type).SpecialType == SpecialType.System_Char) return null;
        string? c = Map(type);
        return c == "void" ? null : c;
    }
}
