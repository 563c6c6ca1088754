using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Coff;

/// <summary>Presents a checked <see cref="CoffObject"/> as the format-neutral <see cref="ObjectFile"/>.</summary>
/// <remarks>
/// COFF stores addends in the relocated fields: each is read (sign-extended from the field's width) into
/// <see cref="ObjectRelocation.Addend"/> and the field is cleared in a copy of the section's bytes, so the code the
/// extractor copies carries no addend of its own. COFF symbols have no size: a function's size is the distance to the
/// next symbol defined in its section, or to the section's end (with <c>-ffunction-sections</c> every function has a
/// section of its own).
/// </remarks>
public static class CoffObjectFile
{
    /// <summary>Reads and checks a COFF object and returns its neutral view.</summary>
    /// <exception cref="ObjectFileException">The file is not a well-formed COFF object.</exception>
    public static ObjectFile Read(byte[] data, string? fileName = null) => CoffObject.Read(data, fileName).ToObjectFile();

    /// <summary>The neutral view.</summary>
    public static ObjectFile ToObjectFile(this CoffObject coff)
    {
        var addends = new Dictionary<CoffRelocation, long>();
        var sections = new ObjectSection[coff.Sections.Count];
        foreach (var s in coff.Sections)
        {
            ReadOnlyMemory<byte> data = coff.GetSectionMemory(s);
            var relocations = coff.RelocationsFor(s);
            if (relocations.Count > 0 && data.Length > 0)
            {
                byte[] copy = data.ToArray();
                // Read every addend before clearing any field (fields never overlap in clang's output, but a damaged
                // file must not make one relocation's addend depend on another's).
                foreach (var r in relocations) addends[r] = ReadAddend(copy, coff.Machine, r);
                foreach (var r in relocations) ClearField(copy, coff.Machine, r);
                data = copy;
            }
            sections[s.Number - 1] = new ObjectSection(s.Number, s.Name, s.IsExecutable, s.IsWritable, data);
        }

        var starts = new SymbolStarts(coff.Symbols
            .Where(s => s.Section is not null && !s.IsSectionDefinition && s.StorageClass is not (CoffStorageClass.File or CoffStorageClass.Function))
            .Select(s => (s.Section!.Number, (ulong)s.Value)));

        var symbols = new Dictionary<CoffSymbol, ObjectSymbol>();
        foreach (var s in coff.Symbols)
        {
            var kind = s.IsSectionDefinition ? ObjectSymbolKind.Section : s.IsFunction ? ObjectSymbolKind.Function : ObjectSymbolKind.Data;
            ulong size = 0;
            if (s.Section is { HasFileData: true } && kind == ObjectSymbolKind.Function)
                size = starts.SizeFrom(s.Section.Number, s.Value, s.Section.SizeOfRawData);
            var section = s.Section is null ? null : sections[s.Section.Number - 1];
            symbols[s] = new ObjectSymbol(s.Name, kind, !s.IsUndefined, section, s.Value, size);
        }

        var map = new Dictionary<ObjectSection, IReadOnlyList<ObjectRelocation>>();
        foreach (var s in coff.Sections)
        {
            var relocations = coff.RelocationsFor(s);
            if (relocations.Count == 0) continue;
            map[sections[s.Number - 1]] = relocations.Select(r => new ObjectRelocation(r.VirtualAddress, r.Type, coff.RelocationTypeName(r.Type),
                symbols[r.Symbol], addends.TryGetValue(r, out long a) ? a : 0)).ToList();
        }

        var architecture = coff.Machine switch
        {
            CoffMachine.Amd64 => TargetArchitecture.X64,
            CoffMachine.Arm64 => TargetArchitecture.Arm64,
            _ => (TargetArchitecture?)null,
        };
        ushort machine = coff.Machine;
        return new ObjectFile(coff.FileName, ObjectFormat.Coff, architecture, CoffMachine.Name(machine), sections,
            coff.Symbols.Select(s => symbols[s]).ToList(), map, type => Targets.CoffRelocationTypes.Name(machine, type));
    }

    private static int Width(ushort machine, CoffRelocation r) => Targets.CoffRelocationTypes.Width(machine, r.Type) ?? 0;

    /// <summary>The implicit addend: the field's contents, sign-extended (0 for fields of no whole-byte width).</summary>
    public static long ReadAddend(ReadOnlySpan<byte> section, ushort machine, CoffRelocation r)
    {
        var field = section.Slice((int)r.VirtualAddress);
        return Width(machine, r) switch
        {
            8 => BinaryPrimitives.ReadInt64LittleEndian(field),
            4 => BinaryPrimitives.ReadInt32LittleEndian(field),
            2 => BinaryPrimitives.ReadInt16LittleEndian(field),
            _ => 0,
        };
    }

    private static void ClearField(byte[] section, ushort machine, CoffRelocation r)
    {
        int width = Width(machine, r);
        if (width is 2 or 4 or 8) section.AsSpan((int)r.VirtualAddress, width).Clear();
    }
}
