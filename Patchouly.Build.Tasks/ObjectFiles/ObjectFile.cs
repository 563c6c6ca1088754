using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.ObjectFiles;

/// <summary>
/// The format-neutral view of one compiled object that the stencil extractor works on: sections with their flags and
/// bytes, the symbols (defined functions with section, offset and size), and each section's relocations with explicit
/// addends. Each format's strict reader (<c>Elf/</c>, <c>Coff/</c>, <c>MachO/</c>) checks the file and an adapter
/// next to it produces this view; nothing here knows a format.
/// </summary>
public sealed class ObjectFile
{
    private readonly IReadOnlyDictionary<ObjectSection, IReadOnlyList<ObjectRelocation>> _relocations;
    private readonly Func<uint, string> _typeName;

    /// <summary>Creates the view (adapters only).</summary>
    public ObjectFile(string? fileName, ObjectFormat format, TargetArchitecture? architecture, string machineName,
        IReadOnlyList<ObjectSection> sections, IReadOnlyList<ObjectSymbol> symbols,
        IReadOnlyDictionary<ObjectSection, IReadOnlyList<ObjectRelocation>> relocations, Func<uint, string> relocationTypeName)
    {
        FileName = fileName; Format = format; Architecture = architecture; MachineName = machineName;
        Sections = sections; Symbols = symbols; _relocations = relocations; _typeName = relocationTypeName;
    }

    /// <summary>The file's name, for messages.</summary>
    public string? FileName { get; }
    /// <summary>The format it was read from.</summary>
    public ObjectFormat Format { get; }
    /// <summary>The instruction set of its machine field, or null for one no target uses.</summary>
    public TargetArchitecture? Architecture { get; }
    /// <summary>The machine field's name, for example <c>EM_X86_64</c> or <c>IMAGE_FILE_MACHINE_AMD64</c>.</summary>
    public string MachineName { get; }
    /// <summary>Every section with contents or a role (code, data).</summary>
    public IReadOnlyList<ObjectSection> Sections { get; }
    /// <summary>Every symbol.</summary>
    public IReadOnlyList<ObjectSymbol> Symbols { get; }

    /// <summary>The functions defined in this object.</summary>
    public IEnumerable<ObjectSymbol> DefinedFunctions => Symbols.Where(s => s.Kind == ObjectSymbolKind.Function && s.IsDefined && s.Section is not null);

    /// <summary>The relocations that apply to <paramref name="section"/>, in file order.</summary>
    public IReadOnlyList<ObjectRelocation> RelocationsFor(ObjectSection section) =>
        _relocations.TryGetValue(section, out var list) ? list : [];

    /// <summary>The canonical name of a relocation type of this object's format and machine.</summary>
    public string RelocationTypeName(uint type) => _typeName(type);

    /// <summary>"foo.o: Elf EM_X86_64, 20 sections, 14 symbols".</summary>
    public override string ToString() => $"{FileName ?? "(memory)"}: {Format} {MachineName}, {Sections.Count} sections, {Symbols.Count} symbols";
}
