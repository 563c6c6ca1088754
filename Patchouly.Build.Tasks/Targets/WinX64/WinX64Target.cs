using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Coff;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Targets.LinuxX64;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets.WinX64;

/// <summary>
/// x86-64 Windows: COFF objects, the Microsoft x64 ABI for C functions (the entry shim), <c>preserve_none</c> between
/// stencils. Windows code is position-independent by default (clang addresses every symbol RIP-relative, REL32, in
/// every code model but the large one, which would also turn jumps into <c>movabs</c> + <c>jmp reg</c>), so holes are
/// written in assembly: <c>movl $hole</c> (ADDR32) for narrow variants, <c>movabsq $hole</c> (ADDR64) for wide ones;
/// jumps and calls stay <c>jmp</c>/<c>call rel32</c> (REL32).
/// </summary>
public sealed class WinX64Target : BuildTarget
{
    /// <summary>The one instance.</summary>
    public static readonly WinX64Target Instance = new();

    private WinX64Target() { }

    /// <inheritdoc />
    public override TableTarget Table => TableTarget.WinX64;

    /// <summary>
    /// The default (small) code model: jumps and calls are REL32. <c>-mno-stack-arg-probe</c>: no <c>__chkstk</c> call
    /// for the entry's spill frame (the prelude probes it inline).
    /// </summary>
    public override IReadOnlyList<string> ClangFlags(string optimization) => CommonFlags(optimization, "-mno-stack-arg-probe");

    /// <summary>
    /// A hole's value is an immediate the assembler relocates: <c>movl $sym, %k0</c> (IMAGE_REL_AMD64_ADDR32,
    /// zero-extended: values below 2^32) for narrow variants and <c>movabsq $sym, %0</c> (ADDR64) for wide ones. The
    /// symbols are plain undefined externals (weak ones would make clang add <c>.refptr</c> stubs). <c>__builtin_alloca</c>
    /// (the entry's spill frame) touches the frame's pages nearest first before it allocates, as <c>__chkstk</c>
    /// would: Windows commits a thread's stack through one guard page at a time. Operations on a narrow hole are
    /// instructions with the hole as their immediate (<see cref="X64HoleOperations"/>) for 32-bit operands only: COFF
    /// has neither a sign-extended 32-bit nor an 8-bit relocation.
    /// </summary>
    public override string CPrelude { get; } = string.Join("\n",
        "/* x86-64 Windows: holes are immediates written in assembly, movl (ADDR32) for narrow variants and movabsq (ADDR64) for wide ones. */",
        "#define PATCHOULY_NARROW(sym) extern char sym[]",
        "#define PATCHOULY_WIDE(sym) extern char sym[]",
        "#define PATCHOULY_NARROW_BITS(sym) ({ uintptr_t patchouly_n; __asm__(\"movl $\" #sym \", %k0\" : \"=r\"(patchouly_n)); patchouly_n; })",
        "#define PATCHOULY_WIDE_BITS(sym) ({ uintptr_t patchouly_w; __asm__(\"movabsq $\" #sym \", %0\" : \"=r\"(patchouly_w)); patchouly_w; })",
        "#define PATCHOULY_NARROW_POINTER_BITS(sym) PATCHOULY_NARROW_BITS(sym)",
        "/* Windows commits the stack through a guard page: the spill frame's pages are touched nearest first before it is allocated. */",
        "#define __builtin_alloca(size) ({ uintptr_t patchouly_size = (size); \\",
        "  for (uintptr_t patchouly_at = 4096; patchouly_at < patchouly_size + 4096; patchouly_at += 4096) \\",
        "    __asm__ volatile(\"orb $0, (%%rsp,%0)\" : : \"r\"(-patchouly_at) : \"memory\"); \\",
        "  __builtin_alloca(patchouly_size); })",
        X64HoleOperations.Prelude(wideOperations: false, shifts: false));

    /// <inheritdoc />
    public override ObjectFormat ObjectFormat => ObjectFormat.Coff;

    /// <inheritdoc />
    public override ObjectFile ReadObject(byte[] data, string? fileName) => CoffObjectFile.Read(data, fileName);

    /// <summary>The same order as on Linux (clang's <c>preserve_none</c> list does not depend on the OS): R12 is the frame.</summary>
    public override IReadOnlyList<string> RegisterNames => X64Stencils.RegisterNames;

    /// <inheritdoc />
    public override IReadOnlyList<string> FloatRegisterNames => X64Stencils.FloatRegisterNames;

    /// <summary>
    /// ADDR64 → Abs64 and ADDR32 → Abs32 with the field's addend; REL32 and REL32_k (relative to the end of the field
    /// plus k: a rip-relative operand followed by k bytes of immediate) → Rel32 with addend A − 4 − k, the table's
    /// S + A − P. Everything else (ADDR32NB of unwind data, SECREL, SECTION, TOKEN) cannot be patched.
    /// </summary>
    public override MappedRelocation? MapRelocation(ObjectRelocation relocation)
    {
        uint type = relocation.Type;
        if (type == Amd64CoffRelocations.Addr64) return new MappedRelocation(RelocationKind.Abs64, relocation.Addend);
        if (type == Amd64CoffRelocations.Addr32) return new MappedRelocation(RelocationKind.Abs32, relocation.Addend);
        int k = Amd64CoffRelocations.RelativeDistance(type);
        if (k >= 0) return new MappedRelocation(RelocationKind.Rel32, relocation.Addend - 4 - k);
        return null;
    }

    /// <inheritdoc />
    public override string UnsupportedRelocationHint => "the stencil may use unwind data, TLS or a section-relative address";

    /// <summary>
    /// Rejects what clang adds for Windows that the runtime could not use: unwind sections (<c>.pdata</c>,
    /// <c>.xdata</c>: the stencils must be compiled without unwind tables) and <c>.refptr</c> stubs (an address loaded
    /// through memory, clang's way of reaching weak or far symbols); <c>__chkstk</c> calls are reported as external calls.
    /// </summary>
    public override string? CheckObject(ObjectFile obj)
    {
        var unwind = obj.Sections.FirstOrDefault(s => s.Name is ".pdata" or ".xdata" && s.Data.Length > 0);
        if (unwind is not null)
            return $"the object file {obj.FileName} has unwind data ({unwind}); stencils are compiled without unwind tables (-fno-asynchronous-unwind-tables), which this clang ignored";
        var refptr = obj.Symbols.FirstOrDefault(s => s.Name.StartsWith(".refptr.", StringComparison.Ordinal));
        if (refptr is not null)
            return $"the object file {obj.FileName} has a .refptr stub ({refptr.Name}): a symbol's address is loaded from memory, which the runtime cannot patch (a weak or dllimport declaration in the stencil C?)";
        return null;
    }

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
