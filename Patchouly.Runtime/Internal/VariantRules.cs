using System;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Internal;

/// <summary>
/// What the runtime requires of a variant's relocations, and whether a variant can take a set of hole values.
/// </summary>
internal static class VariantRules
{
    /// <summary>The length of the trailing <c>jmp rel32</c> dropped by fall-through elision.</summary>
    public const int TailJumpLength = 5;

    /// <summary>The recommended x86-64 <c>nop</c> of <paramref name="length"/> bytes (1 to 9).</summary>
    public static ReadOnlySpan<byte> Nop(int length) => length switch
    {
        1 => [0x90],
        2 => [0x66, 0x90],
        3 => [0x0F, 0x1F, 0x00],
        4 => [0x0F, 0x1F, 0x40, 0x00],
        5 => [0x0F, 0x1F, 0x44, 0x00, 0x00],
        6 => [0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
        7 => [0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
        8 => [0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        9 => [0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        _ => throw new ArgumentOutOfRangeException(nameof(length)),
    };

    /// <summary>
    /// Checks that a variant's relocations are ones this runtime can patch (inside the code, known kinds, indexes
    /// within the family's holes, targets and stack values).
    /// </summary>
    /// <exception cref="StencilTablesException">They are not: the tables are corrupt.</exception>
    public static void Validate(StencilLibrary library, StencilFamily family, int variantIndex, in StencilVariant variant, int stackValues)
    {
        var relocations = library.RelocationsOf(variant);
        foreach (var r in relocations)
        {
            string? problem = null;
            if (r.Size == 0 || r.Offset + r.Size > variant.Length)
                problem = "lies outside the variant's code or has no size";
            else
            {
                switch (r.Patch)
                {
                    case PatchKind.Hole:
                        if (r.Index >= family.Holes) problem = $"refers to hole {r.Index}, but the stencil has {family.Holes}";
                        break;
                    case PatchKind.Slot:
                        if (r.IsRelative) problem = "addresses a stack slot relatively";
                        else if (r.Index >= stackValues) problem = $"refers to stack value {r.Index}, but the variant has {stackValues}";
                        break;
                    case PatchKind.Next:
                        if (!r.IsRelative) problem = "refers to the next stencil with an absolute relocation";
                        break;
                    case PatchKind.Target:
                        if (!r.IsRelative) problem = "refers to a target with an absolute relocation";
                        else if (r.Index >= family.Targets) problem = $"refers to target {r.Index}, but the stencil has {family.Targets}";
                        break;
                    case PatchKind.FrameSize:
                        if (family.Kind != StencilFamilyKind.Entry) problem = "refers to the frame size, which only the entry shim may";
                        else if (r.IsRelative) problem = "writes the frame size relatively";
                        break;
                    default:
                        problem = "has an unknown patch kind";
                        break;
                }
            }
            if (problem is not null)
                throw new StencilTablesException(
                    $"The stencil tables of {library.Name} are corrupt: relocation '{r}' of stencil {family.Name} (variant {variantIndex - family.FirstVariant}) {problem}.");
        }
    }

    /// <summary>
    /// True when the variant's trailing jump can be dropped: it is flagged, its code really ends with <c>E9 rel32</c>,
    /// and its last relocation is that field, going to the next stencil or a target.
    /// </summary>
    public static bool HasDroppableTail(StencilLibrary library, in StencilVariant variant)
    {
        if ((variant.Flags & VariantFlags.EndsWithJump) == 0 || variant.RelocationCount == 0 || variant.Length < TailJumpLength)
            return false;
        var last = library.Relocations[variant.RelocationStart + variant.RelocationCount - 1];
        return last.Kind == RelocationKind.Rel32 && last.Patch is PatchKind.Next or PatchKind.Target
            && last.Offset == variant.Length - 4 && library.Code[variant.CodeOffset + variant.Length - TailJumpLength] == 0xE9;
    }

    /// <summary>
    /// The first hole whose value the variant cannot take, or -1 when it can take them all. An absolute hole field
    /// must fit the value; a PC-relative one must be a <c>call rel32</c> or <c>jmp rel32</c> (which reaches any
    /// address through a trampoline) or a 64-bit field.
    /// </summary>
    public static int FirstUnusableHole(StencilLibrary library, in StencilVariant variant, ReadOnlySpan<ulong> holes)
    {
        var code = library.CodeOf(variant);
        foreach (var r in library.RelocationsOf(variant))
        {
            if (r.Patch != PatchKind.Hole) continue;
            bool usable = r.Kind switch
            {
                RelocationKind.Rel64 => true,
                RelocationKind.Rel32 => IsDirectCallOrJump(code, r.Offset),
                _ => r.Fits(holes[r.Index]),
            };
            if (!usable) return r.Index;
        }
        return -1;
    }

    /// <summary>True when the 4-byte field at <paramref name="field"/> is the operand of <c>call rel32</c> (E8) or <c>jmp rel32</c> (E9).</summary>
    public static bool IsDirectCallOrJump(ReadOnlySpan<byte> code, int field) =>
        field >= 1 && field + 4 <= code.Length && code[field - 1] is 0xE8 or 0xE9;
}
