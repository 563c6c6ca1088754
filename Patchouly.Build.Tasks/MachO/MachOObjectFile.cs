using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.ObjectFiles;
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
        bool arm64 = macho.CpuType == MachOCpuType.Arm64;
        var sections = new ObjectSection[macho.Sections.Count];
        var sectionSymbols = new ObjectSymbol[macho.Sections.Count];
        var addends = new Dictionary<MachORelocation, long>();
        foreach (var s in macho.Sections)
        {
            ReadOnlyMemory<byte> data = macho.GetSectionMemory(s);
            var relocations = macho.RelocationsFor(s);
            if (arm64 && relocations.Count > 0 && data.Length > 0)
            {
                byte[] copy = data.ToArray();
                for (int i = 0; i < relocations.Count; i++)
                {
                    var r = relocations[i];
                    if (r.Type == Targets.OsxArm64.Arm64MachORelocations.Addend) continue;
                    long addend = i > 0 && relocations[i - 1].Type == Targets.OsxArm64.Arm64MachORelocations.Addend ? relocations[i - 1].AddendValue : 0;
                    addends[r] = addend + ReadImplicit(copy, r);
                }
                foreach (var r in relocations) Clear(copy, r);
                data = copy;
            }
            sections[s.Ordinal - 1] = new ObjectSection(s.Ordinal, s.FullName, s.IsExecutable, s.SegmentName is "__DATA" or "__DATA_CONST" && s.Name != "__const", data);
            sectionSymbols[s.Ordinal - 1] = new ObjectSymbol(s.FullName, ObjectSymbolKind.Section, true, sections[s.Ordinal - 1], 0, s.Size);
        }

        var starts = macho.Symbols.Where(s => s.Section is not null && !s.IsStab).GroupBy(s => s.Section!.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => s.Value).Distinct().OrderBy(v => v).ToList());
        var symbols = new Dictionary<MachOSymbol, ObjectSymbol>();
        foreach (var s in macho.Symbols)
        {
            if (s.IsStab) continue;
            ObjectSection? section = s.Section is null ? null : sections[s.Section.Ordinal - 1];
            bool function = s.Section is { IsExecutable: true } && !IsAssemblerLocal(s.Name);
            ulong offset = s.Section is null ? s.Value : s.Value - s.Section.Address, size = 0;
            if (function && !s.Section!.IsZeroFill)
            {
                ulong end = s.Section.Address + s.Section.Size;
                foreach (ulong v in starts[s.Section.Ordinal]) if (v > s.Value) { end = v; break; }
                size = end - s.Value;
            }
            symbols[s] = new ObjectSymbol(CName(s.Name), function ? ObjectSymbolKind.Function : ObjectSymbolKind.Data, !s.IsUndefined, section, offset, size);
        }

        var map = new Dictionary<ObjectSection, IReadOnlyList<ObjectRelocation>>();
        foreach (var s in macho.Sections)
        {
            var list = new List<ObjectRelocation>();
            foreach (var r in macho.RelocationsFor(s))
            {
                if (arm64 && r.Type == Targets.OsxArm64.Arm64MachORelocations.Addend) continue;
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
        uint cpu = macho.CpuType;
        return new ObjectFile(macho.FileName, ObjectFormat.MachO, architecture, MachOCpuType.Name(cpu), sections,
            macho.Symbols.Where(s => !s.IsStab).Select(s => symbols[s]).ToList(), map, type => Targets.MachORelocationTypes.Name(cpu, type));
    }

    /// <summary>The addend an arm64 entry keeps in its field: BRANCH26's imm26 (in bytes), UNSIGNED's contents.</summary>
    public static long ReadImplicit(ReadOnlySpan<byte> section, MachORelocation r)
    {
        var field = section.Slice((int)r.Address);
        switch (r.Type)
        {
            case Targets.OsxArm64.Arm64MachORelocations.Branch26:
                uint word = BinaryPrimitives.ReadUInt32LittleEndian(field);
                return (long)((int)(word << 6) >> 6) * 4;
            case Targets.OsxArm64.Arm64MachORelocations.Unsigned:
                return r.Width == 8 ? BinaryPrimitives.ReadInt64LittleEndian(field) : BinaryPrimitives.ReadInt32LittleEndian(field);
            default:
                return 0;
        }
    }

    private static void Clear(byte[] section, MachORelocation r)
    {
        var field = section.AsSpan((int)r.Address);
        uint mask = r.Type switch
        {
            Targets.OsxArm64.Arm64MachORelocations.Branch26 => 0x03FFFFFFu,
            Targets.OsxArm64.Arm64MachORelocations.Page21 or Targets.OsxArm64.Arm64MachORelocations.GotLoadPage21
                or Targets.OsxArm64.Arm64MachORelocations.TlvpLoadPage21 => 0x60FFFFE0u,   // immlo (29–30), immhi (5–23)
            Targets.OsxArm64.Arm64MachORelocations.PageOff12 or Targets.OsxArm64.Arm64MachORelocations.GotLoadPageOff12
                or Targets.OsxArm64.Arm64MachORelocations.TlvpLoadPageOff12 => 0x003FFC00u, // imm12 (10–21)
            _ => 0,
        };
        if (mask != 0)
            BinaryPrimitives.WriteUInt32LittleEndian(field, BinaryPrimitives.ReadUInt32LittleEndian(field) & ~mask);
        else if (r.Type == Targets.OsxArm64.Arm64MachORelocations.Unsigned)
            field.Slice(0, r.Width).Clear();
    }
}
