using System;
using System.Globalization;
using System.Linq;
using System.Text;
using Patchouly.Build.Tasks.Pipeline;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tables;

/// <summary>
/// Writes the human-readable listing of one target's tables: per family its signatures and slots; per distinct piece
/// of code the variants that share it, its disassembly with the relocation each instruction carries, and its bytes.
/// </summary>
internal static class TablesListingWriter
{
    public static string Write(CompiledTarget compiled, TablesProvenance provenance)
    {
        var library = compiled.Source.Library;
        var layout = compiled.Layout;
        var target = compiled.Target;
        var w = new StringBuilder();
        w.AppendLine($"Patchouly stencil tables of {library.FullName} for {target.RuntimeIdentifier} ({target.Triple})");
        w.AppendLine($"{library.Families.Count} families, {layout.VariantCount} variants, {layout.CodeLength} bytes of code ({layout.Chunks.Count} distinct), {layout.Relocations.Count} relocations");
        w.AppendLine($"model hash {compiled.Source.Hash}; {provenance.ClangVersion}; clang {string.Join(" ", target.ClangFlags(provenance.Optimization))}");
        w.AppendLine(target.DescribeRegisters(library.AllRegisters, library.AllFloatRegisters));
        w.AppendLine();
        w.AppendLine("== Families");
        foreach (var family in library.Families)
        {
            int first = layout.FamilyFirst[family.Index];
            w.AppendLine($"{family.Index,4} {family.Name}: {family.Signature}");
            if (family.CFunction.Length > 0) w.AppendLine($"       C: {TablesSourceWriter.CPrototype(family.CFunction)}");
            w.AppendLine($"       slots {first}..{first + Generators.Variants.VariantEnumerator.TotalSlots(family, library.FamilyRegisters(family), library.FamilyFloatRegisters(family)) - 1}");
        }
        w.AppendLine();
        w.AppendLine("== Code");
        foreach (var (bytes, offset, users) in layout.Chunks)
        {
            var first = users[0];
            var family = library.Families[first.Family];
            var holeNames = family.Holes.Select(h => h.Name).ToList();
            w.AppendLine($"{string.Join(", ", users.Take(4).Select(u => u.Symbol))}{(users.Count > 4 ? $" and {users.Count - 4} more" : "")}: {bytes.Length} bytes at 0x{offset:x}{(first.Flags.HasFlag(VariantFlags.EndsWithJump) ? ", trailing jump droppable" : "")}{(first.Flags.HasFlag(VariantFlags.TailIsBranchTarget) ? " (a branch inside goes to it: never merged with the branch before it)" : "")}");
            foreach (var line in target.Disassemble(bytes, first.Relocations, holeNames))
                w.AppendLine("    " + line);
            for (int i = 0; i < bytes.Length; i += 16)
                w.AppendLine("    " + string.Join(" ", bytes.Skip(i).Take(Math.Min(16, bytes.Length - i)).Select(b => b.ToString("x2", CultureInfo.InvariantCulture))));
        }
        return w.ToString();
    }
}
