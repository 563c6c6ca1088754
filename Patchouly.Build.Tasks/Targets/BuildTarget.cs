using System.Linq;
using System;
using System.Collections.Generic;
using System.IO;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets;

/// <summary>
/// What the build knows about one target platform, and all of it: the clang triple and flags, the C macros that give
/// holes their encodings, the object format and its reader, the mapping of its relocations onto the table format's
/// <see cref="RelocationKind"/>s, how a droppable trailing jump looks, and the register names (for comments). Each
/// target is one folder below <c>Targets/</c>; <see cref="BuildTargets"/> chooses among them.
/// </summary>
public abstract class BuildTarget
{
    /// <summary>The platform (runtime identifier, triple, architecture), shared with the runtime.</summary>
    public abstract TableTarget Table { get; }

    /// <summary>The .NET runtime identifier, for example <c>linux-arm64</c>.</summary>
    public string RuntimeIdentifier => Table.RuntimeIdentifier;

    /// <summary>The clang target triple.</summary>
    public string Triple => Table.Triple;

    /// <summary>The clang flags for an optimisation level ("O3", "O2", "Os"), <c>--target</c> included.</summary>
    public abstract IReadOnlyList<string> ClangFlags(string optimization);

    /// <summary>
    /// The flags every target shares around its code-model flags: freestanding C with no libc calls, wrapping signed
    /// arithmetic, no strict aliasing; one section per function; no unwind tables, stack protector or jump tables; no
    /// implicit vector code (it would load its constants from a data section, which a stencil cannot reach).
    /// </summary>
    protected IReadOnlyList<string> CommonFlags(string optimization, params string[] codeModel) =>
    [
        "--target=" + Triple, "-c", "-std=gnu11", "-" + optimization,
        "-ffreestanding", "-fno-builtin", "-fwrapv", "-fno-strict-aliasing", "-fno-delete-null-pointer-checks",
        .. codeModel, "-ffunction-sections",
        "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-fno-stack-protector", "-fno-jump-tables",
        "-fomit-frame-pointer", "-mno-implicit-float", "-w",
    ];

    /// <summary>
    /// C that precedes every compilation unit: defines <c>PATCHOULY_NARROW(sym)</c> and <c>PATCHOULY_WIDE(sym)</c>
    /// (declare a hole symbol) and <c>PATCHOULY_NARROW_BITS(sym)</c> and <c>PATCHOULY_WIDE_BITS(sym)</c> (its value
    /// as a <c>uintptr_t</c>, encoded as a 32-bit or 64-bit constant the runtime patches), and
    /// <c>PATCHOULY_NARROW_POINTER_BITS(sym)</c>, the value of a narrow hole of a data-pointer type: a stencil
    /// dereferences it, and its memory must be addressed through the absolute value, never PC-relatively (no hole value
    /// is sure to lie near the code, so a PC-relative data access makes the variant unusable).
    /// </summary>
    public abstract string CPrelude { get; }

    /// <summary>The format of the objects clang produces for this target.</summary>
    public abstract ObjectFormat ObjectFormat { get; }

    /// <summary>Reads and checks one object of <see cref="ObjectFormat"/> (its strict reader, then the neutral view).</summary>
    /// <exception cref="ObjectFileException">The data is not a well-formed object of that format.</exception>
    public abstract ObjectFile ReadObject(byte[] data, string? fileName);

    /// <summary>Reads and checks the object file at <paramref name="path"/> (I/O errors are not wrapped).</summary>
    /// <exception cref="ObjectFileException">The file is not a well-formed object of <see cref="ObjectFormat"/>.</exception>
    public ObjectFile LoadObject(string path) => ReadObject(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>The physical registers: the frame pointer, then register locations r0, r1, … (preserve_none order).</summary>
    public abstract IReadOnlyList<string> RegisterNames { get; }

    /// <summary>The physical registers of float register locations f0, f1, … (preserve_none's floating-point arguments).</summary>
    public abstract IReadOnlyList<string> FloatRegisterNames { get; }

    /// <summary>The table kind and addend of an object-file relocation, or null when stencils may not contain its type.</summary>
    /// <remarks>Only the type and the addend decide; what the relocation refers to is checked
    /// by the extractor.</remarks>
    public abstract MappedRelocation? MapRelocation(ObjectRelocation relocation);

    /// <summary>A reason to reject a whole object (something the target's clang added that the runtime cannot use),
    /// or null when it is fine. Checked before any variant is extracted from it.</summary>
    public virtual string? CheckObject(ObjectFile obj) => null;

    /// <summary>Why a stencil might contain an unsupported relocation, for the error message.</summary>
    public abstract string UnsupportedRelocationHint { get; }

    /// <summary>
    /// Rewrites a variant's code into shorter code that does the same, or returns false when the target has no such
    /// rewrite or nothing in <paramref name="code"/> is rewritten (then the variant stays as clang compiled it). x86-64
    /// makes each conditional exit one <c>jcc</c> (a jump over a jump folded, a jump to a stub threaded).
    /// </summary>
    /// <param name="code">The variant's code.</param>
    /// <param name="relocations">Its relocations, by offset, none overlapping.</param>
    /// <param name="rewritten">The new code.</param>
    /// <param name="moved">Every relocation at its offset in the new code, by offset.</param>
    public virtual bool TryShorten(byte[] code, IReadOnlyList<Relocation> relocations, out byte[] rewritten, out Relocation[] moved)
    {
        rewritten = code;
        moved = [];
        return false;
    }

    /// <summary>True when <paramref name="code"/> ends with an unconditional jump whose field is <paramref name="last"/>
    /// (the variant's last relocation), which the runtime drops when its destination is the code placed next.</summary>
    public abstract bool EndsWithTailJump(ReadOnlySpan<byte> code, Relocation last);

    /// <summary>True when a branch inside <paramref name="code"/> (one the assembler resolved: its field carries none of
    /// <paramref name="relocations"/>) goes to the trailing jump that <see cref="EndsWithTailJump"/> found.</summary>
    public abstract bool TailIsBranchTarget(ReadOnlySpan<byte> code, IReadOnlyList<Relocation> relocations);

    /// <summary>A listing of one variant's code, an instruction a line, with the relocation each carries.</summary>
    public abstract IEnumerable<string> Disassemble(byte[] code, IReadOnlyList<Relocation> relocations, IReadOnlyList<string>? holeNames);

    /// <summary>A comment naming the registers, for the C and the tables.</summary>
    public string DescribeRegisters(int registers, int floatRegisters = 0)
    {
        var names = new List<string>();
        for (int i = 1; i <= registers && i < RegisterNames.Count; i++) names.Add(RegisterNames[i]);
        string text = $"{RuntimeIdentifier} ({Triple}): frame pointer in {RegisterNames[0]}; registers r0..r{registers - 1} in {string.Join(", ", names)} (preserve_none)";
        if (floatRegisters > 0)
            text += $"; float registers f0..f{floatRegisters - 1} in {string.Join(", ", FloatRegisterNames.Take(floatRegisters))}";
        return text;
    }

    /// <inheritdoc />
    public override string ToString() => RuntimeIdentifier;
}
