namespace Patchouly.Build.Tasks.Coff;

/// <summary>Bits of a COFF section header's <c>Characteristics</c> field.</summary>
public static class CoffSectionFlags
{
    /// <summary><c>IMAGE_SCN_CNT_CODE</c>.</summary>
    public const uint Code = 0x20;
    /// <summary><c>IMAGE_SCN_CNT_INITIALIZED_DATA</c>.</summary>
    public const uint InitializedData = 0x40;
    /// <summary><c>IMAGE_SCN_CNT_UNINITIALIZED_DATA</c>: no bytes in the file.</summary>
    public const uint UninitializedData = 0x80;
    /// <summary><c>IMAGE_SCN_LNK_REMOVE</c>.</summary>
    public const uint Remove = 0x800;
    /// <summary><c>IMAGE_SCN_LNK_COMDAT</c>.</summary>
    public const uint Comdat = 0x1000;
    /// <summary><c>IMAGE_SCN_ALIGN_*</c>: bits 20–23.</summary>
    public const uint AlignMask = 0x00f00000;
    /// <summary><c>IMAGE_SCN_LNK_NRELOC_OVFL</c>: more than 65535 relocations (not supported).</summary>
    public const uint RelocationOverflow = 0x01000000;
    /// <summary><c>IMAGE_SCN_MEM_DISCARDABLE</c>.</summary>
    public const uint Discardable = 0x02000000;
    /// <summary><c>IMAGE_SCN_MEM_EXECUTE</c>.</summary>
    public const uint Execute = 0x20000000;
    /// <summary><c>IMAGE_SCN_MEM_READ</c>.</summary>
    public const uint Read = 0x40000000;
    /// <summary><c>IMAGE_SCN_MEM_WRITE</c>.</summary>
    public const uint Write = 0x80000000;
}
