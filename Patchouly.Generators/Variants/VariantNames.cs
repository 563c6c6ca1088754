using System.Linq;
using System.Text;

namespace Patchouly.Generators.Variants;

/// <summary>
/// The C and ELF symbol names of families, variants, holes and targets. Every name starts with the family's unique
/// prefix <c>f{index}_{name}</c>, so names never collide whatever the C# names are; the build reads them back through
/// <see cref="CLibrarySource.Variants"/> and <see cref="CLibrarySource.PatchSymbols"/>, never by parsing.
/// </summary>
internal static class VariantNames
{
    public const string Next = "patchouly_next";
    public const string Body = "patchouly_body";
    public const string FrameSize = "patchouly_frame_size";

    /// <summary>The prefix of everything belonging to family <paramref name="index"/>.</summary>
    public static string Family(string name, int index)
    {
        var sb = new StringBuilder("f").Append(index).Append('_');
        foreach (char ch in name.TrimStart('_'))
            sb.Append(ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? ch : '_');
        return sb.ToString();
    }

    /// <summary>A location code as text: <c>r3</c> for a register, <c>s</c> for the stack.</summary>
    public static string Code(int code, int registers) => code == registers ? "s" : "r" + code;

    /// <summary>Value <paramref name="value"/>'s code as text: <c>f2</c> for float register 2, else as <see cref="Code(int, int)"/>.</summary>
    public static string Code(int code, VariantSpec spec, int value, int registers) =>
        !spec.IsFloat(value) ? Code(code, registers) : code == spec.FloatRegisters ? "s" : "f" + code;

    /// <summary>The function symbol of one variant, e.g. <c>f5_Add__r0_r1__r2</c>, <c>f7_AddConst__s__r0__w</c> or <c>f9_Ret____</c>;
    /// never equal to the family prefix, which names the translated body.</summary>
    public static string Variant(string familyPrefix, VariantSpec spec, int registers)
    {
        var sb = new StringBuilder(familyPrefix).Append("__");
        sb.Append(string.Join("_", spec.Inputs.Select((c, i) => Code(c, spec, i, registers))));
        sb.Append("__");
        sb.Append(string.Join("_", spec.Outputs.Select((c, o) => Code(c, spec, spec.Inputs.Length + o, registers))));
        if (spec.Wide) sb.Append("__w");
        return sb.ToString();
    }

    /// <summary>A hole's symbol, e.g. <c>f7_AddConst__h0</c> (narrow) or <c>f7_AddConst__h0_w</c> (wide). A translated
    /// body names hole N as the token <c>hN</c> in its hole operations, which the C writer pastes after <c>prefix__</c>.</summary>
    public static string Hole(string familyPrefix, int hole, bool wide) => $"{familyPrefix}__h{hole}{(wide ? "_w" : "")}";

    /// <summary>The name of the copy of a family's body that its narrow variants call when the body has hole
    /// operations (see <see cref="Translation.HoleOperations"/>), e.g. <c>f7_AddConst__imm</c>.</summary>
    public static string NarrowBody(string familyPrefix) => familyPrefix + "__imm";

    public static string Target(string familyPrefix, int target) => $"{familyPrefix}__t{target}";

    public static string Slot(int stackValue) => "patchouly_slot" + stackValue;
}
