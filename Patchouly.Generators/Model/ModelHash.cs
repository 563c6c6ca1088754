using System.Text;
using Patchouly.Generators.Variants;

namespace Patchouly.Generators.Model;

/// <summary>
/// A hash of everything in a <see cref="LibraryModel"/> that decides the C the build compiles. The generator puts it in
/// the emit API and the build task puts it in the tables; the runtime refuses tables whose hash differs (stale tables).
/// </summary>
internal static class ModelHash
{
    /// <summary>Bumped whenever the C writer's output for the same model changes.</summary>
    public const string WriterVersion = "patchouly-c-1";

    public static string Compute(LibraryModel library)
    {
        var sb = new StringBuilder(WriterVersion).Append('\n');
        sb.Append(library.FullName).Append('\n').Append(library.Registers).Append('\n').Append(library.Optimization).Append('\n');
        if (library.FloatRegisters > 0) sb.Append("float registers ").Append(library.FloatRegisters).Append('\n'); // absent: hashes of libraries without them are unchanged
        if (library.MoveRegisters + library.MoveFloatRegisters > 0) // absent: hashes of libraries without them are unchanged
            sb.Append("move registers ").Append(library.MoveRegisters).Append(' ').Append(library.MoveFloatRegisters).Append('\n');
        sb.Append(library.Prelude).Append('\n');
        foreach (var f in library.Families)
        {
            sb.Append(f.Index).Append(' ').Append(f.Name).Append(' ').Append((int)f.Kind).Append(' ').Append(f.Signature).Append('\n');
            foreach (var p in f.Parameters) sb.Append(p.Name).Append(':').Append(p.Role).Append(':').Append(p.Type).Append(p.Pin >= 0 ? ":pin" + p.Pin : "").Append('\n');
            if (f.ReturnPin >= 0) sb.Append("return:pin").Append(f.ReturnPin).Append('\n');
            if (f.FloatMask != 0) sb.Append("float:").Append(f.FloatMask).Append('\n');
            sb.Append(f.ReturnType).Append(f.ReturnsTarget).Append('\n').Append(f.CFunction).Append('\n');
        }
        return ContentHash.Of(sb.ToString());
    }
}
