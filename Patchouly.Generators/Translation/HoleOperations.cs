using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Patchouly.Generators.Translation;

/// <summary>
/// An integer operation one of whose operands is a value hole: the target-neutral vocabulary through which a target
/// may encode the hole as the instruction's own immediate field instead of materialising it in a register first.
/// The translator names the operation (<see cref="Macro"/>); each build target's C prelude may define that macro with
/// an instruction whose immediate field carries the hole's relocation, and every macro a target leaves undefined is
/// the plain C the translator wrote (<see cref="FallbackDefinitions"/>).
/// </summary>
/// <remarks>
/// A macro is called as <c>PATCHOULY_IMM_&lt;NAME&gt;(sym, a, c)</c>: <c>sym</c> is the hole's narrow symbol, <c>a</c>
/// the other operand (of the operation's C type), <c>c</c> the plain C of the whole operation, which is its value in
/// the fallback and gives its type (<c>__typeof__(c)</c>) otherwise. The hole is the right operand (for a comparison
/// whose hole was the left operand the translator names the mirrored relation). Shifts take the count from the hole
/// unmasked: C# masks it to 5 or 6 bits, and x86-64 does the same in hardware; a target whose instruction does not must
/// not define them.
/// </remarks>
internal enum HoleOperation
{
    Add, Sub, Mul, And, Or, Xor,
    /// <summary>a &lt;&lt; k.</summary>
    Shl,
    /// <summary>a &gt;&gt; k, arithmetic (signed a).</summary>
    Sar,
    /// <summary>a &gt;&gt; k, logical (unsigned a, or C#'s &gt;&gt;&gt;).</summary>
    Shr,
    Eq, Ne,
    /// <summary>Signed relations.</summary>
    Lt, Le, Gt, Ge,
    /// <summary>Unsigned relations.</summary>
    LtU, LeU, GtU, GeU,
}

/// <summary>The names of <see cref="HoleOperation"/> macros and their plain-C fallbacks (one definition for every target).</summary>
internal static class HoleOperations
{
    /// <summary>What the translated body calls: <c>PATCHOULY_IMM(NAME, hN, a, c)</c>, hole N of the family. The C
    /// writer defines it before each body it writes: to <c>PATCHOULY_IMM_NAME(&lt;narrow symbol of hole N&gt;, a, c)</c>
    /// for the copy the narrow variants call, to <c>(c)</c> for the wide variants' copy.</summary>
    public const string Dispatch = "PATCHOULY_IMM";

    /// <summary>The library prelude's default: a hole operation is its plain C (what a helper, a wide variant or a
    /// translation compiled on its own sees; the C writer redefines it around each narrow body).</summary>
    public const string PlainDispatch =
        "/* An operation on a hole is its plain C, except in a narrow variant's body (the C writer redefines " + Dispatch + " there). */\n" +
        "#ifndef " + Dispatch + "\n#define " + Dispatch + "(op, h, a, c) (c)\n#endif\n";

    /// <summary>Every operation, in declaration order.</summary>
    public static readonly IReadOnlyList<HoleOperation> All =
        System.Enum.GetValues(typeof(HoleOperation)).Cast<HoleOperation>().ToArray();

    /// <summary>The operand widths the macros exist for.</summary>
    public static readonly IReadOnlyList<int> Widths = new[] { 32, 64 };

    /// <summary>The operation's name in macros, e.g. <c>ADD32</c>, <c>LTU64</c>.</summary>
    public static string Name(HoleOperation op, int bits) => op.ToString().ToUpperInvariant() + bits.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The macro a target defines for <paramref name="op"/> on <paramref name="bits"/>-bit operands.</summary>
    public static string Macro(HoleOperation op, int bits) => Dispatch + "_" + Name(op, bits);

    /// <summary>True when a translated body names a hole operation (its text differs between narrow and wide variants).</summary>
    public static bool Uses(string? body) => body is not null && body.IndexOf(Dispatch + "(", System.StringComparison.Ordinal) >= 0;

    /// <summary>True for relations (the macro's value is a truth value).</summary>
    public static bool IsComparison(HoleOperation op) => op >= HoleOperation.Eq;

    /// <summary>True for shifts (the hole is the count).</summary>
    public static bool IsShift(HoleOperation op) => op is HoleOperation.Shl or HoleOperation.Sar or HoleOperation.Shr;

    /// <summary>The relation with its operands swapped (k &lt; a is a &gt; k); other operations are returned as they are.</summary>
    public static HoleOperation Mirrored(HoleOperation op) => op switch
    {
        HoleOperation.Lt => HoleOperation.Gt,
        HoleOperation.Le => HoleOperation.Ge,
        HoleOperation.Gt => HoleOperation.Lt,
        HoleOperation.Ge => HoleOperation.Le,
        HoleOperation.LtU => HoleOperation.GtU,
        HoleOperation.LeU => HoleOperation.GeU,
        HoleOperation.GtU => HoleOperation.LtU,
        HoleOperation.GeU => HoleOperation.LeU,
        _ => op,
    };

    /// <summary>True when <c>k op a</c> equals <c>a op' k</c> for <c>op' = Mirrored(op)</c>.</summary>
    public static bool HoleMayBeLeft(HoleOperation op) => op is not (HoleOperation.Sub or HoleOperation.Shl or HoleOperation.Sar or HoleOperation.Shr);

    /// <summary>The C header's fallbacks: every macro a target's prelude did not define is the plain C operation.</summary>
    public static string FallbackDefinitions()
    {
        var sb = new StringBuilder();
        sb.Append("/* Operations on a hole: the target's prelude may encode the hole as the instruction's immediate; otherwise the plain C. */\n");
        foreach (int bits in Widths)
            foreach (var op in All)
            {
                string macro = Macro(op, bits);
                sb.Append("#ifndef ").Append(macro).Append('\n')
                  .Append("#define ").Append(macro).Append("(sym, a, c) (c)\n")
                  .Append("#endif\n");
            }
        return sb.ToString();
    }
}
