namespace Patchouly.Build.Tasks.Targets.WinX64;

/// <summary>Names and field widths of the x86-64 COFF relocation types (<c>IMAGE_REL_AMD64_*</c>, from the PE/COFF
/// specification). Every addend is implicit: stored in the field.</summary>
public static class Amd64CoffRelocations
{
    /// <summary><c>IMAGE_REL_AMD64_ABSOLUTE</c>: ignored.</summary>
    public const ushort Absolute = 0;
    /// <summary><c>IMAGE_REL_AMD64_ADDR64</c>: the 64-bit address.</summary>
    public const ushort Addr64 = 1;
    /// <summary><c>IMAGE_REL_AMD64_ADDR32</c>: the 32-bit address.</summary>
    public const ushort Addr32 = 2;
    /// <summary><c>IMAGE_REL_AMD64_ADDR32NB</c>: the 32-bit address relative to the image base (unwind data).</summary>
    public const ushort Addr32Nb = 3;
    /// <summary><c>IMAGE_REL_AMD64_REL32</c>: S + A − (P + 4), the end of the 4-byte field.</summary>
    public const ushort Rel32 = 4;
    /// <summary><c>IMAGE_REL_AMD64_REL32_1</c>: relative to the end of the field plus 1 (an imm8 follows it).</summary>
    public const ushort Rel32_1 = 5;
    /// <summary><c>IMAGE_REL_AMD64_REL32_5</c>: relative to the end of the field plus 5.</summary>
    public const ushort Rel32_5 = 9;
    /// <summary><c>IMAGE_REL_AMD64_SECTION</c>: the 16-bit section index (debug information).</summary>
    public const ushort Section = 0xA;
    /// <summary><c>IMAGE_REL_AMD64_SECREL</c>: the 32-bit offset from the section's start (debug information, TLS).</summary>
    public const ushort SecRel = 0xB;

    private static readonly string[] s_names =
        ["ABSOLUTE", "ADDR64", "ADDR32", "ADDR32NB", "REL32", "REL32_1", "REL32_2", "REL32_3", "REL32_4", "REL32_5",
         "SECTION", "SECREL", "SECREL7", "TOKEN", "SREL32", "PAIR", "SSPAN32"];

    private static readonly sbyte[] s_widths = [0, 8, 4, 4, 4, 4, 4, 4, 4, 4, 2, 4, 1, 4, 4, 4, 4];

    /// <summary>Whether the type is one the specification defines.</summary>
    public static bool IsKnown(uint type) => type < (uint)s_names.Length;

    /// <summary>The canonical name, for example <c>IMAGE_REL_AMD64_REL32</c>; unknown types give <c>IMAGE_REL_AMD64_unknown(0x11)</c>.</summary>
    public static string Name(uint type) => IsKnown(type) ? "IMAGE_REL_AMD64_" + s_names[type] : $"IMAGE_REL_AMD64_unknown(0x{type:x})";

    /// <summary>How many bytes of the section the relocation's field occupies (0 for ABSOLUTE); -1 when unknown.</summary>
    public static int RelocationWidth(uint type) => IsKnown(type) ? s_widths[type] : -1;

    /// <summary>For REL32 and REL32_1..REL32_5, the k in "relative to the end of the field plus k"; -1 for other types.</summary>
    public static int RelativeDistance(uint type) => type is >= Rel32 and <= Rel32_5 ? (int)(type - Rel32) : -1;
}
