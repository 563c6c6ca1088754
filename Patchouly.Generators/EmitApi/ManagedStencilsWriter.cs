using System.Collections.Generic;
using System.Linq;
using System.Text;
using Patchouly.Generators.Format;
using Patchouly.Generators.Model;

namespace Patchouly.Generators.EmitApi;

/// <summary>
/// Writes a library's managed descriptor for the managed engine: a nested <c>PatchoulyManagedStencils</c> class that
/// names the library class (whose methods the engine's IL calls), describes every family (so a library can run without
/// native tables), and calls each stencil's C# method on 64-bit words for the interpreter — a <c>switch</c>, no
/// reflection. The word conventions mirror the C the build compiles (<see cref="WordType.FromWord"/>, <see cref="WordType.ToWord"/>).
/// </summary>
internal static class ManagedStencilsWriter
{
    private const string Rt = "global::Patchouly.Runtime";

    /// <summary>The nested class's name.</summary>
    public const string ClassName = "PatchoulyManagedStencils";

    public static void Write(StringBuilder w, LibraryModel library)
    {
        bool needsUnsafe = library.Families.Any(f => f.Parameters.Any(p => p.Type.Class == WordClass.Pointer) || f.ReturnType?.Class == WordClass.Pointer);
        w.AppendLine();
        w.AppendLine("    /// <summary>The stencils of this library as managed code, for the managed engine (generated).</summary>");
        w.AppendLine($"    private sealed {(needsUnsafe ? "unsafe " : "")}class {ClassName} : {Rt}.Managed.ManagedStencils");
        w.AppendLine("    {");
        w.AppendLine($"        internal static readonly {ClassName} Instance = new();");
        w.AppendLine();
        w.AppendLine($"        private {ClassName}()");
        w.AppendLine($"            : base(typeof({library.Identifier}), {Literal(library.FullName)}, {library.Registers}, PatchoulyModelHash, CreateFamilies(),");
        w.AppendLine($"                new bool[] {{ {string.Join(", ", library.Families.Select(f => f.ReturnsTarget ? "true" : "false"))} }}{(library.MoveRegisters + library.MoveFloatRegisters > 0 ? $", {library.FloatRegisters}, {library.MoveRegisters}, {library.MoveFloatRegisters}" : library.FloatRegisters > 0 ? ", " + library.FloatRegisters : "")})");
        w.AppendLine("        {");
        w.AppendLine("        }");
        w.AppendLine();
        w.AppendLine($"        private static {Rt}.Tables.StencilFamily[] CreateFamilies() => new {Rt}.Tables.StencilFamily[]");
        w.AppendLine("        {");
        foreach (var f in library.Families)
        {
            string bits = f.HoleBits.Length == 0 ? "global::System.Array.Empty<byte>()" : $"new byte[] {{ {string.Join(", ", f.HoleBits)} }}";
            w.AppendLine($"            new({Literal(f.Name)}, {Rt}.Tables.StencilFamilyKind.{f.Kind}, {f.InputCount}, {f.OutputCount}, {bits}, {f.TargetCount}, {(f.HasWide ? "true" : "false")}, 0, {Literal(f.Signature)}{(f.FloatMask != 0 ? $", {f.FloatMask}u" : "")}),");
        }
        w.AppendLine("        };");
        w.AppendLine();
        w.AppendLine("        /// <inheritdoc />");
        w.AppendLine("        public override int Invoke(int family, global::System.Span<ulong> values, global::System.ReadOnlySpan<ulong> holes)");
        w.AppendLine("        {");
        w.AppendLine("            switch (family)");
        w.AppendLine("            {");
        // A file-local library's methods cannot be named from here (the generated partial is another class).
        foreach (var f in library.Families.Where(f => !library.FileLocal && f.Kind is StencilFamilyKind.Normal or StencilFamilyKind.Return))
            WriteCase(w, library, f);
        w.AppendLine("                default:");
        w.AppendLine("                    throw new global::System.ArgumentOutOfRangeException(nameof(family), family, \"Not a stencil the managed engine calls.\");");
        w.AppendLine("            }");
        w.AppendLine("        }");
        w.AppendLine("    }");
    }

