using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Tables;
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
    public static ExtractedLibrary Extract(CLibrarySource source, IEnumerable<ElfObject> objects)
    {
        var library = source.Library;
        var functions = new Dictionary<string, (ElfObject Object, ElfSymbol Symbol)>(StringComparer.Ordinal);
        foreach (var obj in objects)
        {
            if (obj.Machine != 62)
                throw new StencilExtractionException(library.Name, $"the object file is for machine {obj.Machine}, not x86-64");
            foreach (var symbol in obj.Symbols)
                if (symbol.Type == ElfSymbolType.Function && !symbol.IsUndefined)
                    functions[symbol.Name] = (obj, symbol);
        }

        var result = new List<ExtractedVariant>(source.Variants.Count);
        foreach (var variant in source.Variants)
        {
            var family = library.Families[variant.Family];
            if (!functions.TryGetValue(variant.Symbol, out var found))
                throw new StencilExtractionException(family.Name, $"variant {variant.Symbol} is missing from the compiled objects");
            result.Add(ExtractVariant(source, family, variant, found.Object, found.Symbol));
        }
        return new ExtractedLibrary(result);
    }

    private static ExtractedVariant ExtractVariant(CLibrarySource source, FamilyModel family, VariantSymbol variant, ElfObject obj, ElfSymbol symbol)
    {
        string where = $"{family.Name} (variant {variant.Symbol})";
        var section = symbol.Section ?? throw new StencilExtractionException(where, "its symbol has no section");
        if (!section.IsExecutable)
            throw new StencilExtractionException(where, $"its code is in non-executable section {section.Name}");
        if (symbol.Size == 0 || symbol.Size > ushort.MaxValue)
            throw new StencilExtractionException(where, $"its code is {symbol.Size} bytes; a stencil must be 1 to {ushort.MaxValue} bytes");
        var data = obj.GetSectionData(section);
        int start = checked((int)symbol.Value), length = (int)symbol.Size;
        byte[] code = data.Slice(start, length).ToArray();

        var relocations = new List<Relocation>();
        foreach (var rel in obj.RelocationsFor(section))
        {
            if (rel.Offset < symbol.Value || rel.Offset >= symbol.Value + symbol.Size) continue;
            relocations.Add(MapRelocation(source, family, variant, where, rel, (int)(rel.Offset - symbol.Value)));
        }
        relocations.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        for (int i = 1; i < relocations.Count; i++)
            if (relocations[i].Offset < relocations[i - 1].Offset + relocations[i - 1].Size)
                throw new StencilExtractionException(where, $"relocations at 0x{relocations[i - 1].Offset:x} and 0x{relocations[i].Offset:x} overlap");

        var flags = VariantFlags.None;
        if (relocations.Count > 0)
        {
            var last = relocations[relocations.Count - 1];
            if (last.Kind == RelocationKind.Rel32 && last.Patch is PatchKind.Next or PatchKind.Target && last.Addend == -4
                && last.Offset == length - 4 && length >= 5 && code[length - 5] == 0xE9)
                flags |= VariantFlags.EndsWithJump;
        }
        return new ExtractedVariant(variant.Family, variant.Variant, variant.Symbol, code, relocations, flags);
    }

    private static Relocation MapRelocation(CLibrarySource source, FamilyModel family, VariantSymbol variant, string where, ElfRelocation rel, int offset)
    {
        var type = rel.X86_64Type;
        var kind = type switch
        {
            X86_64RelocationType.Abs64 => RelocationKind.Abs64,
            X86_64RelocationType.Abs32 => RelocationKind.Abs32,
            X86_64RelocationType.Abs32S => RelocationKind.Abs32S,
            X86_64RelocationType.Pc32 or X86_64RelocationType.Plt32 => RelocationKind.Rel32,
            X86_64RelocationType.Abs16 => RelocationKind.Abs16,
            X86_64RelocationType.Abs8 => RelocationKind.Abs8,
            X86_64RelocationType.Pc64 => RelocationKind.Rel64,
            _ => throw new StencilExtractionException(where,
                $"relocation {X86_64Relocations.Name(type)} at 0x{offset:x} is not supported (the stencil may use the GOT, TLS or a PLT)"),
        };
        var target = rel.Symbol;
        if (!target.IsUndefined)
        {
            string what = target.Type == ElfSymbolType.Section || target.Section is not null
                ? $"data in section {target.Section?.Name ?? target.Name} (a constant table, jump table, literal or static variable)"
                : $"symbol {target.Name}";
            throw new StencilExtractionException(where, $"its code refers to {what}; stencils may only use values in registers, holes and memory reached through pointers");
        }
        if (!source.PatchSymbols.TryGetValue(target.Name, out var patch))
            throw new StencilExtractionException(where,
                $"its code calls or refers to the external symbol '{target.Name}' (clang emits such calls for large copies, some 128-bit or floating-point operations); only holes and targets may be external");
        if (rel.Addend < int.MinValue || rel.Addend > int.MaxValue)
            throw new StencilExtractionException(where, $"relocation at 0x{offset:x} has addend {rel.Addend}, outside 32 bits");

        int registers = source.Library.Registers;
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
                if (kind is not (RelocationKind.Abs32S or RelocationKind.Abs32 or RelocationKind.Abs64))
                    throw new StencilExtractionException(where, $"addresses a stack slot with a {kind} relocation");
                break;
            case PatchKind.Target:
                bool ownTarget = family.Kind.ToTable() == StencilFamilyKind.Entry ? target.Name == VariantNames.Body : target.Name.StartsWith(family.CName + "__", StringComparison.Ordinal);
                if (!ownTarget || patch.Index >= family.TargetCount)
                    throw new StencilExtractionException(where, $"jumps to {target.Name}, which is not one of its targets");
                goto case PatchKind.Next;
            case PatchKind.Next:
                if (kind != RelocationKind.Rel32)
                    throw new StencilExtractionException(where, $"refers to continuation {target.Name} with a {kind} relocation instead of a relative jump");
                if (patch.Kind.ToTable() == PatchKind.Next && family.Kind.ToTable() is StencilFamilyKind.Return or StencilFamilyKind.Entry or StencilFamilyKind.Jump)
                    throw new StencilExtractionException(where, "continues to the next stencil, but it cannot have one");
                break;
            case PatchKind.FrameSize:
                if (family.Kind.ToTable() != StencilFamilyKind.Entry)
                    throw new StencilExtractionException(where, "refers to the frame size, which only the entry shim may");
                break;
        }
        return new Relocation((ushort)offset, kind, patch.Kind.ToTable(), (byte)patch.Index, (int)rel.Addend);
    }

    private static int StackValues(CLibrarySource source, FamilyModel family, VariantSymbol variant)
    {
        int registers = source.Library.Registers, locations = registers + 1;
        int slot = variant.Variant % VariantEnumerator.NarrowSlots(family, registers);
        int count = 0;
        for (int k = 0; k < family.InputCount + family.OutputCount; k++)
        {
            if (slot % locations == registers) count++;
            slot /= locations;
        }
        return count;
    }
}
