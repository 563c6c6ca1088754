using System.Collections.Generic;

namespace Patchouly.Build.Tasks.Targets.LinuxArm64;

/// <summary>Names and field widths of the AArch64 ELF relocation types (<c>ELF64_R_TYPE</c>, from the ARM ELF ABI) a
/// stencil object can contain; others are reported by number.</summary>
public static class Aarch64Relocations
{
    /// <summary><c>R_AARCH64_ABS64</c>.</summary>
    public const uint Abs64 = 257;
    /// <summary><c>R_AARCH64_ABS32</c>.</summary>
    public const uint Abs32 = 258;
    /// <summary><c>R_AARCH64_PREL32</c>.</summary>
    public const uint Prel32 = 261;
    /// <summary><c>R_AARCH64_MOVW_UABS_G0</c>: imm16 ← S + A bits 0–15, checked.</summary>
    public const uint MovwUabsG0 = 263;
    /// <summary><c>R_AARCH64_MOVW_UABS_G0_NC</c>.</summary>
    public const uint MovwUabsG0Nc = 264;
    /// <summary><c>R_AARCH64_MOVW_UABS_G1</c>: imm16 ← bits 16–31, checked.</summary>
    public const uint MovwUabsG1 = 265;
    /// <summary><c>R_AARCH64_MOVW_UABS_G1_NC</c>.</summary>
    public const uint MovwUabsG1Nc = 266;
    /// <summary><c>R_AARCH64_MOVW_UABS_G2</c>: imm16 ← bits 32–47, checked.</summary>
    public const uint MovwUabsG2 = 267;
    /// <summary><c>R_AARCH64_MOVW_UABS_G2_NC</c>.</summary>
    public const uint MovwUabsG2Nc = 268;
    /// <summary><c>R_AARCH64_MOVW_UABS_G3</c>: imm16 ← bits 48–63.</summary>
    public const uint MovwUabsG3 = 269;
    /// <summary><c>R_AARCH64_ADR_PREL_PG_HI21</c>.</summary>
    public const uint AdrPrelPgHi21 = 275;
    /// <summary><c>R_AARCH64_ADD_ABS_LO12_NC</c>.</summary>
    public const uint AddAbsLo12Nc = 277;
    /// <summary><c>R_AARCH64_TSTBR14</c>.</summary>
    public const uint TstBr14 = 279;
    /// <summary><c>R_AARCH64_CONDBR19</c>.</summary>
    public const uint CondBr19 = 280;
    /// <summary><c>R_AARCH64_JUMP26</c>: <c>b</c>, (S + A − P) / 4 in imm26.</summary>
    public const uint Jump26 = 282;
    /// <summary><c>R_AARCH64_CALL26</c>: <c>bl</c>, as JUMP26.</summary>
    public const uint Call26 = 283;
    /// <summary><c>R_AARCH64_LDST64_ABS_LO12_NC</c>.</summary>
    public const uint Ldst64AbsLo12Nc = 286;
    /// <summary><c>R_AARCH64_ADR_GOT_PAGE</c>.</summary>
    public const uint AdrGotPage = 311;
    /// <summary><c>R_AARCH64_LD64_GOT_LO12_NC</c>.</summary>
    public const uint Ld64GotLo12Nc = 312;

    private static readonly Dictionary<uint, (string Name, int Width)> s_known = new()
    {
        [0] = ("NONE", 0),
        [Abs64] = ("ABS64", 8), [Abs32] = ("ABS32", 4), [259] = ("ABS16", 2), [260] = ("PREL64", 8), [Prel32] = ("PREL32", 4), [262] = ("PREL16", 2),
        [MovwUabsG0] = ("MOVW_UABS_G0", 4), [MovwUabsG0Nc] = ("MOVW_UABS_G0_NC", 4), [MovwUabsG1] = ("MOVW_UABS_G1", 4),
        [MovwUabsG1Nc] = ("MOVW_UABS_G1_NC", 4), [MovwUabsG2] = ("MOVW_UABS_G2", 4), [MovwUabsG2Nc] = ("MOVW_UABS_G2_NC", 4),
        [MovwUabsG3] = ("MOVW_UABS_G3", 4), [270] = ("MOVW_SABS_G0", 4), [271] = ("MOVW_SABS_G1", 4), [272] = ("MOVW_SABS_G2", 4),
        [273] = ("LD_PREL_LO19", 4), [274] = ("ADR_PREL_LO21", 4), [AdrPrelPgHi21] = ("ADR_PREL_PG_HI21", 4), [276] = ("ADR_PREL_PG_HI21_NC", 4),
        [AddAbsLo12Nc] = ("ADD_ABS_LO12_NC", 4), [278] = ("LDST8_ABS_LO12_NC", 4), [TstBr14] = ("TSTBR14", 4), [CondBr19] = ("CONDBR19", 4),
        [Jump26] = ("JUMP26", 4), [Call26] = ("CALL26", 4), [284] = ("LDST16_ABS_LO12_NC", 4), [285] = ("LDST32_ABS_LO12_NC", 4),
        [Ldst64AbsLo12Nc] = ("LDST64_ABS_LO12_NC", 4), [299] = ("LDST128_ABS_LO12_NC", 4), [AdrGotPage] = ("ADR_GOT_PAGE", 4),
        [Ld64GotLo12Nc] = ("LD64_GOT_LO12_NC", 4),
    };

    /// <summary>Whether the type is one this table knows.</summary>
    public static bool IsKnown(uint type) => s_known.ContainsKey(type);

    /// <summary>The canonical name, for example <c>R_AARCH64_JUMP26</c>; unknown types give <c>R_AARCH64_unknown(N)</c>.</summary>
    public static string Name(uint type) => s_known.TryGetValue(type, out var k) ? "R_AARCH64_" + k.Name : $"R_AARCH64_unknown({type})";

    /// <summary>How many bytes of the target section the relocation patches (4 for instruction fields); -1 when unknown.</summary>
    public static int RelocationWidth(uint type) => s_known.TryGetValue(type, out var k) ? k.Width : -1;
}
