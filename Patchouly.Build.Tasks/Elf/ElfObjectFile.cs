using System.Collections.Generic;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Elf;

/// <summary>Presents a checked <see cref="ElfObject"/> as the format-neutral <see cref="ObjectFile"/>.</summary>
public static class ElfObjectFile
{
    /// <summary>Reads and checks an ELF object and returns its neutral view.</summary>
    /// <exception cref="ObjectFileException">The file is not a well-formed ELF64 little-endian relocatable object.</exception>
    public static ObjectFile Read(byte[] data, string? fileName = null) => ElfObject.Read(data, fileName).ToObjectFile();

    /// <summary>The neutral view: every section, every symbol (section symbols named after their section) and every
    /// relocation with its RELA addend (0 for REL entries).</summary>
    public static ObjectFile ToObjectFile(this ElfObject elf)
    {
        var sections = new ObjectSection[elf.Sections.Count];
        foreach (var s in elf.Sections)
            sections[s.Index] = new ObjectSection(s.Index, s.Name, s.IsExecutable, s.IsWritable, elf.GetSectionMemory(s));
        var symbols = new ObjectSymbol[elf.Symbols.Count];
        foreach (var s in elf.Symbols)
        {
            var kind = s.Type switch
            {
                ElfSymbolType.Function => ObjectSymbolKind.Function,
                ElfSymbolType.Section => ObjectSymbolKind.Section,
                _ => ObjectSymbolKind.Data,
            };
            symbols[s.Index] = new ObjectSymbol(s.Name, kind, !s.IsUndefined, s.Section is null ? null : sections[s.Section.Index], s.Value, s.Size);
        }
        var relocations = new Dictionary<ObjectSection, IReadOnlyList<ObjectRelocation>>();
        foreach (var rs in elf.RelocationSections)
        {
            var target = sections[rs.Target.Index];
            var list = relocations.TryGetValue(target, out var existing) ? new List<ObjectRelocation>(existing) : new List<ObjectRelocation>();
            foreach (var r in rs.Relocations)
                list.Add(new ObjectRelocation(r.Offset, r.Type, elf.RelocationTypeName(r), symbols[r.SymbolIndex], r.Addend));
            relocations[target] = list;
        }
        var architecture = elf.Machine switch
        {
            ElfMachine.X86_64 => TargetArchitecture.X64,
            ElfMachine.AArch64 => TargetArchitecture.Arm64,
            _ => (TargetArchitecture?)null,
        };
        ushort machine = elf.Machine;
        return new ObjectFile(elf.FileName, ObjectFormat.Elf, architecture, ElfMachine.Name(machine), sections, symbols, relocations,
            type => Targets.ElfRelocationTypes.Name(machine, type));
    }
}
