using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Diagnostics;

// [Pinned(n)]: a value restricted to one register location, and the float register class's count (see docs/authoring.md).
internal static partial class DiagnosticDescriptors
{
    public static readonly DiagnosticDescriptor InvalidPin = Error("PATCH0030",
        "Invalid [Pinned] value",
        "'{0}' of stencil '{1}' cannot be pinned: {2}");

    public static readonly DiagnosticDescriptor InvalidFloatRegisterCount = Error("PATCH0031",
        "Invalid float register count",
        "FloatRegisters = {0} is out of range; a stencil library has 0 to " + Patchouly.Generators.Format.VariantIndex.MaxFloatRegisters + " float register locations (the floating-point argument registers of every target)");

    public static readonly DiagnosticDescriptor InvalidMoveRegisterCount = Error("PATCH0032",
        "Invalid move register count",
        "{0} = {1} is out of range: {2}");
}
