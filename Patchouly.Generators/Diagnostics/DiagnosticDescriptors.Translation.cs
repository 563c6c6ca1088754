using Microsoft.CodeAnalysis;

namespace Patchouly.Generators.Diagnostics;

internal static partial class DiagnosticDescriptors
{
    private const string TranslationCategory = "Patchouly.Translation";

    /// <summary>Generic: any construct without a more specific diagnostic. {0} names the construct, {1} is "" or "; hint".</summary>
    public static readonly DiagnosticDescriptor UnsupportedConstruct = Error("PATCH0100",
        "Construct not supported in stencils",
        "{0} is not supported in stencil code{1}", TranslationCategory);

    public static readonly DiagnosticDescriptor StringNotSupported = Error("PATCH0101",
        "Strings are not supported in stencils",
        "{0} is not supported in stencil code: stencils run as native code without the .NET runtime, so they cannot use strings; compute with integers or pointers instead",
        TranslationCategory);

    public static readonly DiagnosticDescriptor ObjectCreationNotSupported = Error("PATCH0102",
        "Object creation is not supported in stencils",
        "'{0}' creates an object or array, which stencil code cannot do (there is no garbage collector in native stencils); pass memory in through a pointer parameter instead",
        TranslationCategory);

    public static readonly DiagnosticDescriptor CallNotSupported = Error("PATCH0103",
        "Call to a method that is not a helper of the stencil library",
        "Call to '{0}' is not supported in stencil code: stencils can only call static, non-generic methods with a body declared in their own stencil library '{1}'{2}",
        TranslationCategory);

    public static readonly DiagnosticDescriptor CheckedNotSupported = Error("PATCH0104",
        "Checked arithmetic is not supported in stencils",
        "Checked {0} is not supported in stencil code: a stencil cannot throw OverflowException; use unchecked arithmetic and test for overflow explicitly",
        TranslationCategory);

    public static readonly DiagnosticDescriptor RecursionNotSupported = Error("PATCH0105",
        "Recursion is not supported in stencils",
        "Call to '{0}' is recursive ({1}); stencil helpers are inlined into every stencil and cannot call themselves directly or indirectly",
        TranslationCategory);

    public static readonly DiagnosticDescriptor ExceptionsNotSupported = Error("PATCH0106",
        "Exceptions are not supported in stencils",
        "{0} is not supported in stencil code: stencils run as native code and cannot throw or catch exceptions",
        TranslationCategory);

    public static readonly DiagnosticDescriptor DelegatesNotSupported = Error("PATCH0107",
        "Lambdas, local functions and delegates are not supported in stencils",
        "{0} is not supported in stencil code; use a static helper method of the stencil library, or call native code through an unmanaged function pointer parameter",
        TranslationCategory);

    public static readonly DiagnosticDescriptor TypeNotSupported = Error("PATCH0108",
        "Type not supported in stencils",
        "Type '{0}' cannot be used in stencil code{1}; stencils compute with integers, bool, char, enums, float, double, unmanaged structs declared in the project, pointers, unmanaged function pointers and Patchouly.Target",
        TranslationCategory);

    public static readonly DiagnosticDescriptor MemberAccessNotSupported = Error("PATCH0109",
        "Field or property access is not supported in stencils",
        "'{0}' is a {1} whose value is only known at run time, which stencil code cannot read; only constants (const fields and enum members) can be used, so pass the value in as a parameter or a [Hole]",
        TranslationCategory);

    public static readonly DiagnosticDescriptor StatementNotSupported = Error("PATCH0110",
        "Statement not supported in stencils",
        "'{0}' is not supported in stencil code{1}",
        TranslationCategory);

    public static readonly DiagnosticDescriptor StructLayoutNotSupported = Error("PATCH0111",
        "Struct layout not supported in stencils",
        "Struct '{0}' cannot be used by value in stencil code: {1}",
        TranslationCategory);

    public static readonly DiagnosticDescriptor StackAllocNotSupported = Error("PATCH0112",
        "stackalloc not supported here",
        "'{0}' is not supported in stencil code: {1}",
        TranslationCategory);

    public static readonly DiagnosticDescriptor IntrinsicNotSupported = Error("PATCH0113",
        "Library method not available in stencils",
        "'{0}' is not available in stencil code{1}; stencils can call the intrinsics listed in docs/authoring.md (Math and MathF Abs, Min, Max, Clamp, Sign, Sqrt, Floor, Ceiling, Truncate, Round; BitOperations; BitConverter bit casts; Unsafe on pointers)",
        TranslationCategory);

    public static readonly DiagnosticDescriptor StructTooLarge = Error("PATCH0114",
        "Struct value too large",
        "Struct '{0}' is {1} bytes, and stencil code copies struct values of at most {2} bytes (clang would call memcpy or memset for larger copies, which stencils cannot); use it through a pointer",
        TranslationCategory);
}
