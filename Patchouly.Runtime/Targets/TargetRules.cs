using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.Arm64;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>
/// The target seam for tables and emitting: per <see cref="TargetArchitecture"/>, which relocation kinds its code may
/// have, how long the droppable trailing jump is and how it is recognised, which kind a branch inside the body uses,
/// and the size limits under which every branch inside a function or module reaches. Static methods that switch on the
/// architecture, called when a library's plan is built or code is linked, never per patch.
/// </summary>
internal static class TargetRules
{
    /// <summary>True when code of <paramref name="architecture"/> may carry relocations of <paramref name="kind"/>.</summary>
    public static bool Accepts(TargetArchitecture architecture, RelocationKind kind) => architecture switch
    {
        TargetArchitecture.X64 => kind is >= RelocationKind.Abs64 and <= RelocationKind.Rel64,
        TargetArchitecture.Arm64 => RelocationFields.IsInstructionField(kind),
        _ => false,
    };

    /// <summary>The length of the trailing jump fall-through elision drops.</summary>
    public static int TailJumpLength(TargetArchitecture architecture) =>
        architecture == TargetArchitecture.Arm64 ? Arm64Code.TailJumpLength : X64Code.TailJumpLength;

    /// <summary>The alignment of every instruction (1 on x86-64, 4 on AArch64): code lengths and field offsets are multiples of it.</summary>
    public static int InstructionAlignment(TargetArchitecture architecture) =>
        architecture == TargetArchitecture.Arm64 ? Arm64Code.InstructionSize : 1;

    /// <summary>The relocation kind of a trailing jump (the kind a pending tail is patched with when kept).</summary>
    public static RelocationKind TailJumpKind(TargetArchitecture architecture) =>
        architecture == TargetArchitecture.Arm64 ? RelocationKind.Arm64Branch26 : RelocationKind.Rel32;

    /// <summary>
    /// The largest function body: every branch inside it must reach (rel32: 1 GiB is far inside ±2 GiB; AArch64
    /// <c>b</c>/<c>bl</c>: ±128 MiB).
    /// </summary>
    public static int MaxCodeSize(TargetArchitecture architecture) =>
        architecture == TargetArchitecture.Arm64 ? Arm64MaxImageSize : FunctionBuilder.MaxCodeSize;

    /// <summary>
    /// The largest linked image (entry shims, bodies, far jumps): every call site must reach the far jumps at its end and
    /// every entry shim its body.
    /// </summary>
    public static int MaxImageSize(TargetArchitecture architecture) =>
        architecture == TargetArchitecture.Arm64 ? Arm64MaxImageSize : ExecutableMemory.MaxSize;

    /// <summary>128 MiB: the reach of <c>b</c>/<c>bl</c> forwards.</summary>
    private const int Arm64MaxImageSize = 1 << 27;

    /// <summary>
    /// True when the variant's trailing jump can be dropped: it is flagged, its code really ends with the target's jump
    /// (<c>E9 rel32</c>; <c>b</c>), and its last relocation is that field, going to the next stencil or a target.
    /// </summary>
    public static bool HasDroppableTail(StencilLibrary library, in StencilVariant variant)
    {
        if ((variant.Flags & VariantFlags.EndsWithJump) == 0 || variant.RelocationCount == 0) return false;
        var last = library.Relocations[variant.RelocationStart + variant.RelocationCount - 1];
        if (last.Patch is not (PatchKind.Next or PatchKind.Target)) return false;
        var code = library.CodeOf(variant);
        return library.Architecture switch
        {
            TargetArchitecture.X64 => X64Code.EndsWithJump(code, last),
            TargetArchitecture.Arm64 => Arm64Code.EndsWithJump(code, last),
            _ => false,
        };
    }

    /// <summary>
    /// True when a PC-relative hole field of <paramref name="kind"/> at <paramref name="field"/> belongs to a direct
    /// call or jump (<c>call</c>/<c>jmp rel32</c>; <c>b</c>/<c>bl</c>), which reaches any address through a far jump,
    /// or is a 64-bit field. Other PC-relative hole fields (a RIP-relative <c>lea</c>) can take no value.
    /// </summary>
    public static bool IsUsableRelativeHole(RelocationKind kind, ReadOnlySpan<byte> code, int field) => kind switch
    {
        RelocationKind.Rel64 => true,
        RelocationKind.Rel32 => X64Code.IsDirectCallOrJump(code, field),
        RelocationKind.Arm64Branch26 => Arm64Code.IsBranch(code, field),
        _ => false,
    };

    /// <summary>
    /// True when the instruction at <paramref name="field"/> is one a field of <paramref name="kind"/> can be patched
    /// into: an <c>adrp</c> for the page kinds, an <c>add</c> (immediate) or a load/store with an unsigned offset for
    /// <see cref="RelocationKind.Arm64PageOff12"/>, a 64-bit <c>ldr</c> for <see cref="RelocationKind.Arm64GotPageOff12"/>;
    /// always for the other kinds (whole fields, and instructions checked elsewhere).
    /// </summary>
    public static bool IsFieldInstruction(RelocationKind kind, ReadOnlySpan<byte> code, int field)
    {
        if (kind is not (RelocationKind.Arm64Page21 or RelocationKind.Arm64GotPage21 or RelocationKind.Arm64PageOff12 or RelocationKind.Arm64GotPageOff12))
            return true;
        if (field < 0 || field % Arm64Code.InstructionSize != 0 || field + 4 > code.Length) return false;
        uint word = Arm64Code.WordAt(code, field);
        return kind switch
        {
            RelocationKind.Arm64PageOff12 => Arm64Code.PageOffsetScale(word) >= 0,
            RelocationKind.Arm64GotPageOff12 => Arm64Code.IsLdr64UnsignedOffset(word),
            _ => Arm64Code.IsAdrp(word),
        };
    }

    /// <summary>
    /// The alignment the final value of a field of <paramref name="kind"/> at <paramref name="field"/> must have: the
    /// access size of the load or store a <see cref="RelocationKind.Arm64PageOff12"/> field belongs to (its imm12 is
    /// scaled by it); 1 otherwise. The instruction must be one <see cref="IsFieldInstruction"/> accepts.
    /// </summary>
    public static int ValueAlignment(RelocationKind kind, ReadOnlySpan<byte> code, int field) =>
        kind == RelocationKind.Arm64PageOff12 ? 1 << Math.Max(0, Arm64Code.PageOffsetScale(Arm64Code.WordAt(code, field))) : 1;

    /// <summary>False for a <c>b</c>/<c>bl</c> field whose addend is not a multiple of 4 (its destination would not be an instruction).</summary>
    public static bool IsAlignedAddend(RelocationKind kind, int addend) =>
        kind != RelocationKind.Arm64Branch26 || (addend & (Arm64Code.InstructionSize - 1)) == 0;

    /// <summary>What the instruction at a field of <paramref name="kind"/> must be, for messages.</summary>
    public static string FieldInstructionRequirement(RelocationKind kind) => kind switch
    {
        RelocationKind.Arm64PageOff12 => "an add (immediate) or a load/store with an unsigned offset",
        RelocationKind.Arm64GotPageOff12 => "a 64-bit ldr with an unsigned offset",
        _ => "an adrp",
    };

    /// <summary>What an instruction must be for a relocation of <paramref name="kind"/> to be patched, for messages.</summary>
    public static string RelativeHoleRequirement(RelocationKind kind) => kind switch
    {
        RelocationKind.Arm64Branch26 => "not a b or bl",
        RelocationKind.Arm64Page21 => "an adrp, which reaches only values within 4 GiB of the code",
        _ => "not a call or jmp",
    };
}
