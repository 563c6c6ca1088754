using Generated = Patchouly.Generators.Format;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tables;

/// <summary>
/// The generator compiles the table format's source files (Patchouly.Runtime/Tables/Format) into its own namespace;
/// the build task, which sees both copies, converts the generator's values to the runtime's here and nowhere else.
/// </summary>
internal static class FormatBridge
{
    public static PatchKind ToTable(this Generated.PatchKind kind) => (PatchKind)(byte)kind;

    public static StencilFamilyKind ToTable(this Generated.StencilFamilyKind kind) => (StencilFamilyKind)(byte)kind;
}
