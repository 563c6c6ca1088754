using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.MachO;

/// <summary>Presents a checked <see cref="MachOObject"/> as the format-neutral <see cref="ObjectFile"/>.</summary>
/// <remarks>
/// C symbols lose Mach-O's leading underscore. Symbols carry no size: a function's size is the distance to the next
/// symbol in its section, or to the section's end (clang puts every function into <c>__TEXT,__text</c>, one after
/// another, with <c>MH_SUBSECTIONS_VIA_SYMBOLS</c>). A function is a symbol in an instruction section that is not an
/// assembler-local label (<c>ltmpN</c>, <c>L…</c>). Addends become explicit (for arm64): an
/// <c>ARM64_RELOC_ADDEND</c> entry gives the next entry's addend and is dropped; BRANCH26 takes the instruction's
/// imm26; UNSIGNED takes the field's contents. Relocated instruction immediates (imm26, adrp's immhi:immlo, imm12) and
/// UNSIGNED fields are cleared in a copy of the section, so the extracted code carries no addend of its own.
/// </remarks>
public static class MachOObjectFile
{
    /// <summary>Reads and checks a Mach-O object and returns its neutral view.</summary>
    /// <exception cref="ObjectFileException">The file is not a well-formed 64-bit Mach-O object.</exception>
    public static ObjectFile Read(byte[] data, string? fileName = null) => MachOObject.Read(data, fileName).ToObjectFile();

    /// <summary>The C name of a Mach-O symbol name: without its leading underscore.</summary>
    public static string CName(string name) => name.StartsWith('_') ? name.Substring(1) : name;

    private static bool IsAssemblerLocal(string name) => name.StartsWith("ltmp", StringComparison.Ordinal) || name.StartsWith('L') || name.StartsWith('l');

    /// <summary>The neutral view.</summary>
    public static ObjectFile ToObjectFile(this MachOObject macho)
    {
        uint cpu = macho.CpuType;
        var sections = new ObjectSection[macho.Sections.Count];
        var sectionSymbols = new ObjectSymbol[macho.Sections.Count];
        var addends = new Dictionary<MachORelocation, long>();
        foreach (var s in macho.Sections)
        {
            ReadOnlyMemory<byte> data = macho.GetSectionMemory(s);
            var relocations = macho.RelocationsFor(s);
            if (MachORelocationTypes.HasImplicitAddends(cpu) && relocations.Count > 0 && data.Length > 0)
            {
                byte[] copy = data.ToArray();
                for (int i = 0; i < relocations.Count; i++)
                {
                    var r = relocations[i];
                    if (MachORelocationTypes.IsAddendCarrier(cpu, r.Type)) continue;
                    long addend = i > 0 && MachORelocationTypes.IsAddendCarrier(cpu, relocations[i - 1].Type) ? relocations[i - 1].AddendValue : 0;
                    addends[r] = addend + MachORelocationTypes.ReadImplicitAddend(cpu, copy.AsSpan((int)r.Address), r.Type, r.Width);
                }
                foreach (var r in relocations) MachORelocationTypes.ClearField(cpu, copy.AsSpan((int)r.Address), r.Type, r.Width);
                data = copy;
            }
            sections[s.Ordinal - 1] = new ObjectSection(s.Ordinal, s.FullName, s.IsExecutable, s.SegmentName is "__DATA" or "__DATA_CONST" && s.Name != "__const", data);
            sectionSymbols[s.Ordinal - 1] = new ObjectSymbol(s.FullName, ObjectSymbolKind.Section, true, sections[s.Ordinal - 1], 0, s.Size);
        }

        var starts = new SymbolStarts(macho.Symbols.Where(s => s.Section is not null && !s.IsStab).Select(s => (s.Section!.Ordinal, s.Value)));
        var symbols = new Dictionary<MachOSymbol, ObjectSymbol>();
        foreach (var s in macho.Symbols)
        {
            if (s.IsStab) continue;
            ObjectSection? section = s.Section is null ? null : sections[s.Section.Ordinal - 1];
            bool function = s.Section is { IsExecutable: true } && !IsAssemblerLocal(s.Name);
            ulong offset = s.Section is null ? s.Value : s.Value - s.Section.Address, size = 0;
            if (function && !s.Section!.IsZeroFill)
                size = starts.SizeFrom(s.Section.Ordinal, s.Value, s.Section.Address + s.Section.Size);
            symbols[s] = new ObjectSymbol(CName(s.Name), function ? ObjectSymbolKind.Function : ObjectSymbolKind.Data, !s.IsUndefined, section, offset, size);
        }

        var map = new Dictionary<ObjectSection, IReadOnlyList<ObjectRelocation>>();
        foreach (var s in macho.Sections)
        {
            var list = new List<ObjectRelocation>();
            foreach (var r in macho.RelocationsFor(s))
            {
                if (MachORelocationTypes.IsAddendCarrier(cpu, r.Type)) continue;
                var symbol = r.Symbol is not null ? symbols[r.Symbol] : sectionSymbols[r.TargetSection!.Ordinal - 1];
                list.Add(new ObjectRelocation(r.Address, r.Type, macho.RelocationTypeName(r.Type), symbol, addends.TryGetValue(r, out long a) ? a : 0, r.Width));
            }
            if (list.Count > 0) map[sections[s.Ordinal - 1]] = list;
        }

        var architecture = macho.CpuType switch
        {
            MachOCpuType.Arm64 => TargetArchitecture.Arm64,
            MachOCpuType.X86_64 => TargetArchitecture.X64,
            _ => (TargetArchitecture?)null,
        };
        return new ObjectFile(macho.FileName, ObjectFormat.MachO, architecture, MachOCpuType.Name(cpu), sections,
            macho.Symbols.Where(s => !s.IsStab).Select(s => symbols[s]).ToList(), map, type => MachORelocationTypes.Name(cpu, type));
    }
}
