namespace Patchouly.Build.Tasks.ObjectFiles;

/// <summary>The object-file formats clang writes for the targets, each read by a strict reader of our own.</summary>
public enum ObjectFormat
{
    /// <summary>ELF64 little-endian relocatable objects (Linux): <c>Elf/</c>.</summary>
    Elf,
    /// <summary>COFF objects for x86-64 (Windows): <c>Coff/</c>.</summary>
    Coff,
    /// <summary>64-bit Mach-O objects for arm64 (macOS): <c>MachO/</c>.</summary>
    MachO,
}
