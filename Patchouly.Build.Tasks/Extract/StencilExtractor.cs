using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Generators.Model;
using Patchouly.Generators.Variants;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Extract;

/// <summary>
/// Reads every variant function out of the compiled objects: its bytes, and each relocation mapped to what it patches
/// (a hole, a stack slot, the next stencil, a target, the frame size). Anything the runtime could not patch correctly
/// is an error naming the stencil: data-section references, calls to external functions, unknown relocation types.
/// </summary>
internal static class StencilExtractor
{
    /// <summary>Extracts every variant; <paramref name="familyObject"/>, when given, names the object (an index into
    /// <paramref name="objects"/>) each family is read from (cached objects may hold older copies of other families).</summary>
    public static ExtractedLibrary Extract(CLibrarySource source, BuildTarget target, IEnumerable<ObjectFile> objects, IReadOnlyList<int>? familyObject = null)
    {
        if (familyObject is not null)
        {
            var list = objects.ToList();
            var all = new List<ExtractedVariant>(source.Variants.Count);
            var byObject = new Dictionary<int, ExtractedLibrary>();
            foreach (var group in source.Variants.GroupBy(v => familyObject[v.Family]))
                byObject[group.Key] = Extract(source, target, [list[group.Key]], group.ToList());
            // Keep the order of source.Variants (by family, then slot).
            var lookup = byObject.Values.SelectMany(e => e.Variants).ToDictionary(v => v.Symbol, StringComparer.Ordinal);
            foreach (var v in source.Variants) all.Add(lookup[v.Symbol]);
            return new ExtractedLibrary(all);
        }
        return Extract(source, target, objects, source.Variants);
    }

    private static ExtractedLibrary Extract(CLibrarySource source, BuildTarget target, IEnumerable<ObjectFile> objects, IReadOnlyList<VariantSymbol> variants)
    {
        var library = source.Library;
        var functions = new Dictionary<string, (ObjectFile Object, ObjectSymbol Symbol)>(StringComparer.Ordinal);
        foreach (var obj in objects)
        {
            if (obj.Format != target.ObjectFormat || obj.Architecture != target.Table.Architecture)
                throw new StencilExtractionException(library.Name,
                    $"the object file {obj.FileName} is for machine {obj.MachineName} ({obj.Format}, {ArchitectureName(obj.Architecture)}), not {ArchitectureName(target.Table.Architecture)} ({target.ObjectFormat}) as target {target.RuntimeIdentifier} needs");
            if (target.CheckObject(obj) is string problem)
                throw new StencilExtractionException(library.Name, problem);
            foreach (var symbol in obj.DefinedFunctions)
                functions[symbol.Name] = (obj, symbol);
        }

        var result = new List<ExtractedVariant>(variants.Count);
        foreach (var variant in variants)
        {
            var family = library.Families[variant.Family];
            if (!functions.TryGetValue(variant.Symbol, out var found))
                throw new StencilExtractionException(family.Name, $"variant {variant.Symbol} is missing from the compiled objects");
            result.Add(ExtractVariant(source, target, family, variant, found.Object, found.Symbol));
        }
        return new ExtractedLibrary(result);
    }

    private static ExtractedVariant ExtractVariant(CLibrarySource source, BuildTarget target, FamilyModel family, VariantSymbol variant, ObjectFile obj, ObjectSymbol symbol)
    {
        string where = $"{family.Name} (variant {variant.Symbol})";
        var section = symbol.Section ?? throw new StencilExtractionException(where, "its symbol has no section");
        if (!section.IsExecutable)
            throw new StencilExtractionException(where, $"its code is in non-executable section {section.Name}");
        if (symbol.Size == 0 || symbol.Size > ushort.MaxValue)
            throw new StencilExtractionException(where, $"its code is {symbol.Size} bytes; a stencil must be 1 to {ushort.MaxValue} bytes");
        var data = section.Data.Span;
        int start = checked((int)symbol.Value), length = (int)symbol.Size;
        if ((ulong)data.Length < symbol.Value + symbol.Size)
            throw new StencilExtractionException(where, $"its code (0x{symbol.Value:x}, {symbol.Size} bytes) does not lie within {section}");
        byte[] code = data.Slice(start, length).ToArray();

        var relocations = new List<Relocation>();
        foreach (var rel in obj.RelocationsFor(section))
        {
            if (rel.Offset < symbol.Value || rel.Offset >= symbol.Value + symbol.Size) continue;
            relocations.Add(MapRelocation(source, target, family, variant, where, rel, (int)(rel.Offset - symbol.Value)));
        }
        relocations.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        for (int i = 1; i < relocations.Count; i++)
            if (relocations[i].Offset < relocations[i - 1].Offset + relocations[i - 1].Size)
                throw new StencilExtractionException(where, $"relocations at 0x{relocations[i - 1].Offset:x} and 0x{relocations[i].Offset:x} overlap");

        if (target.TryShorten(code, relocations, out var shorter, out var moved))
        {
            code = shorter;
            relocations = [.. moved];
        }

        var flags = VariantFlags.None;
        if (relocations.Count > 0 && target.EndsWithTailJump(code, relocations[relocations.Count - 1]))
        {
            flags |= VariantFlags.EndsWithJump;
            if (target.TailIsBranchTarget(code, relocations)) flags |= VariantFlags.TailIsBranchTarget;
        }
        return new ExtractedVariant(variant.Family, variant.Variant, variant.Symbol, code, relocations, flags);
    }

