namespace Patchouly.Generators.Parsing;

/// <summary>Metadata names of the attribute and marker types in Patchouly.Attributes.</summary>
internal static class KnownNames
{
    public const string StencilLibraryAttribute = "Patchouly.StencilLibraryAttribute";
    public const string StencilAttribute = "Patchouly.StencilAttribute";
    public const string HoleAttribute = "Patchouly.HoleAttribute";
    public const string PinnedAttribute = "Patchouly.PinnedAttribute";
    public const string TargetAttribute = "Patchouly.TargetAttribute";
    public const string Target = "Patchouly.Target";

    public const int DefaultRegisters = 9;

    /// <summary>Names the generated code declares in a library class (PATCH0016 when the user declares one too).</summary>
    public static readonly string[] GeneratedMemberNames = ["Library", "Emitter", "PatchoulyTables", "PatchoulyModelHash", "PatchoulyLoadLibrary", "s_patchoulyLibrary"];

    /// <summary>Stencil names the generated <c>Emitter</c> struct uses for itself (PATCH0006).</summary>
    public static bool IsReservedStencilName(string name) =>
        name.StartsWith("__", System.StringComparison.Ordinal) || name is "Library" or "Emitter" or "Builder";

    /// <summary>A name as a C# identifier in generated code: keywords and contextual keywords get an <c>@</c>.</summary>
    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None
        || Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetContextualKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None
            ? "@" + name : name;

    /// <summary>A file or hint name for a library: its full name without the <c>@</c> of escaped keywords.</summary>
    public static string FileName(string fullName) => fullName.Replace("@", "");

    /// <summary>The MSBuild property (visible to the compiler as <c>build_property.PatchoulyRegisters</c>) that sets the
    /// register count of libraries whose attribute does not.</summary>
    public const string RegistersProperty = "build_property.PatchoulyRegisters";

    /// <summary>Reads the PatchoulyRegisters value; null when absent or not a number.</summary>
    public static int? ParseRegisters(string? value) =>
        int.TryParse(value?.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int r) ? r : null;
    public const int MaxRegisters = Patchouly.Generators.Format.VariantIndex.MaxRegisters;

    /// <summary>The most float register locations (<c>FloatRegisters</c>) a library may have.</summary>
    public const int MaxFloatRegisters = Patchouly.Generators.Format.VariantIndex.MaxFloatRegisters;

    /// <summary>The most narrow variant slots one family may have.</summary>
    public const int MaxVariantSlots = 10_000;

    /// <summary>At most this many holes, targets or stack values per stencil (a relocation's index is one byte).</summary>
    public const int MaxIndexedParameters = 255;
}
