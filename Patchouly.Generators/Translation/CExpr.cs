namespace Patchouly.Generators.Translation;

/// <summary>
/// A translated C expression with what the translator needs to know to keep C#'s left-to-right evaluation order
/// (C leaves the order of most operand evaluations unspecified, and unsequenced side effects are undefined).
/// </summary>
internal sealed class CExpr
{
    public CExpr(string text, string cType, bool invariant = false, bool stable = true, bool hasCalls = false, bool hasWrites = false)
    {
        Text = text;
        CType = cType;
        Invariant = invariant && !hasCalls && !hasWrites;
        Stable = stable || Invariant;
        HasCalls = hasCalls;
        HasWrites = hasWrites;
    }

    /// <summary>The C text: an identifier, a literal or a parenthesized expression.</summary>
    public string Text { get; }

    /// <summary>The C type of the C# value (a value of a type narrower than int may be an int in C; the value is the same).</summary>
    public string CType { get; }

    /// <summary>Its value can never change: constants, addresses of variables, temporaries.</summary>
    public bool Invariant { get; }

    /// <summary>No call can change its value: it reads no memory and only variables whose address is never taken.</summary>
    public bool Stable { get; }

    /// <summary>It calls a helper or a function pointer (C sequences a call's body, but not its position among operands).</summary>
    public bool HasCalls { get; }

    /// <summary>It assigns a variable or memory within the expression itself.</summary>
    public bool HasWrites { get; }

    public bool Pure => !HasCalls && !HasWrites;

    /// <summary>True when evaluating <paramref name="first"/> and then <paramref name="second"/> in C (which may evaluate
    /// them in either order, interleaved) could differ from evaluating them left to right as C# does.</summary>
    public static bool Conflict(CExpr first, CExpr second)
    {
        if (first.Invariant || second.Invariant) return false;
        if (first.HasWrites || second.HasWrites) return true;
        if (second.HasCalls && (!first.Stable || first.HasCalls)) return true;
        if (first.HasCalls && !second.Stable) return true;
        return false;
    }
}
