using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Diagnostics;

/// <summary>
/// Every diagnostic Patchouly reports, in one place. PATCH0001-PATCH0099 concern the shape of libraries and stencils
/// (this file); PATCH0100-PATCH0199 concern the C# inside stencil bodies (<c>DiagnosticDescriptors.Translation.cs</c>).
/// Each id has an entry in <c>docs/diagnostics.md</c>.
/// </summary>
internal static partial class DiagnosticDescriptors
{
    private const string ShapeCategory = "Patchouly.Shape";

    /// <summary>
    /// Help links are relative: <c>docs/diagnostics.md#patchnnnn</c> is the entry in this repository and in the
    /// installed package, which ships the docs (<c>~/.nuget/packages/patchouly/&lt;version&gt;/docs/</c>).
    /// </summary>
    internal const string HelpBase = "docs/diagnostics.md#";

    private static DiagnosticDescriptor Error(string id, string title, string message, string category = ShapeCategory) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor LibraryMustBeStaticPartial = Error("PATCH0001",
        "Stencil library must be a static partial class",
        "Stencil library '{0}' must be declared 'static partial'");

    public static readonly DiagnosticDescriptor LibraryMustBeTopLevel = Error("PATCH0002",
        "Stencil library must be a top-level, non-generic class",
        "Stencil library '{0}' must be a top-level, non-generic class");

    public static readonly DiagnosticDescriptor StencilOutsideLibrary = Error("PATCH0003",
        "Stencil outside a stencil library",
        "Stencil '{0}' must be declared in a class marked [StencilLibrary]");

    public static readonly DiagnosticDescriptor StencilMustBeStatic = Error("PATCH0004",
        "Stencil must be a static, non-generic method with a body",
        "Stencil '{0}' must be a static, non-generic method with a body");

    public static readonly DiagnosticDescriptor DuplicateStencilName = Error("PATCH0005",
        "Duplicate stencil name",
        "Stencil name '{0}' is used more than once; stencils cannot be overloaded");

    public static readonly DiagnosticDescriptor ReservedStencilName = Error("PATCH0006",
        "Reserved stencil name",
        "Stencil name '{0}' is reserved; names may not start with '__' and may not be 'Library', 'Emitter' or 'Builder'");

    public static readonly DiagnosticDescriptor UnsupportedParameterType = Error("PATCH0007",
        "Unsupported stencil parameter type",
        "Parameter '{0}' has type '{1}', which a stencil cannot take; use an integer, bool, char, enum, float, double, pointer or unmanaged function pointer type");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Error("PATCH0008",
        "Unsupported stencil return type",
        "Stencil '{0}' returns '{1}'; a stencil returns void, Patchouly.Target, or an integer, bool, char, enum, float, double, pointer or unmanaged function pointer value");

    public static readonly DiagnosticDescriptor RefParameter = Error("PATCH0009",
        "Stencil parameter passed by reference",
        "Parameter '{0}' is passed by '{1}'; stencil inputs are passed by value and outputs are 'out' parameters");

    public static readonly DiagnosticDescriptor TargetAttributeOnNonTarget = Error("PATCH0010",
        "[Target] on a parameter that is not a Target",
        "Parameter '{0}' is marked [Target] but has type '{1}'; jump targets have type Patchouly.Target");

    public static readonly DiagnosticDescriptor InvalidHole = Error("PATCH0011",
        "Invalid hole parameter",
        "Parameter '{0}' cannot be a [Hole]: {1}");

    public static readonly DiagnosticDescriptor InvalidRegisterCount = Error("PATCH0012",
        "Invalid register count",
        "Registers = {0} is out of range; a stencil library has 1 to " + Patchouly.Generators.Format.VariantIndex.MaxRegisters + " register locations");

    public static readonly DiagnosticDescriptor TooManyVariants = Error("PATCH0013",
        "Too many stencil variants",
        "Stencil '{0}' would have {1} variants (the limit is {2}); give it fewer inputs and outputs or give the library fewer Registers");

    public static readonly DiagnosticDescriptor ReturnStencilWithTargets = Error("PATCH0014",
        "Stencil that returns to the caller has targets or outputs",
        "Stencil '{0}' returns to the JIT code's caller, so it cannot have Target or 'out' parameters or return a Target");

    public static readonly DiagnosticDescriptor TooManyParameters = Error("PATCH0015",
        "Too many stencil parameters",
        "Stencil '{0}' has {1} {2}; at most {3} are allowed");

    public static readonly DiagnosticDescriptor ReservedMemberName = Error("PATCH0016",
        "Member name used by the generated code",
        "'{0}' is declared by the code Patchouly generates for stencil library '{1}'; rename this member");

    public static readonly DiagnosticDescriptor StencilNotAMethod = Error("PATCH0017",
        "[Stencil] on a local function or lambda",
        "[Stencil] on {0} has no effect; a stencil is a static method of a [StencilLibrary] class");

    public static readonly DiagnosticDescriptor AsyncStencil = Error("PATCH0018",
        "Stencil is async",
        "Stencil '{0}' is async; stencils run synchronously inside JIT-compiled code");

    public static readonly DiagnosticDescriptor NestedTooDeeply = Error("PATCH0019",
        "Stencil code nested too deeply",
        "'{0}' cannot be compiled: {1}; split long expressions and deeply nested statements with local variables or helper methods");

    public static readonly DiagnosticDescriptor LibraryNamesDifferInCase = Error("PATCH0020",
        "Stencil library names differ only in case",
        "Stencil libraries '{0}' and '{1}' have names that differ only in case; their generated files and tables would collide, rename one");

    public static readonly DiagnosticDescriptor InternalError = Error("PATCH0099",
        "Internal error in Patchouly",
        "Patchouly failed while {0} ({1}: {2}); this is a bug in Patchouly, please report it with this message",
        "Patchouly.Internal");

    private static Dictionary<string, DiagnosticDescriptor>? s_byId;

    /// <summary>All descriptors, found by reflection over this class (both partial files).</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id)
            .ToList();

    public static DiagnosticDescriptor ById(string id)
    {
        s_byId ??= All.ToDictionary(d => d.Id);
        return s_byId[id];
    }
}
