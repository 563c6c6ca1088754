using System;
using System.Collections.Generic;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.LinuxArm64;

/// <summary>AArch64 Linux: ELF objects, the large code model (64-bit constants as movz/movk), branches as b/bl.</summary>
public sealed class LinuxArm64Target : BuildTarget
{
    /// <summary>The one instance.</summary>
    public static readonly LinuxArm64Target Instance = new();

    private LinuxArm64Target() { }

    /// <inheritdoc />
    public override TableTarget Table => TableTarget.LinuxArm64;

    /// <summary>
    /// The large code model without PIC: every symbol address (a wide hole) is <c>movz/movk ×4</c> (MOVW_UABS_G0..G3),
    /// never a GOT or page-relative load; calls and jumps stay <c>b</c>/<c>bl</c> (JUMP26/CALL26). No outline atomics
    /// (they call libgcc helpers).
    /// </summary>
    public override IReadOnlyList<string> ClangFlags(string optimization) =>
        CommonFlags(optimization, "-fno-pic", "-mcmodel=large", "-mno-outline-atomics");

    /// <summary>
    /// A wide hole is the symbol's address (the large model: four <c>movz/movk</c>); a narrow one is a 32-bit
    /// <c>movz/movk</c> pair written in assembly with MOVW_UABS_G1 (checked: below 2^32) and G0_NC relocations.
    /// </summary>
    public override string CPrelude { get; } = string.Join("\n",
        "/* AArch64: narrow holes are movz+movk (G1, G0_NC: 32 bits), wide holes movz+movk x4 (the large code model). */",
        "#define PATCHOULY_NARROW(sym) extern char sym[] __attribute__((weak, visibility(\"hidden\")))",
        "#define PATCHOULY_WIDE(sym) extern char sym[] __attribute__((weak, visibility(\"hidden\")))",
        "#define PATCHOULY_NARROW_BITS(sym) ({ uintptr_t patchouly_n; __asm__(\"movz %0, #:abs_g1:\" #sym \"\\n\\tmovk %0, #:abs_g0_nc:\" #sym : \"=r\"(patchouly_n)); patchouly_n; })",
        "#define PATCHOULY_WIDE_BITS(sym) ((uintptr_t)(sym))",
        "#define PATCHOULY_NARROW_POINTER_BITS(sym) PATCHOULY_NARROW_BITS(sym)",
        "");

    /// <inheritdoc />
    public override ObjectFormat ObjectFormat => ObjectFormat.Elf;

    /// <inheritdoc />
    public override ObjectFile ReadObject(byte[] data, string? fileName) => ElfObjectFile.Read(data, fileName);

    /// <inheritdoc />
    public override IReadOnlyList<string> RegisterNames => Arm64Stencils.RegisterNames;

    /// <inheritdoc />
    public override IReadOnlyList<string> FloatRegisterNames => Arm64Stencils.FloatRegisterNames;

    /// <summary>The ARM ELF ABI's RELA relocations; addends are the table's own.</summary>
    public override MappedRelocation? MapRelocation(ObjectRelocation relocation) =>
        Kind(relocation.Type) is RelocationKind kind ? new MappedRelocation(kind, relocation.Addend) : null;

    private static RelocationKind? Kind(uint type) => type switch
    {
        Aarch64Relocations.Jump26 or Aarch64Relocations.Call26 => RelocationKind.Arm64Branch26,
        Aarch64Relocations.MovwUabsG0 => RelocationKind.Arm64MovwG0,
        Aarch64Relocations.MovwUabsG0Nc => RelocationKind.Arm64MovwG0Nc,
        Aarch64Relocations.MovwUabsG1 => RelocationKind.Arm64MovwG1,
        Aarch64Relocations.MovwUabsG1Nc => RelocationKind.Arm64MovwG1Nc,
        Aarch64Relocations.MovwUabsG2 => RelocationKind.Arm64MovwG2,
        Aarch64Relocations.MovwUabsG2Nc => RelocationKind.Arm64MovwG2Nc,
        Aarch64Relocations.MovwUabsG3 => RelocationKind.Arm64MovwG3,
        _ => null,
    };

    /// <inheritdoc />
    public override string UnsupportedRelocationHint => "the stencil may use the GOT, TLS, a page-relative address or a literal pool";

    /// <summary>A <c>b</c> (0x14000000 | imm26) whose field, the last relocation, ends the code.</summary>
    public override bool EndsWithTailJump(ReadOnlySpan<byte> code, Relocation last) => Arm64Stencils.EndsWithTailJump(code, last);

    /// <inheritdoc />
    public override bool TailIsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations) => Arm64Stencils.TailIsBranchTarget(code, relocations);

    /// <inheritdoc />
    public override IEnumerable<string> Disassemble(byte[] code, IReadOnlyList<Relocation> relocations, IReadOnlyList<string>? holeNames) =>
        Arm64Listing.Lines(code, relocations, holeNames);
}
