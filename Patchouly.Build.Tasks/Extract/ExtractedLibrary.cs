using System.Collections.Generic;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Extract;

/// <summary>One compiled variant as read from the object files.</summary>
/// <param name="Family">Index of its family.</param>
/// <param name="Slot">Its slot in the family's table.</param>
/// <param name="Symbol">The C function's name.</param>
/// <param name="Code">The machine code.</param>
/// <param name="Relocations">Its relocations, by offset.</param>
/// <param name="Flags">Whether it ends with a droppable jump.</param>
public sealed record ExtractedVariant(int Family, int Slot, string Symbol, byte[] Code, IReadOnlyList<Relocation> Relocations, VariantFlags Flags);

/// <summary>Every variant of a library, ready to be written as tables.</summary>
/// <param name="Variants">By family, then slot.</param>
public sealed record ExtractedLibrary(IReadOnlyList<ExtractedVariant> Variants);
