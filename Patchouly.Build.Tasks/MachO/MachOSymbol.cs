namespace Patchouly.Build.Tasks.MachO;

/// <summary>One <c>nlist_64</c> entry, already checked.</summary>
public sealed class MachOSymbol
{
    /// <summary><c>N_STAB</c>: a debugging entry.</summary>
    public const byte Stab = 0xe0;
    /// <summary><c>N_PEXT</c>: private external.</summary>
    public const byte PrivateExternal = 0x10;
    /// <summary><c>N_TYPE</c> mask.</summary>
    public const byte TypeMask = 0x0e;
    /// <summary><c>N_EXT</c>: external.</summary>
    public const byte External = 0x01;
    /// <summary><c>N_UNDF</c>.</summary>
    public const byte Undefined = 0x0;
    /// <summary><c>N_ABS</c>.</summary>
    public const byte Absolute = 0x2;
    /// <summary><c>N_SECT</c>.</summary>
    public const byte InSection = 0xe;

    internal MachOSymbol(int index, string name, uint nameOffset, byte type, byte sectionOrdinal, ushort description, ulong value, MachOSection? section)
    {
        Index = index; Name = name; NameOffset = nameOffset; Type = type; SectionOrdinal = sectionOrdinal; Description = description; Value = value; Section = section;
    }

    /// <summary>The index in the symbol table (what external relocations refer to).</summary>
    public int Index { get; }
    /// <summary>The name as stored (C names carry a leading underscore).</summary>
    public string Name { get; }
    /// <summary><c>n_strx</c>.</summary>
    public uint NameOffset { get; }
    /// <summary><c>n_type</c>.</summary>
    public byte Type { get; }
    /// <summary><c>n_sect</c>: a 1-based section ordinal, or 0 (<c>NO_SECT</c>).</summary>
    public byte SectionOrdinal { get; }
    /// <summary><c>n_desc</c>.</summary>
    public ushort Description { get; }
    /// <summary><c>n_value</c>: an address for <c>N_SECT</c> symbols, the size of a common symbol.</summary>
    public ulong Value { get; }
    /// <summary>The section of an <c>N_SECT</c> symbol, else null.</summary>
    public MachOSection? Section { get; }

    /// <summary>Whether it is a debugging (stab) entry.</summary>
    public bool IsStab => (Type & Stab) != 0;
    /// <summary>The <c>N_TYPE</c> bits.</summary>
    public int Kind => Type & TypeMask;
    /// <summary>Whether <c>N_EXT</c> is set.</summary>
    public bool IsExternal => (Type & External) != 0;
    /// <summary>Whether it is undefined (<c>N_UNDF</c> with value 0).</summary>
    public bool IsUndefined => !IsStab && Kind == Undefined && Value == 0;
    /// <summary>Whether it is a common symbol (<c>N_UNDF</c>, external, value = size).</summary>
    public bool IsCommon => !IsStab && Kind == Undefined && Value != 0 && IsExternal;

    /// <summary>"symbol 5 (_add_narrow)", for messages.</summary>
    public override string ToString() => $"symbol {Index} ({Name})";
}
