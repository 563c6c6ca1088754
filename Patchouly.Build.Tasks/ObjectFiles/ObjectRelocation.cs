namespace Patchouly.Build.Tasks.ObjectFiles;

/// <summary>One relocation of a section of an <see cref="ObjectFile"/>, with its addend made explicit.</summary>
public sealed class ObjectRelocation
{
    /// <summary>Creates a relocation.</summary>
    /// <param name="offset">Where in the section the field starts.</param>
    /// <param name="type">The format's relocation type number.</param>
    /// <param name="typeName">The type's canonical name, for example <c>R_X86_64_PLT32</c> or <c>IMAGE_REL_AMD64_REL32</c>.</param>
    /// <param name="symbol">The symbol (or section) it refers to.</param>
    /// <param name="addend">The addend as the format defines it (explicit in ELF RELA; read from the field, or from a
    /// paired entry, for COFF and Mach-O). Each target's mapping turns it into the table format's addend.</param>
    /// <param name="width">The field's width in bytes when the format states it per entry (Mach-O's <c>r_length</c>), else 0.</param>
    public ObjectRelocation(ulong offset, uint type, string typeName, ObjectSymbol symbol, long addend, int width = 0)
    {
        Offset = offset; Type = type; TypeName = typeName; Symbol = symbol; Addend = addend; Width = width;
    }

    /// <summary>Where in the section the field starts.</summary>
    public ulong Offset { get; }
    /// <summary>The format's relocation type number.</summary>
    public uint Type { get; }
    /// <summary>The type's canonical name.</summary>
    public string TypeName { get; }
    /// <summary>The symbol it refers to.</summary>
    public ObjectSymbol Symbol { get; }
    /// <summary>The addend, in the format's own convention.</summary>
    public long Addend { get; }
    /// <summary>The field's width in bytes when the entry states it (Mach-O), else 0 (the type implies it).</summary>
    public int Width { get; }

    /// <summary>"IMAGE_REL_AMD64_REL32 at 0x9 against patchouly_next +0", for messages.</summary>
    public override string ToString() => $"{TypeName} at 0x{Offset:x} against {Symbol.Name} {Addend:+0;-0;+0}";
}
