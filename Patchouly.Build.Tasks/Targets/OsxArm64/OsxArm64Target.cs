using System;
using System.Collections.Generic;
using Patchouly.Build.Tasks.MachO;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Targets.LinuxArm64;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.OsxArm64;

/// <summary>
/// AArch64 macOS: Mach-O objects, the default (small) code model, x18 reserved by the platform. Mach-O has no
/// <c>movz</c>/<c>movk</c> relocations, so every hole value is loaded from a GOT entry (<c>adrp</c> + <c>ldr</c>,
/// GOT_LOAD_PAGE21/PAGEOFF12) that the runtime gives each hole and fills: every value fits, so narrow and wide variants
/// are the same code (the narrow one is always usable; the tables keep both for the shared variant index). Jumps and
/// calls to other stencils are <c>b</c>/<c>bl</c> (BRANCH26).
/// </summary>
public sealed class OsxArm64Target : BuildTarget
{
    /// <summary>The one instance.</summary>
    public static readonly OsxArm64Target Instance = new();

    private OsxArm64Target() { }

    /// <inheritdoc />
    public override TableTarget Table => TableTarget.OsxArm64;

    /// <summary>The default code model; <c>-ffixed-x18</c> (Apple reserves x18; clang does too on Darwin, this makes it
    /// explicit); no outline atomics (they call helper functions).</summary>
    public override IReadOnlyList<string> ClangFlags(string optimization) =>
        CommonFlags(optimization, "-ffixed-x18", "-mno-outline-atomics");

    /// <summary>
    /// Holes are addresses of plain undefined symbols (default visibility, so clang loads them through the GOT rather
    /// than computing them page-relative), laundered through an empty <c>asm</c> so that the value is always in a
    /// register: a call through a function-pointer hole is then <c>blr</c>, never a <c>bl</c> to the hole (as on
    /// linux-arm64, which never needs a veneer for a hole either).
    /// </summary>
    public override string CPrelude { get; } = string.Join("\n",
        "/* AArch64 macOS: every hole is loaded from a GOT entry the runtime fills (adrp + ldr, GOT_LOAD_PAGE21/PAGEOFF12); narrow = wide. */",
        "#define PATCHOULY_NARROW(sym) extern char sym[]",
        "#define PATCHOULY_WIDE(sym) extern char sym[]",
        "#define PATCHOULY_NARROW_BITS(sym) ({ uintptr_t patchouly_v = (uintptr_t)(sym); __asm__(\"\" : \"+r\"(patchouly_v)); patchouly_v; })",
        "#define PATCHOULY_WIDE_BITS(sym) ({ uintptr_t patchouly_v = (uintptr_t)(sym); __asm__(\"\" : \"+r\"(patchouly_v)); patchouly_v; })",
        "#define PATCHOULY_NARROW_POINTER_BITS(sym) PATCHOULY_NARROW_BITS(sym)",
        "");

    /// <inheritdoc />
    public override ObjectFormat ObjectFormat => ObjectFormat.MachO;

    /// <inheritdoc />
    public override ObjectFile ReadObject(byte[] data, string? fileName) => MachOObjectFile.Read(data, fileName);

    /// <summary>The same order as on Linux: x20 is the frame, then x21–x28, x0, x1, x2.</summary>
    public override IReadOnlyList<string> RegisterNames => Arm64Stencils.RegisterNames;

    /// <inheritdoc />
    public override IReadOnlyList<string> FloatRegisterNames => Arm64Stencils.FloatRegisterNames;

    /// <summary>
    /// BRANCH26 → Arm64Branch26; PAGE21/PAGEOFF12 → Arm64Page21/Arm64PageOff12 (with the ADDEND pair's addend);
    /// GOT_LOAD_PAGE21/PAGEOFF12 → Arm64GotPage21/Arm64GotPageOff12; a 64-bit UNSIGNED → Abs64. SUBTRACTOR, TLV and
    /// pointer-to-GOT entries cannot be patched.
    /// </summary>
    public override MappedRelocation? MapRelocation(ObjectRelocation relocation)
    {
        RelocationKind? kind = relocation.Type switch
        {
            Arm64MachORelocations.Branch26 => RelocationKind.Arm64Branch26,
            Arm64MachORelocations.Page21 => RelocationKind.Arm64Page21,
            Arm64MachORelocations.PageOff12 => RelocationKind.Arm64PageOff12,
            Arm64MachORelocations.GotLoadPage21 when relocation.Addend == 0 => RelocationKind.Arm64GotPage21,
            Arm64MachORelocations.GotLoadPageOff12 when relocation.Addend == 0 => RelocationKind.Arm64GotPageOff12,
            Arm64MachORelocations.Unsigned when relocation.Width == 8 => RelocationKind.Abs64,
            _ => null,
        };
        return kind is RelocationKind k ? new MappedRelocation(k, relocation.Addend) : null;
    }

    /// <inheritdoc />
    public override string UnsupportedRelocationHint => "the stencil may use thread-local storage, a 32-bit pointer or a difference of addresses";

    /// <summary>A <c>b</c> (0x14000000 | imm26) whose field, the last relocation, ends the code.</summary>
    public override bool EndsWithTailJump(ReadOnlySpan<byte> code, Relocation last) => Arm64Stencils.EndsWithTailJump(code, last);

    /// <inheritdoc />
    public override bool TailIsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations) => Arm64Stencils.TailIsBranchTarget(code, relocations);

    /// <inheritdoc />
    public override IEnumerable<string> Disassemble(byte[] code, IReadOnlyList<Relocation> relocations, IReadOnlyList<string>? holeNames) =>
        Arm64Listing.Lines(code, relocations, holeNames);
}
