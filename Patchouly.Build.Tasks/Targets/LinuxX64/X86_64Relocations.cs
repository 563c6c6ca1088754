namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>Names and field widths of <see cref="X86_64RelocationType"/> values.</summary>
public static class X86_64Relocations
{
    // Indexed by type value; null / -1 mark numbers the psABI does not (or no longer) define.
    private static readonly string?[] s_names =
    [
        "NONE", "64", "PC32", "GOT32", "PLT32", "COPY", "GLOB_DAT", "JUMP_SLOT", "RELATIVE", "GOTPCREL",
        "32", "32S", "16", "PC16", "8", "PC8", "DTPMOD64", "DTPOFF64", "TPOFF64", "TLSGD",
        "TLSLD", "DTPOFF32", "GOTTPOFF", "TPOFF32", "PC64", "GOTOFF64", "GOTPC32", "GOT64", "GOTPCREL64", "GOTPC64",
        "GOTPLT64", "PLTOFF64", "SIZE32", "SIZE64", "GOTPC32_TLSDESC", "TLSDESC_CALL", "TLSDESC", "IRELATIVE", "RELATIVE64", null,
        null, "GOTPCRELX", "REX_GOTPCRELX", "CODE_4_GOTPCRELX", "CODE_4_GOTTPOFF", "CODE_4_GOTPC32_TLSDESC",
    ];

    private static readonly sbyte[] s_widths =
    [
        0, 8, 4, 4, 4, 0, 8, 8, 8, 4,
        4, 4, 2, 2, 1, 1, 8, 8, 8, 4,
        4, 4, 4, 4, 8, 8, 4, 8, 8, 8,
        8, 8, 4, 8, 4, 0, 16, 8, 8, -1,
        -1, 4, 4, 4, 4, 4,
    ];

    /// <summary>Whether <paramref name="type"/> is a relocation type this table knows.</summary>
    public static bool IsKnown(X86_64RelocationType type) => (uint)type < (uint)s_names.Length && s_names[(int)type] is not null;

    /// <summary>The canonical name, for example <c>R_X86_64_PLT32</c>; unknown types give <c>R_X86_64_unknown(77)</c>.</summary>
    public static string Name(X86_64RelocationType type) =>
        IsKnown(type) ? "R_X86_64_" + s_names[(int)type] : $"R_X86_64_unknown({(uint)type})";

    /// <summary>
    /// How many bytes of the target section the relocation patches: 0 (<c>NONE</c>, <c>COPY</c>, <c>TLSDESC_CALL</c>),
    /// 1, 2, 4, 8 or 16 (<c>TLSDESC</c>); -1 for a type this table does not know.
    /// </summary>
    public static int RelocationWidth(X86_64RelocationType type) => IsKnown(type) ? s_widths[(int)type] : -1;
}
