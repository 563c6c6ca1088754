using System.Collections.Generic;

namespace Patchouly.Build.Tasks.Elf;

/// <summary>
/// A <c>SHT_RELA</c> or <c>SHT_REL</c> section with its entries. <c>SHT_REL</c> sections are read too: their
/// entries have <see cref="ElfRelocation.Addend"/> 0 and <see cref="HasExplicitAddends"/> is false (the implicit
/// addend is in the target section's bytes; the reader does not extract it).
/// </summary>
public sealed class ElfRelocationSection
{
    internal ElfRelocationSection(ElfSection section, ElfSection target, ElfSection symbolTable, IReadOnlyList<ElfRelocation> relocations)
    {
        Section = section; Target = target; SymbolTable = symbolTable; Relocations = relocations;
    }

    /// <summary>The relocation section itself.</summary>
    public ElfSection Section { get; }
    /// <summary>The section the relocations apply to (<c>sh_info</c>).</summary>
    public ElfSection Target { get; }
    /// <summary>The symbol table the entries refer to (<c>sh_link</c>).</summary>
    public ElfSection SymbolTable { get; }
    /// <summary>Whether entries carry <c>r_addend</c> (true for <c>SHT_RELA</c>, false for <c>SHT_REL</c>).</summary>
    public bool HasExplicitAddends => Section.Type == ElfSectionType.Rela;
    /// <summary>The entries, in file order.</summary>
    public IReadOnlyList<ElfRelocation> Relocations { get; }

    /// <summary>"section 4 (.rela.text.f)", for messages.</summary>
    public override string ToString() => Section.ToString();
}
