namespace Patchouly.Generators.Parsing;

/// <summary>Metadata names of the attribute and marker types in Patchouly.Attributes.</summary>
internal static class KnownNames
{
    public const string StencilLibraryAttribute = "Patchouly.StencilLibraryAttribute";
    public const string StencilAttribute = "Patchouly.StencilAttribute";
    public const string HoleAttribute = "Patchouly.HoleAttribute";
    public const string TargetAttribute = "Patchouly.TargetAttribute";
    public const string Target = "Patchouly.Target";

    public const int DefaultRegisters = 9;

    /// <summary>The MSBuild property (visible to the compiler as <c>build_property.PatchoulyRegisters</c>) that sets the
    /// register count of libraries whose attribute does not.</summary>
    public const string RegistersProperty = "build_property.PatchoulyRegisters";

    /// <summary>Reads the PatchoulyRegisters value; null when absent or not a number.</summary>
    public static int? ParseRegisters(string? value) =>
        int.TryParse(value?.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int r) ? r : null;
    public const int MaxRegisters = 11;

    /// <summary>The most narrow variant slots one family may have.</summary>
    public const int MaxVariantSlots = 10_000;

    /// <summary>At most this many holes, targets or stack values per stencil (a relocation's index is one byte).</summary>
    public const int MaxIndexedParameters = 255;
}
