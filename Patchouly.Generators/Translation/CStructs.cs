using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Translation;

/// <summary>One instance field of a C# struct as laid out by the CLR.</summary>
/// <param name="Name">The C# name (compiler-generated backing fields included).</param>
/// <param name="CName">The C member name (<see cref="CNames.Field"/>).</param>
/// <param name="Type">The field's type (for a fixed-size buffer, the element type).</param>
/// <param name="CType">The C type of the member (of one element for a fixed-size buffer); <c>bool</c> is stored as <c>uint8_t</c>.</param>
/// <param name="Offset">Byte offset in the struct.</param>
/// <param name="Size">Size in bytes (of the whole buffer for a fixed-size buffer).</param>
/// <param name="Alignment">Natural alignment of the field's type (before <c>Pack</c>).</param>
/// <param name="FixedCount">Number of elements of a fixed-size buffer, or 0.</param>
internal sealed record StructField(string Name, string CName, ITypeSymbol Type, string CType, int Offset, int Size, int Alignment, int FixedCount);

/// <summary>The layout of a C# struct used by stencil code, computed from its declaration the way the CLR lays it out.</summary>
internal sealed class StructLayoutInfo
{
    public StructLayoutInfo(INamedTypeSymbol type, string cName)
    {
        Type = type;
        CName = cName;
    }

    public INamedTypeSymbol Type { get; }

    /// <summary>The C type: <c>struct s_Name</c>.</summary>
    public string CName { get; }

    /// <summary>Why the struct cannot be used by value (its layout is unknown or unsupported), or null.</summary>
    public string? Error { get; set; }

    public bool Explicit { get; set; }

    /// <summary>The <c>StructLayout.Pack</c> value (0 when not set).</summary>
    public int Pack { get; set; }

    /// <summary>The <c>StructLayout.Size</c> value (0 when not set).</summary>
    public int DeclaredSize { get; set; }

    public int Size { get; set; }

    public int Alignment { get; set; } = 1;

    public List<StructField> Fields { get; } = new();

    /// <summary>The structs this one contains by value (which C must define first).</summary>
    public List<INamedTypeSymbol> Nested { get; } = new();

    /// <summary>The structs this one points to (which C must declare first).</summary>
    public List<INamedTypeSymbol> PointedTo { get; } = new();
}

/// <summary>
/// Lays out C# structs the way the CLR does and writes the matching C declarations, each followed by
/// <c>_Static_assert</c>s of its size and field offsets so that any disagreement between the C compiler's layout and
/// the CLR's fails the build with a clear message.
/// </summary>
/// <remarks>
/// <para>CLR rules (for unmanaged structs, which is all stencil code can use): sequential layout (the default) places
/// each field, in declaration order, at the next offset that is a multiple of min(field alignment, Pack); the struct's
/// alignment is the largest such value and its size is rounded up to it; <c>Size</c> can only enlarge the struct.
/// Explicit layout places each field at its <c>FieldOffset</c>; the alignment and rounding rules are the same. A
/// primitive's alignment is its size; a nested struct's is its own alignment; a fixed-size buffer's is its element's.
/// An empty struct has size 1. <c>LayoutKind.Auto</c> is not supported (the runtime may reorder fields), nor is a
/// <c>Size</c> that is not a multiple of the alignment (the CLR keeps such a size, C cannot).</para>
/// <para>C declarations: sequential structs are ordinary C structs (inside <c>#pragma pack(push, N)</c> when Pack
/// is smaller than a field's alignment), which x86-64 C lays out by the same rules; an explicit struct is a union of
/// packed one-member structs, each with a byte array in front of the member, so every member sits exactly at its
/// <c>FieldOffset</c>. <c>bool</c> fields are <c>uint8_t</c> in C (a C <c>_Bool</c> object holding a value other than
/// 0 or 1 would be undefined behaviour; the translator reads them as "non-zero").</para>
/// </remarks>
internal static class CStructs
{
    /// <summary>The largest struct stencil code may copy by value (struct locals, assignments, by-value helper
    /// parameters): larger copies make clang call <c>memcpy</c>/<c>memset</c>, which stencils cannot.</summary>
    public const int MaxValueSize = 128;

