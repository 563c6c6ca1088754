namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>x86-64 relocation types (<c>ELF64_R_TYPE</c>), from the System V x86-64 psABI.</summary>
/// <remarks><see cref="X86_64Relocations.Name"/> gives the canonical <c>R_X86_64_*</c> spelling.</remarks>
public enum X86_64RelocationType : uint
{
    /// <summary><c>R_X86_64_NONE</c>.</summary>
    None = 0,
    /// <summary><c>R_X86_64_64</c>: S + A, 64 bits.</summary>
    Abs64 = 1,
    /// <summary><c>R_X86_64_PC32</c>: S + A - P, 32 bits signed.</summary>
    Pc32 = 2,
    /// <summary><c>R_X86_64_GOT32</c>.</summary>
    Got32 = 3,
    /// <summary><c>R_X86_64_PLT32</c>: L + A - P, 32 bits signed (calls and tail calls).</summary>
    Plt32 = 4,
    /// <summary><c>R_X86_64_COPY</c>.</summary>
    Copy = 5,
    /// <summary><c>R_X86_64_GLOB_DAT</c>.</summary>
    GlobDat = 6,
    /// <summary><c>R_X86_64_JUMP_SLOT</c>.</summary>
    JumpSlot = 7,
    /// <summary><c>R_X86_64_RELATIVE</c>.</summary>
    Relative = 8,
    /// <summary><c>R_X86_64_GOTPCREL</c>.</summary>
    GotPcRel = 9,
    /// <summary><c>R_X86_64_32</c>: S + A, 32 bits zero-extended.</summary>
    Abs32 = 10,
    /// <summary><c>R_X86_64_32S</c>: S + A, 32 bits sign-extended.</summary>
    Abs32S = 11,
    /// <summary><c>R_X86_64_16</c>.</summary>
    Abs16 = 12,
    /// <summary><c>R_X86_64_PC16</c>.</summary>
    Pc16 = 13,
    /// <summary><c>R_X86_64_8</c>.</summary>
    Abs8 = 14,
    /// <summary><c>R_X86_64_PC8</c>.</summary>
    Pc8 = 15,
    /// <summary><c>R_X86_64_DTPMOD64</c>.</summary>
    DtpMod64 = 16,
    /// <summary><c>R_X86_64_DTPOFF64</c>.</summary>
    DtpOff64 = 17,
    /// <summary><c>R_X86_64_TPOFF64</c>.</summary>
    TpOff64 = 18,
    /// <summary><c>R_X86_64_TLSGD</c>.</summary>
    TlsGd = 19,
    /// <summary><c>R_X86_64_TLSLD</c>.</summary>
    TlsLd = 20,
    /// <summary><c>R_X86_64_DTPOFF32</c>.</summary>
    DtpOff32 = 21,
    /// <summary><c>R_X86_64_GOTTPOFF</c>.</summary>
    GotTpOff = 22,
    /// <summary><c>R_X86_64_TPOFF32</c>.</summary>
    TpOff32 = 23,
    /// <summary><c>R_X86_64_PC64</c>: S + A - P, 64 bits.</summary>
    Pc64 = 24,
    /// <summary><c>R_X86_64_GOTOFF64</c>.</summary>
    GotOff64 = 25,
    /// <summary><c>R_X86_64_GOTPC32</c>.</summary>
    GotPc32 = 26,
    /// <summary><c>R_X86_64_GOT64</c>.</summary>
    Got64 = 27,
    /// <summary><c>R_X86_64_GOTPCREL64</c>.</summary>
    GotPcRel64 = 28,
    /// <summary><c>R_X86_64_GOTPC64</c>.</summary>
    GotPc64 = 29,
    /// <summary><c>R_X86_64_GOTPLT64</c>.</summary>
    GotPlt64 = 30,
    /// <summary><c>R_X86_64_PLTOFF64</c>.</summary>
    PltOff64 = 31,
    /// <summary><c>R_X86_64_SIZE32</c>.</summary>
    Size32 = 32,
    /// <summary><c>R_X86_64_SIZE64</c>.</summary>
    Size64 = 33,
    /// <summary><c>R_X86_64_GOTPC32_TLSDESC</c>.</summary>
    GotPc32TlsDesc = 34,
    /// <summary><c>R_X86_64_TLSDESC_CALL</c>.</summary>
    TlsDescCall = 35,
    /// <summary><c>R_X86_64_TLSDESC</c>.</summary>
    TlsDesc = 36,
    /// <summary><c>R_X86_64_IRELATIVE</c>.</summary>
    IRelative = 37,
    /// <summary><c>R_X86_64_RELATIVE64</c>.</summary>
    Relative64 = 38,
    /// <summary><c>R_X86_64_GOTPCRELX</c>.</summary>
    GotPcRelX = 41,
    /// <summary><c>R_X86_64_REX_GOTPCRELX</c>.</summary>
    RexGotPcRelX = 42,
    /// <summary><c>R_X86_64_CODE_4_GOTPCRELX</c>.</summary>
    Code4GotPcRelX = 43,
    /// <summary><c>R_X86_64_CODE_4_GOTTPOFF</c>.</summary>
    Code4GotTpOff = 44,
    /// <summary><c>R_X86_64_CODE_4_GOTPC32_TLSDESC</c>.</summary>
    Code4GotPc32TlsDesc = 45,
}
