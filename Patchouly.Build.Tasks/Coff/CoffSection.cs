namespace Patchouly.Build.Tasks.Coff;

/// <summary>One section header of a <see cref="CoffObject"/>, already checked against the file.</summary>
public sealed class CoffSection
{
    internal CoffSection(int number, string name, uint virtualSize, uint virtualAddress, uint sizeOfRawData, uint pointerToRawData,
        uint pointerToRelocations, uint pointerToLinenumbers, ushort numberOfRelocations, ushort numberOfLinenumbers, uint characteristics)
    {
        Number = number; Name = name; VirtualSize = virtualSize; VirtualAddress = virtualAddress; SizeOfRawData = sizeOfRawData;
        PointerToRawData = pointerToRawData; PointerToRelocations = pointerToRelocations; PointerToLinenumbers = pointerToLinenumbers;
        NumberOfRelocations = numberOfRelocations; NumberOfLinenumbers = numberOfLinenumbers; Characteristics = characteristics;
    }

    /// <summary>The 1-based section number symbols refer to.</summary>
    public int Number { get; }
    /// <summary>The name (from the header, or the string table for <c>/offset</c> names).</summary>
    public string Name { get; }
    /// <summary><c>VirtualSize</c> (0 in objects).</summary>
    public uint VirtualSize { get; }
    /// <summary><c>VirtualAddress</c> (0 in objects).</summary>
    public uint VirtualAddress { get; }
    /// <summary><c>SizeOfRawData</c>: the section's size.</summary>
    public uint SizeOfRawData { get; }
    /// <summary><c>PointerToRawData</c>: where its bytes start in the file.</summary>
    public uint PointerToRawData { get; }
    /// <summary><c>PointerToRelocations</c>.</summary>
    public uint PointerToRelocations { get; }
    /// <summary><c>PointerToLinenumbers</c> (0: line numbers are deprecated and not supported).</summary>
    public uint PointerToLinenumbers { get; }
    /// <summary><c>NumberOfRelocations</c>.</summary>
    public ushort NumberOfRelocations { get; }
    /// <summary><c>NumberOfLinenumbers</c> (0).</summary>
    public ushort NumberOfLinenumbers { get; }
    /// <summary><c>Characteristics</c>; see <see cref="CoffSectionFlags"/>.</summary>
    public uint Characteristics { get; }

    /// <summary>Whether the section has bytes in the file (not <c>IMAGE_SCN_CNT_UNINITIALIZED_DATA</c>).</summary>
    public bool HasFileData => (Characteristics & CoffSectionFlags.UninitializedData) == 0;
    /// <summary>Whether it holds code (<c>IMAGE_SCN_MEM_EXECUTE</c> or <c>IMAGE_SCN_CNT_CODE</c>).</summary>
    public bool IsExecutable => (Characteristics & (CoffSectionFlags.Execute | CoffSectionFlags.Code)) != 0;
    /// <summary>Whether it is writable (<c>IMAGE_SCN_MEM_WRITE</c>).</summary>
    public bool IsWritable => (Characteristics & CoffSectionFlags.Write) != 0;
    /// <summary>The alignment in bytes from <c>IMAGE_SCN_ALIGN_*</c>, or 0 when none is given.</summary>
    public int Alignment => (int)((Characteristics & CoffSectionFlags.AlignMask) >> 20) is int n and > 0 ? 1 << (n - 1) : 0;

    /// <summary>"section 4 (.text)", for messages.</summary>
    public override string ToString() => $"section {Number} ({Name})";
}