    private static Relocation MapRelocation(CLibrarySource source, BuildTarget buildTarget, FamilyModel family, VariantSymbol variant, string where, ObjectRelocation rel, int offset)
    {
        var mapped = buildTarget.MapRelocation(rel) ?? throw new StencilExtractionException(where,
            $"relocation {rel.TypeName} at 0x{offset:x} is not supported ({buildTarget.UnsupportedRelocationHint})");
        var kind = mapped.Kind;
        long addend = mapped.Addend;
        var target = rel.Symbol;
        if (target.IsDefined)
        {
            string what = target.Kind == ObjectSymbolKind.Section || target.Section is not null
                ? $"data in section {target.Section?.Name ?? target.Name} (a constant table, jump table, literal or static variable)"
                : $"symbol {target.Name}";
            throw new StencilExtractionException(where, $"its code refers to {what}; stencils may only use values in registers, holes and memory reached through pointers");
        }
        if (!source.PatchSymbols.TryGetValue(target.Name, out var patch))
            throw new StencilExtractionException(where,
                $"its code calls or refers to the external symbol '{target.Name}' (clang emits such calls for large copies, some 128-bit or floating-point operations); only holes and targets may be external");
        if (addend < Relocation.MinAddend || addend > Relocation.MaxAddend)
            throw new StencilExtractionException(where, $"relocation at 0x{offset:x} has addend {addend}, outside the table format's range {Relocation.MinAddend}..{Relocation.MaxAddend}");

        int stackValues = family.Kind.ToTable() == StencilFamilyKind.Entry ? 0 : StackValues(source, family, variant);
        switch (patch.Kind.ToTable())
        {
            case PatchKind.Hole:
                if (patch.Index >= family.Holes.Length || !target.Name.StartsWith(family.CName + "__", StringComparison.Ordinal))
                    throw new StencilExtractionException(where, $"refers to hole symbol {target.Name} of another stencil");
                if (patch.Wide != variant.Wide)
                    throw new StencilExtractionException(where, $"a {(variant.Wide ? "wide" : "narrow")} variant refers to {(patch.Wide ? "wide" : "narrow")} hole {target.Name}");
                break;
            case PatchKind.Slot:
                if (patch.Index >= stackValues)
                    throw new StencilExtractionException(where, $"refers to stack value {patch.Index}, but the variant has {stackValues}");
                if (RelocationFields.IsRelative(kind) || RelocationFields.Size(kind) < 4)
                    throw new StencilExtractionException(where, $"addresses a stack slot with a {kind} relocation");
                break;
            case PatchKind.Target:
                bool ownTarget = family.Kind.ToTable() == StencilFamilyKind.Entry ? target.Name == VariantNames.Body : target.Name.StartsWith(family.CName + "__", StringComparison.Ordinal);
                if (!ownTarget || patch.Index >= family.TargetCount)
                    throw new StencilExtractionException(where, $"jumps to {target.Name}, which is not one of its targets");
                goto case PatchKind.Next;
            case PatchKind.Next:
                if (kind is not (RelocationKind.Rel32 or RelocationKind.Arm64Branch26))
                    throw new StencilExtractionException(where, $"refers to continuation {target.Name} with a {kind} relocation instead of a relative jump");
                if (patch.Kind.ToTable() == PatchKind.Next && family.Kind.ToTable() is StencilFamilyKind.Return or StencilFamilyKind.Entry or StencilFamilyKind.Jump)
                    throw new StencilExtractionException(where, "continues to the next stencil, but it cannot have one");
                break;
            case PatchKind.FrameSize:
                if (family.Kind.ToTable() != StencilFamilyKind.Entry)
                    throw new StencilExtractionException(where, "refers to the frame size, which only the entry shim may");
                break;
        }
        return new Relocation((ushort)offset, kind, patch.Kind.ToTable(), (byte)patch.Index, (int)addend);
    }

    private static string ArchitectureName(TargetArchitecture? architecture) => architecture switch
    {
        TargetArchitecture.X64 => "x86-64",
        TargetArchitecture.Arm64 => "AArch64",
        null => "an architecture no target uses",
        var other => other.ToString()!,
    };

    private static int StackValues(CLibrarySource source, FamilyModel family, VariantSymbol variant) =>
        VariantIndex.StackValues(variant.Variant, family.InputCount + family.OutputCount, source.Library.FamilyRegisters(family), family.FloatMask, source.Library.FamilyFloatRegisters(family));
}
