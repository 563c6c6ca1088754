using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets;

/// <summary>An object-file relocation as the table format states it: the field kind and the addend in the table's
/// convention (S + A for absolute kinds, S + A − P for relative ones, P being the field's address).</summary>
/// <param name="Kind">The field kind.</param>
/// <param name="Addend">The addend.</param>
public readonly record struct MappedRelocation(RelocationKind Kind, long Addend);