    /// <summary>Computes the layout of <paramref name="type"/>; <paramref name="nested"/> gives the layout of a struct
    /// field's type (computed first).</summary>
    public static StructLayoutInfo Compute(INamedTypeSymbol type, Func<INamedTypeSymbol, StructLayoutInfo> nested)
    {
        var info = new StructLayoutInfo(type, "struct " + CNames.Struct(type));
        int layoutKind = 0; // Sequential
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != "System.Runtime.InteropServices.StructLayoutAttribute") continue;
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is { } kind)
                layoutKind = Convert.ToInt32(kind, CultureInfo.InvariantCulture);
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Pack" && named.Value.Value is int packValue) info.Pack = packValue;
                else if (named.Key == "Size" && named.Value.Value is int size) info.DeclaredSize = size;
            }
        }
        // System.Runtime.InteropServices.LayoutKind: Sequential = 0, Explicit = 2, Auto = 3.
        if (layoutKind == 3)
        {
            info.Error = "it has LayoutKind.Auto, so the runtime may reorder its fields; use sequential (the default) or explicit layout";
            return info;
        }
        info.Explicit = layoutKind == 2;
        if (info.Pack is < 0 or > 128 || (info.Pack & (info.Pack - 1)) != 0)
        {
            info.Error = "its StructLayout.Pack is not 0, 1, 2, 4, 8, 16, 32, 64 or 128";
            return info;
        }
        int pack = info.Pack == 0 ? int.MaxValue : info.Pack;

        int end = 0, alignment = 1;
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsStatic || field.IsConst) continue;
            var fieldType = field.Type;
            int count = 0;
            if (field.IsFixedSizeBuffer && fieldType is IPointerTypeSymbol fixedPointer)
            {
                fieldType = fixedPointer.PointedAtType;
                count = field.FixedSize;
            }
            if (!Measure(fieldType, nested, out int size, out int align, out string? cType, out string? why))
            {
                info.Error = "its field '" + field.Name + "' has type '" + fieldType.ToDisplayString() + "'" + why;
                return info;
            }
            if (CTypes.IsStruct(fieldType)) info.Nested.Add((INamedTypeSymbol)fieldType);
            CollectPointedTo(fieldType, info.PointedTo);
            if (count > 0) size *= count;
            int a = Math.Min(align, pack);
            int offset;
            if (info.Explicit)
            {
                var fieldOffset = field.GetAttributes().FirstOrDefault(x => x.AttributeClass?.ToDisplayString() == "System.Runtime.InteropServices.FieldOffsetAttribute");
                if (fieldOffset is null || fieldOffset.ConstructorArguments.Length != 1 || fieldOffset.ConstructorArguments[0].Value is not int o || o < 0)
                {
                    info.Error = "its field '" + field.Name + "' has no FieldOffset";
                    return info;
                }
                offset = o;
            }
            else
            {
                offset = RoundUp(end, a);
            }
            end = Math.Max(end, offset + size);
            alignment = Math.Max(alignment, a);
            info.Fields.Add(new StructField(field.Name, CNames.Field(field.Name), fieldType, cType!, offset, size, align, count));
        }

        int computed = end == 0 ? 1 : RoundUp(end, alignment);
        if (info.DeclaredSize > computed)
        {
            if (info.DeclaredSize % alignment != 0)
            {
                info.Error = "its StructLayout.Size (" + info.DeclaredSize.ToString(CultureInfo.InvariantCulture)
                    + ") is not a multiple of its alignment (" + alignment.ToString(CultureInfo.InvariantCulture) + "), which C cannot express";
                return info;
            }
            computed = info.DeclaredSize;
        }
        info.Size = computed;
        info.Alignment = alignment;
        return info;
    }

    private static void CollectPointedTo(ITypeSymbol type, List<INamedTypeSymbol> into)
    {
        while (type is IPointerTypeSymbol pointer) type = pointer.PointedAtType;
        if (CTypes.IsStruct(type)) into.Add((INamedTypeSymbol)type);
    }

    /// <summary>Size, alignment and C member type of a field type.</summary>
    private static bool Measure(ITypeSymbol type, Func<INamedTypeSymbol, StructLayoutInfo> nested, out int size, out int alignment, out string? cType, out string? why)
    {
        size = alignment = 0;
        cType = null;
        why = null;
        if (CTypes.IsStruct(type))
        {
            var inner = nested((INamedTypeSymbol)type);
            if (inner.Error is not null)
            {
                why = ", which cannot be used: " + inner.Error;
                return false;
            }
            size = inner.Size;
            alignment = inner.Alignment;
            cType = inner.CName;
            return true;
        }
        if (CTypes.IsTarget(type) || type is INamedTypeSymbol { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None } and not { TypeKind: TypeKind.Enum })
        {
            why = CTypes.IsTarget(type) ? " (a Target is not data)"
                : type.DeclaringSyntaxReferences.Length == 0 ? ", a struct from another assembly whose layout Patchouly cannot see; declare the struct in this project"
                : ", a struct that stencil code cannot use (generic or ref struct)";
            return false;
        }
        string? c = CTypes.Map(type);
        if (c is null || c == "void")
        {
            why = type.IsReferenceType ? " (a managed type)" : "";
            return false;
        }
        if (type is IPointerTypeSymbol or IFunctionPointerTypeSymbol) size = 8;
        else if (CTypes.IsBool(type)) size = 1;
        else if (type.SpecialType == SpecialType.System_Single) size = 4;
        else if (type.SpecialType == SpecialType.System_Double) size = 8;
        else if (CTypes.BitWidth(type) is { } bits) size = bits / 8;
        else return false;
        alignment = size;
        cType = CTypes.IsBool(type) ? "uint8_t" : c;
        return true;
    }

    private static int RoundUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    /// <summary>The C definition of a struct (without a preceding forward declaration) and its layout assertions.</summary>
    public static string Declaration(StructLayoutInfo info)
    {
        string display = info.Type.ToDisplayString();
        var sb = new StringBuilder();
        sb.Append("/* ").Append(display).Append(": ").Append(info.Explicit ? "explicit" : "sequential").Append(" layout");
        if (info.Pack != 0) sb.Append(", Pack = ").Append(I(info.Pack));
        if (info.DeclaredSize != 0) sb.Append(", Size = ").Append(I(info.DeclaredSize));
        sb.Append(", ").Append(I(info.Size)).Append(" bytes, aligned to ").Append(I(info.Alignment)).Append(" */\n");

        int end = 0;
        if (info.Explicit)
        {
            sb.Append(info.CName).Append("\n{\n    union\n    {\n");
            int n = 0;
            foreach (var f in info.Fields)
            {
                sb.Append("        struct __attribute__((packed)) { ");
                if (f.Offset > 0) sb.Append("uint8_t pr_at").Append(I(n)).Append('[').Append(I(f.Offset)).Append("]; ");
                sb.Append(Member(f)).Append("; };\n");
                end = Math.Max(end, f.Offset + f.Size);
                n++;
            }
            sb.Append("        uint8_t pr_size[").Append(I(info.Size)).Append("];\n");
            sb.Append("    };\n} __attribute__((aligned(").Append(I(info.Alignment)).Append(")));\n");
        }
        else
        {
            bool pragma = info.Pack != 0 && info.Fields.Any(f => f.Alignment > info.Pack);
            if (pragma) sb.Append("#pragma pack(push, ").Append(I(info.Pack)).Append(")\n");
            sb.Append(info.CName).Append("\n{\n");
            foreach (var f in info.Fields)
            {
                sb.Append("    ").Append(Member(f)).Append(";\n");
                end = f.Offset + f.Size;
            }
            int natural = info.Fields.Count == 0 ? 0 : RoundUp(end, info.Alignment);
            if (info.Size > natural)
                sb.Append("    uint8_t pr_size[").Append(I(info.Size - end)).Append("];\n");
            sb.Append("};\n");
            if (pragma) sb.Append("#pragma pack(pop)\n");
        }

        string message = "the C layout of " + Escape(display) + " differs from the .NET layout";
        sb.Append("_Static_assert(sizeof(").Append(info.CName).Append(") == ").Append(I(info.Size))
          .Append(", \"").Append(message).Append(": sizeof must be ").Append(I(info.Size)).Append("\");\n");
        sb.Append("_Static_assert(_Alignof(").Append(info.CName).Append(") == ").Append(I(info.Alignment))
          .Append(", \"").Append(message).Append(": alignment must be ").Append(I(info.Alignment)).Append("\");\n");
        foreach (var f in info.Fields)
            sb.Append("_Static_assert(offsetof(").Append(info.CName).Append(", ").Append(f.CName).Append(") == ").Append(I(f.Offset))
              .Append(", \"").Append(message).Append(": field ").Append(Escape(f.Name)).Append(" must be at offset ").Append(I(f.Offset)).Append("\");\n");
        return sb.ToString();
    }

    private static string Member(StructField f) =>
        f.FixedCount > 0 ? f.CType + " " + f.CName + "[" + I(f.FixedCount) + "]" : f.CType + " " + f.CName;

    private static string Escape(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text)
            sb.Append(c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?');
        return sb.ToString();
    }

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
