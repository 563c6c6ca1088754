using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Diagnostics;

// [Pinned(n)]: a value restricted to one register location (see docs/authoring.md).
internal static partial class DiagnosticDescriptors
{
    public static readonly DiagnosticDescriptor InvalidPin = Error("PATCH0030",
        "Invalid [Pinned] value",
        "'{0}' of stencil '{1}' cannot be pinned: {2}");
}
