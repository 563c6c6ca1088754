using System;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime.Internal;

/// <summary>
/// What the runtime requires of a variant's relocations, and whether a variant can take a set of hole values.
/// </summary>
internal static class VariantRules
{
    /// <summary>
    /// Checks that a variant's relocations are ones this runtime can patch (inside the code, kinds of the library's
    /// target at aligned offsets, indexes within the family's holes, targets and stack values).
    /// </summary>
    /// <exception cref="StencilTablesException">They are not: the tables are corrupt.</exception>
    public static void Validate(StencilLibrary library, StencilFamily family, int variantIndex, in StencilVariant variant, int stackValues)
    {
        var arch = library.Architecture;
        int alignment = TargetRules.InstructionAlignment(arch);
        if (variant.Length % alignment != 0)
            throw new StencilTablesException(
                $"The stencil tables of {library.Name} are corrupt: variant {variantIndex - family.FirstVariant} of stencil {family.Name} is {variant.Length} bytes long, not a whole number of {alignment}-byte {arch} instructions.");
        var relocations = library.RelocationsOf(variant);
        var code = library.CodeOf(variant);
        int fieldsEnd = 0;
        foreach (var r in relocations)
        {
            string? problem = null;
            if (r.Offset < fieldsEnd)
                problem = "overlaps the relocation before it (relocations are sorted by offset and patch separate fields)";
            else if (r.Size == 0 || r.Offset + r.Size > variant.Length)
                problem = "lies outside the variant's code or has no size";
            else if (!TargetRules.Accepts(arch, r.Kind))
                problem = $"is not a relocation of {arch} code";
            else if (r.Offset % alignment != 0)
                problem = $"is not at an instruction of {arch} code ({alignment}-byte aligned)";
            else if (!TargetRules.IsFieldInstruction(r.Kind, code, r.Offset))
                problem = $"is a field of an instruction that is not {TargetRules.FieldInstructionRequirement(r.Kind)}";
            else if (!TargetRules.IsAlignedAddend(r.Kind, r.Addend))
                problem = "is a branch whose addend is not a whole number of instructions";
            else if (RelocationFields.IsIndirect(r.Kind) && r.Addend != 0)
                problem = "is a GOT load with an addend, which the runtime does not support (the entry holds the value itself)";
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
                        else if (r.Kind == RelocationKind.Arm64PageOff12
                                 && TargetRules.ValueAlignment(r.Kind, code, r.Offset) is var size && (size > 8 || (r.Addend & (size - 1)) != 0))
                            problem = $"puts a stack slot offset (a multiple of 8) plus {r.Addend} into the page-offset field of a {size}-byte access, which needs it aligned";
                        break;
                    case PatchKind.Next:
                        if (!r.IsRelative) problem = "refers to the next stencil with an absolute relocation";
                        else if (!IsBranchField(r, code)) problem = NotABranch(r);
                        break;
                    case PatchKind.Target:
                        if (!r.IsRelative) problem = "refers to a target with an absolute relocation";
                        else if (r.Index >= family.Targets) problem = $"refers to target {r.Index}, but the stencil has {family.Targets}";
                        else if (!IsBranchField(r, code)) problem = NotABranch(r);
                        break;
                    case PatchKind.FrameSize:
                        if (family.Kind != StencilFamilyKind.Entry) problem = "refers to the frame size, which only the entry shim may";
                        else if (r.IsRelative) problem = "writes the frame size relatively";
                        else if (r.Kind == RelocationKind.Arm64PageOff12) problem = "writes the frame size into a page-offset field, which keeps only its low 12 bits";
                        break;
                    default:
                        problem = "has an unknown patch kind";
                        break;
                }
            }
            fieldsEnd = r.Offset + r.Size;
            if (problem is not null)
                throw new StencilTablesException(
                    $"The stencil tables of {library.Name} are corrupt: relocation '{r}' of stencil {family.Name} (variant {variantIndex - family.FirstVariant}) {problem}.");
        }
    }

    private static string NotABranch(in Relocation r) => r.Kind == RelocationKind.Arm64Branch26
        ? $"is a branch field of an instruction that is {TargetRules.RelativeHoleRequirement(r.Kind)}"
        : $"is a {r.Kind} field, which is not a branch (jumps to the next stencil or a target must be b or bl)";

    /// <summary>
    /// Whether a relocation to the next stencil or a target can be patched as a branch: always for the x86-64 relative
    /// kinds; an AArch64 Branch26 field must be a <c>b</c>/<c>bl</c> (other branches have smaller fields); no other
    /// kind (an <c>adrp</c> of the next stencil's page is not a branch).
    /// </summary>
    public static bool IsBranchField(in Relocation r, ReadOnlySpan<byte> code) =>
        r.Kind is RelocationKind.Rel32 or RelocationKind.Rel64
        || (r.Kind == RelocationKind.Arm64Branch26 && TargetRules.IsUsableRelativeHole(r.Kind, code, r.Offset));

    /// <summary>
    /// The first hole whose value the variant cannot take, or -1 when it can take them all. An absolute hole field
    /// must fit the value; a PC-relative one must belong to a direct call or jump (which reaches any address through a
    /// far jump) or be a 64-bit field.
    /// </summary>
    public static int FirstUnusableHole(StencilLibrary library, in StencilVariant variant, ReadOnlySpan<ulong> holes)
    {
        var code = library.CodeOf(variant);
        foreach (var r in library.RelocationsOf(variant))
        {
            if (r.Patch != PatchKind.Hole) continue;
            bool usable = r.IsRelative
                ? TargetRules.IsUsableRelativeHole(r.Kind, code, r.Offset)
                : r.Fits(holes[r.Index])
                  && unchecked(holes[r.Index] + (ulong)(long)r.Addend) % (ulong)TargetRules.ValueAlignment(r.Kind, code, r.Offset) == 0;
            if (!usable) return r.Index;
        }
        return -1;
    }
}
