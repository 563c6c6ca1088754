namespace Patchouly.Build.Tasks.MachO;

/// <summary>One <c>section_64</c> of the object's segment, already checked against the file.</summary>
public sealed class MachOSection
{
    /// <summary><c>SECTION_TYPE</c> mask of <see cref="Flags"/>.</summary>
    public const uint TypeMask = 0xff;
    /// <summary><c>S_ATTR_PURE_INSTRUCTIONS</c>.</summary>
    public const uint PureInstructions = 0x80000000;
    /// <summary><c>S_ATTR_SOME_INSTRUCTIONS</c>.</summary>
    public const uint SomeInstructions = 0x400;

    internal MachOSection(int ordinal, string name, string segmentName, ulong address, ulong size, uint offset, uint align,
        uint relocationOffset, uint relocationCount, uint flags, uint reserved1, uint reserved2, uint reserved3)
    {
        Ordinal = ordinal; Name = name; SegmentName = segmentName; Address = address; Size = size; Offset = offset; Align = align;
        RelocationOffset = relocationOffset; RelocationCount = relocationCount; Flags = flags; Reserved1 = reserved1; Reserved2 = reserved2; Reserved3 = reserved3;
    }

    /// <summary>The 1-based ordinal symbols' <c>n_sect</c> and local relocations refer to.</summary>
    public int Ordinal { get; }
    /// <summary><c>sectname</c>, for example <c>__text</c>.</summary>
    public string Name { get; }
    /// <summary><c>segname</c>, for example <c>__TEXT</c>.</summary>
    public string SegmentName { get; }
    /// <summary><c>addr</c>: the section's address in the object's single address space.</summary>
    public ulong Address { get; }
    /// <summary><c>size</c>.</summary>
    public ulong Size { get; }
    /// <summary><c>offset</c>: where its bytes start in the file (0 for zero-fill sections).</summary>
    public uint Offset { get; }
    /// <summary><c>align</c>: log2 of the alignment.</summary>
    public uint Align { get; }
    /// <summary><c>reloff</c>.</summary>
    public uint RelocationOffset { get; }
    /// <summary><c>nreloc</c>.</summary>
    public uint RelocationCount { get; }
    /// <summary><c>flags</c>: type (low byte) and attributes.</summary>
    public uint Flags { get; }
    /// <summary><c>reserved1</c>.</summary>
    public uint Reserved1 { get; }
    /// <summary><c>reserved2</c>.</summary>
    public uint Reserved2 { get; }
    /// <summary><c>reserved3</c>.</summary>
    public uint Reserved3 { get; }

    /// <summary>The section type (<c>S_REGULAR</c>, <c>S_ZEROFILL</c>, <c>S_CSTRING_LITERALS</c>, …).</summary>
    public uint Type => Flags & TypeMask;
    /// <summary>Whether the section has no bytes in the file (<c>S_ZEROFILL</c>, <c>S_GB_ZEROFILL</c>, <c>S_THREAD_LOCAL_ZEROFILL</c>).</summary>
    public bool IsZeroFill => Type is 0x1 or 0xc or 0x12;
    /// <summary>Whether it holds instructions.</summary>
    public bool IsExecutable => (Flags & (PureInstructions | SomeInstructions)) != 0;
    /// <summary>"segment,section", for example <c>__TEXT,__text</c>.</summary>
    public string FullName => SegmentName + "," + Name;

    /// <summary>"section 1 (__TEXT,__text)", for messages.</summary>
    public override string ToString() => $"section {Ordinal} ({FullName})";
}
