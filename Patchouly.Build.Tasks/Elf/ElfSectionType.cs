namespace Patchouly.Build.Tasks.Elf;

/// <summary>Values of a section header's <c>sh_type</c> field.</summary>
public static class ElfSectionType
{
    /// <summary><c>SHT_NULL</c>: an unused header.</summary>
    public const uint Null = 0;
    /// <summary><c>SHT_PROGBITS</c>: code or data.</summary>
    public const uint ProgBits = 1;
    /// <summary><c>SHT_SYMTAB</c>: the symbol table.</summary>
    public const uint SymTab = 2;
    /// <summary><c>SHT_STRTAB</c>: a string table.</summary>
    public const uint StrTab = 3;
    /// <summary><c>SHT_RELA</c>: relocations with explicit addends.</summary>
    public const uint Rela = 4;
    /// <summary><c>SHT_HASH</c>: a symbol hash table.</summary>
    public const uint Hash = 5;
    /// <summary><c>SHT_DYNAMIC</c>: dynamic linking information.</summary>
    public const uint Dynamic = 6;
    /// <summary><c>SHT_NOTE</c>: notes.</summary>
    public const uint Note = 7;
    /// <summary><c>SHT_NOBITS</c>: zero-initialised data that occupies no file space (.bss).</summary>
    public const uint NoBits = 8;
    /// <summary><c>SHT_REL</c>: relocations without addends.</summary>
    public const uint Rel = 9;
    /// <summary><c>SHT_DYNSYM</c>: the dynamic symbol table.</summary>
    public const uint DynSym = 11;
    /// <summary><c>SHT_INIT_ARRAY</c>.</summary>
    public const uint InitArray = 14;
    /// <summary><c>SHT_FINI_ARRAY</c>.</summary>
    public const uint FiniArray = 15;
    /// <summary><c>SHT_GROUP</c>: a section group (COMDAT).</summary>
    public const uint Group = 17;
    /// <summary><c>SHT_SYMTAB_SHNDX</c>: extended section indices (not supported by the reader).</summary>
    public const uint SymTabShndx = 18;
    /// <summary><c>SHT_LLVM_ADDRSIG</c>: LLVM's address-significance table.</summary>
    public const uint LlvmAddrsig = 0x6fff4c03;
    /// <summary><c>SHT_X86_64_UNWIND</c>: x86-64 unwind tables (.eh_frame).</summary>
    public const uint X86_64Unwind = 0x70000001;

    /// <summary>The canonical name, for example <c>SHT_PROGBITS</c>; unknown values are printed in hex.</summary>
    public static string Name(uint type) => type switch
    {
        Null => "SHT_NULL",
        ProgBits => "SHT_PROGBITS",
        SymTab => "SHT_SYMTAB",
        StrTab => "SHT_STRTAB",
        Rela => "SHT_RELA",
        Hash => "SHT_HASH",
        Dynamic => "SHT_DYNAMIC",
        Note => "SHT_NOTE",
        NoBits => "SHT_NOBITS",
        Rel => "SHT_REL",
        DynSym => "SHT_DYNSYM",
        InitArray => "SHT_INIT_ARRAY",
        FiniArray => "SHT_FINI_ARRAY",
        Group => "SHT_GROUP",
        SymTabShndx => "SHT_SYMTAB_SHNDX",
        LlvmAddrsig => "SHT_LLVM_ADDRSIG",
        X86_64Unwind => "SHT_X86_64_UNWIND",
        _ => "SHT_0x" + type.ToString("x"),
    };
}
