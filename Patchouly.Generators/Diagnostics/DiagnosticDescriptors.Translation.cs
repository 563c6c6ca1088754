using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Diagnostics;

internal static partial class DiagnosticDescriptors
{
    private const string TranslationCategory = "Patchouly.Translation";

    public static readonly DiagnosticDescriptor UnsupportedConstruct = Error("PATCH0100",
        "Construct not supported in stencils",
        "{0} is not supported in stencil code{1}", TranslationCategory);
}
