namespace Patchouly.Build.Tasks.ObjectFiles;

/// <summary>What an <see cref="ObjectSymbol"/> names.</summary>
public enum ObjectSymbolKind
{
    /// <summary>A function (code).</summary>
    Function,
    /// <summary>Data or anything else with an address that is not a function or a section.</summary>
    Data,
    /// <summary>A section itself (relocations against local data often name the section, not a symbol).</summary>
    Section,
}

/// <summary>A symbol of an <see cref="ObjectFile"/>: defined in a section, defined elsewhere (absolute, common), or undefined.</summary>
public sealed class ObjectSymbol
{
    /// <summary>Creates a symbol.</summary>
    /// <param name="name">The C name (a format's own decoration such as Mach-O's leading underscore removed).</param>
    /// <param name="kind">What it names.</param>
    /// <param name="isDefined">False for an undefined (external) symbol.</param>
    /// <param name="section">The section it is defined in; null when undefined, absolute or common.</param>
    /// <param name="value">Its offset in <paramref name="section"/>.</param>
    /// <param name="size">Its size in bytes (for functions: the code's length).</param>
    public ObjectSymbol(string name, ObjectSymbolKind kind, bool isDefined, ObjectSection? section, ulong value, ulong size)
    {
        Name = name; Kind = kind; IsDefined = isDefined; Section = section; Value = value; Size = size;
    }

    /// <summary>The C name; for section symbols the section's name.</summary>
    public string Name { get; }
    /// <summary>What it names.</summary>
    public ObjectSymbolKind Kind { get; }
    /// <summary>False for an undefined symbol, which must come from elsewhere (holes, continuations, external calls).</summary>
    public bool IsDefined { get; }
    /// <summary>The section it is defined in, or null.</summary>
    public ObjectSection? Section { get; }
    /// <summary>The offset in <see cref="Section"/>.</summary>
    public ulong Value { get; }
    /// <summary>The size in bytes (0 when the format does not say and it cannot be derived).</summary>
    public ulong Size { get; }

    /// <summary>"symbol add_narrow", for messages.</summary>
    public override string ToString() => $"symbol {Name}";
}