    private static void WriteCase(StringBuilder w, LibraryModel library, FamilyModel f)
    {
        var args = new List<string>();
        var stores = new List<string>();
        int input = 0, hole = 0, target = 0, output = f.ReturnIsOutput ? 1 : 0;
        int inputs = f.InputCount;
        foreach (var p in f.Parameters)
        {
            switch (p.Role)
            {
                case ParameterRole.Input:
                    args.Add(FromWord(p.Type, $"values[{input++}]"));
                    break;
                case ParameterRole.Hole:
                    args.Add(FromWord(p.Type, $"holes[{hole++}]"));
                    break;
                case ParameterRole.Target:
                    args.Add($"new global::Patchouly.Target({target++})");
                    break;
                case ParameterRole.Output:
                    args.Add($"out {p.Type.CSharp} __o{output}");
                    stores.Add($"values[{inputs + output}] = {ToWord(p.Type, "__o" + output)};");
                    output++;
                    break;
            }
        }
        string call = $"{library.Identifier}.{KnownIdentifier(f.Name)}({string.Join(", ", args)})";
        w.AppendLine($"                case {f.Index}: // {f.Signature.Replace("\n", " ").Replace("\r", "")}");
        w.AppendLine("                {");
        if (f.Kind == StencilFamilyKind.Return)
        {
            if (f.ReturnType is null)
            {
                w.AppendLine($"                    {call};");
                w.AppendLine($"                    values[{inputs}] = 0;");
            }
            else w.AppendLine($"                    values[{inputs}] = {ToWord(f.ReturnType, call)};");
            w.AppendLine($"                    return {Rt}.Managed.ManagedStencils.Returned;");
            w.AppendLine("                }");
            return;
        }
        // Outputs are stored in output order (the return value, then the out parameters), as in native code.
        if (f.ReturnsTarget) w.AppendLine($"                    global::Patchouly.Target __t = {call};");
        else if (f.ReturnIsOutput) w.AppendLine($"                    values[{inputs}] = {ToWord(f.ReturnType!, call)};");
        else w.AppendLine($"                    {call};");
        foreach (var s in stores) w.AppendLine("                    " + s);
        w.AppendLine(f.ReturnsTarget ? "                    return __t.Id;" : $"                    return {Rt}.Managed.ManagedStencils.Next;");
        w.AppendLine("                }");
    }

    /// <summary>C# converting a word (a <c>ulong</c>) to a value of <paramref name="type"/>, as the C does: truncation, <c>bool</c> is word ≠ 0.</summary>
    private static string FromWord(WordType type, string word)
    {
        if (type.Class == WordClass.Pointer) return $"unchecked(({type.CSharp})(nuint){word})";
        if (type.Bits == 1) return $"({word} != 0)";
        if (type.Class == WordClass.Float)
            return type.Bits == 32 ? $"global::System.BitConverter.UInt32BitsToSingle(unchecked((uint){word}))" : $"global::System.BitConverter.UInt64BitsToDouble({word})";
        if (type.Underlying is not null) return $"unchecked(({type.CSharp})({type.Underlying}){word})";
        return $"unchecked(({type.CSharp}){word})";
    }

    /// <summary>C# converting a value of <paramref name="type"/> to its canonical word: sign-extended for signed integers, zero-extended otherwise.</summary>
    private static string ToWord(WordType type, string value)
    {
        if (type.Class == WordClass.Pointer) return $"unchecked((ulong)(nuint)({value}))";
        if (type.Bits == 1) return $"(({value}) ? 1UL : 0UL)";
        if (type.Class == WordClass.Float)
            return type.Bits == 32 ? $"(ulong)global::System.BitConverter.SingleToUInt32Bits({value})" : $"global::System.BitConverter.DoubleToUInt64Bits({value})";
        string v = type.Underlying is not null ? $"({type.Underlying})({value})" : $"({value})";
        return type.Class == WordClass.Signed ? $"unchecked((ulong)(long){v})" : $"unchecked((ulong){v})";
    }

    private static string KnownIdentifier(string name) => Parsing.KnownNames.Identifier(name);

    internal static string Literal(string s) =>
        "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\r", "\\r").Replace("\n", "\\n") + "\"";
}
