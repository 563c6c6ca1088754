using System;
using System.Collections.Generic;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.LinuxX64;

/// <summary>x86-64 Linux: ELF objects, System V psABI relocations, the medium code model.</summary>
public sealed class LinuxX64Target : BuildTarget
{
    /// <summary>The one instance.</summary>
    public static readonly LinuxX64Target Instance = new();

    private LinuxX64Target() { }

    /// <inheritdoc />
    public override TableTarget Table => TableTarget.LinuxX64;

    /// <summary>
    /// Small code model for data (narrow holes are imm32), medium with a zero large-data threshold so <c>.ldata</c>
    /// symbols (wide holes) are reached by <c>movabs</c>; no PIC (no GOT).
    /// </summary>
    public override IReadOnlyList<string> ClangFlags(string optimization) =>
        CommonFlags(optimization, "-fno-pic", "-mcmodel=medium", "-mlarge-data-threshold=0");

    /// <summary>
    /// Holes are addresses of weak, hidden, undefined symbols: in a <c>.data.*</c> section for narrow variants (the
    /// small code model gives 32-bit immediates) and in an <c>.ldata.*</c> section for wide ones (<c>movabs</c>). A
    /// narrow data-pointer hole is written in assembly, <c>movl $sym, %r32</c> (R_X86_64_32, zero-extended: values below
    /// 2^32): clang would address the memory of a small-model symbol RIP-relatively (<c>[rip + sym + 8]</c>), which no
    /// hole value far from the code fits. Operations on a narrow hole are instructions with the hole as their immediate
    /// (<see cref="X64HoleOperations"/>: ELF has the sign-extended imm32 and the imm8 fields).
    /// </summary>
    public override string CPrelude { get; } = string.Join("\n",
        "/* x86-64: narrow holes are small-model data (imm32/disp32), wide holes large-model data (movabs imm64). */",
        "#define PATCHOULY_NARROW(sym) extern char sym[] __attribute__((weak, visibility(\"hidden\"), section(\".data.patchouly\")))",
        "#define PATCHOULY_WIDE(sym) extern char sym[] __attribute__((weak, visibility(\"hidden\"), section(\".ldata.patchouly\")))",
        "#define PATCHOULY_NARROW_BITS(sym) ((uintptr_t)(sym))",
        "#define PATCHOULY_WIDE_BITS(sym) ((uintptr_t)(sym))",
        "#define PATCHOULY_NARROW_POINTER_BITS(sym) ({ uintptr_t patchouly_p; __asm__(\"movl $\" #sym \", %k0\" : \"=r\"(patchouly_p)); patchouly_p; })",
        X64HoleOperations.Prelude(wideOperations: true, shifts: true));

    /// <inheritdoc />
    public override ObjectFormat ObjectFormat => ObjectFormat.Elf;

    /// <inheritdoc />
    public override ObjectFile ReadObject(byte[] data, string? fileName) => ElfObjectFile.Read(data, fileName);

    /// <inheritdoc />
    public override IReadOnlyList<string> RegisterNames => X64Stencils.RegisterNames;

    /// <inheritdoc />
    public override IReadOnlyList<string> FloatRegisterNames => X64Stencils.FloatRegisterNames;

    /// <summary>The psABI's RELA relocations; addends are the table's own (S + A, S + A − P).</summary>
    public override MappedRelocation? MapRelocation(ObjectRelocation relocation) =>
        Kind(relocation.Type) is RelocationKind kind ? new MappedRelocation(kind, relocation.Addend) : null;

    private static RelocationKind? Kind(uint type) => (X86_64RelocationType)type switch
    {
        X86_64RelocationType.Abs64 => RelocationKind.Abs64,
        X86_64RelocationType.Abs32 => RelocationKind.Abs32,
        X86_64RelocationType.Abs32S => RelocationKind.Abs32S,
        X86_64RelocationType.Pc32 or X86_64RelocationType.Plt32 => RelocationKind.Rel32,
        X86_64RelocationType.Abs16 => RelocationKind.Abs16,
        X86_64RelocationType.Abs8 => RelocationKind.Abs8,
        X86_64RelocationType.Pc64 => RelocationKind.Rel64,
        _ => null,
    };

    /// <inheritdoc />
    public override string UnsupportedRelocationHint => "the stencil may use the GOT, TLS or a PLT";

    /// <summary>Makes each conditional exit one conditional jump (<see cref="X64ExitJumps"/>).</summary>
    public override bool TryShorten(byte[] code, IReadOnlyList<Relocation> relocations, out byte[] rewritten, out Relocation[] moved) =>
        X64ExitJumps.TryFold(code, relocations, out rewritten, out moved, out _);

    /// <summary>A 5-byte <c>jmp rel32</c> (E9) whose field, the last relocation, ends the code.</summary>
    public override bool EndsWithTailJump(ReadOnlySpan<byte> code, Relocation last) => X64Stencils.EndsWithTailJump(code, last);

    /// <inheritdoc />
    public override bool TailIsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations) => X64Stencils.TailIsBranchTarget(code, relocations);

    /// <inheritdoc />
    public override IEnumerable<string> Disassemble(byte[] code, IReadOnlyList<Relocation> relocations, IReadOnlyList<string>? holeNames) =>
        X64Disassembler.Lines(code, relocations, holeNames);
}
