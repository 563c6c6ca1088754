using System.Text;

namespace Patchouly.Generators.Translation;

/// <summary>
/// C identifiers for translated code. Every kind of name has its own prefix, so no two kinds can collide and no
/// C# identifier (which may be a C keyword such as <c>int</c> or <c>auto</c>) is used bare:
/// <list type="bullet">
/// <item><c>p_</c>: stencil functions (<see cref="Stencil"/>); the built-ins use <c>p___entry</c> and so on.</item>
/// <item><c>h_</c>: helper functions (library methods called from stencils, <see cref="Helper"/>).</item>
/// <item><c>pr_</c>: runtime helper functions of the prelude (division traps, float conversions).</item>
/// <item><c>v_</c>: C# parameters and locals (<see cref="Variable"/>).</item>
/// <item><c>t_</c>: temporaries introduced by the translator (<see cref="Temporary"/>).</item>
/// <item><c>s_</c>: C structs declared for C# structs (<see cref="Struct"/>); <c>f_</c>: their fields (<see cref="Field"/>).</item>
/// <item><c>sa_</c>: the arrays behind <c>stackalloc</c> (<see cref="StackArray"/>).</item>
/// </list>
/// A name made only of ASCII letters, digits and underscores is kept as it is after the prefix. Any other name is
/// escaped injectively into ASCII (<c>_</c> becomes <c>__</c>, any other character <c>_xHHHH</c>) after a prefix
/// that an ASCII name cannot produce (a digit <c>0</c> after <c>p_</c> and <c>h_</c>, whose names cannot start
/// with a digit; <c>u_</c> instead of <c>v_</c>), so distinct C# names always give distinct C names.
/// </summary>
internal static class CNames
{
    /// <summary>The C function name of stencil <paramref name="name"/>: <c>p_Name</c>. Stencil names are unique in a
    /// library, so the result is unique; <paramref name="index"/> is not needed and is accepted for callers that have it.</summary>
    public static string Stencil(string name, int index) => Prefixed("p_", "p_0", name);

    /// <summary>The base C name of helper method <paramref name="name"/>: <c>h_Name</c> (overloads get a suffix from the translator).</summary>
    public static string Helper(string name) => Prefixed("h_", "h_0", name);

    /// <summary>The C name of a C# parameter or local: <c>v_name</c>.</summary>
    public static string Variable(string name) => Prefixed("v_", "u_", name);

    /// <summary>The C name of a field of a C# struct: <c>f_name</c> (compiler-generated backing fields are escaped).</summary>
    public static string Field(string name) => Prefixed("f_", "g_", name);

    /// <summary>The C array behind <c>stackalloc</c> number <paramref name="number"/>: <c>sa_1</c>.</summary>
    public static string StackArray(int number) => "sa_" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The C struct tag of a C# struct, from its namespaces, containing types and name: <c>s_Point</c> for a struct
    /// in the global namespace, <c>s_Geometry_0Point</c> for <c>Geometry.Point</c>. Each part is escaped as
    /// <c>_</c> → <c>__</c>, any character other than an ASCII letter or digit → <c>_xHHHH</c>, and parts are
    /// joined by <c>_0</c> (a C# identifier cannot start with a digit), so distinct C# types give distinct tags.
    /// </summary>
    public static string Struct(Microsoft.CodeAnalysis.INamedTypeSymbol type)
    {
        var parts = new System.Collections.Generic.List<string>();
        for (Microsoft.CodeAnalysis.ISymbol? s = type; s is not null; s = s.ContainingSymbol)
        {
            if (s is Microsoft.CodeAnalysis.INamespaceSymbol { IsGlobalNamespace: true }) break;
            if (s is Microsoft.CodeAnalysis.INamespaceOrTypeSymbol) parts.Add(s.MetadataName);
        }
        parts.Reverse();
        var sb = new StringBuilder("s_");
        for (int i = 0; i < parts.Count; i++)
        {
            if (i > 0) sb.Append("_0");
            foreach (char c in parts[i])
            {
                if (c == '_') sb.Append("__");
                else if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9') sb.Append(c);
                else sb.Append("_x").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    /// <summary>The C name of translator temporary number <paramref name="number"/>: <c>t_1</c>.</summary>
    public static string Temporary(int number) => "t_" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True when <paramref name="name"/> consists only of ASCII letters, digits and underscores.</summary>
    public static bool IsPlainAscii(string name)
    {
        if (name.Length == 0) return false;
        foreach (char c in name)
            if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_')) return false;
        return true;
    }

    private static string Prefixed(string asciiPrefix, string escapedPrefix, string name)
    {
        if (IsPlainAscii(name)) return asciiPrefix + name;
        var sb = new StringBuilder(escapedPrefix);
        foreach (char c in name)
        {
            if (c == '_') sb.Append("__");
            else if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9') sb.Append(c);
            else sb.Append("_x").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
