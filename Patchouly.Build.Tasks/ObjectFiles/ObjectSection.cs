using System;

namespace Patchouly.Build.Tasks.ObjectFiles;

/// <summary>A section of an <see cref="ObjectFile"/>: its name, whether it holds code, and its bytes.</summary>
/// <remarks>For formats with implicit addends (COFF, Mach-O) the bytes are a copy in which every relocated field's
/// addend has been moved into its <see cref="ObjectRelocation.Addend"/> and the field cleared, as in ELF's RELA
/// objects: the code the extractor copies never carries an addend of its own.</remarks>
public sealed class ObjectSection
{
    /// <summary>Creates a section.</summary>
    public ObjectSection(int index, string name, bool isExecutable, bool isWritable, ReadOnlyMemory<byte> data)
    {
        Index = index; Name = name; IsExecutable = isExecutable; IsWritable = isWritable; Data = data;
    }

    /// <summary>The section's number in its file (the format's own numbering).</summary>
    public int Index { get; }
    /// <summary>The name, for example <c>.text.f</c>, <c>.text</c> or <c>__TEXT,__text</c>.</summary>
    public string Name { get; }
    /// <summary>Whether it holds executable code.</summary>
    public bool IsExecutable { get; }
    /// <summary>Whether it is writable data.</summary>
    public bool IsWritable { get; }
    /// <summary>The contents (empty for zero-filled sections).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>"section 7 (.text.f)", for messages.</summary>
    public override string ToString() => $"section {Index} ({Name})";
}
