using System.Collections.Generic;
using System.Linq;
using System.Text;
using Patchouly.Generators.Model;
using Patchouly.Generators.Format;
using Patchouly.Generators.Translation;

namespace Patchouly.Generators.Variants;

/// <summary>
/// Writes the C that clang compiles: for every family, its translated body as a <c>static inline</c> function and one
/// <c>preserve_none</c> wrapper per variant that reads the inputs from their locations, calls the body with the holes,
/// writes the outputs to their locations and tail-calls the continuation with every register passed through.
/// </summary>
/// <remarks>
/// The C is the same for every target: holes are weak, hidden, undefined symbols (weak so clang cannot assume they are
/// non-null or distinct) declared and read through macros that each target's prelude defines (the build task puts it
/// before every unit), which decide whether a narrow (32-bit) or wide (64-bit) constant is encoded. Continuations are
/// <c>musttail</c> calls to undefined functions, which become the target's direct jumps.
/// </remarks>
internal static class CLibraryWriter
{
    public static CLibrarySource Write(LibraryModel library)
    {
        int registers = library.Registers;
        var patchSymbols = new Dictionary<string, PatchSymbol>
        {
            [VariantNames.Next] = new(PatchKind.Next, 0, false),
            [VariantNames.Body] = new(PatchKind.Target, 0, false),
            [VariantNames.FrameSize] = new(PatchKind.FrameSize, 0, false),
        };
        int maxStackValues = library.Families.Max(f => f.InputCount + f.OutputCount);
        for (int k = 0; k < maxStackValues; k++)
            patchSymbols[VariantNames.Slot(k)] = new(PatchKind.Slot, k, false);

        var variants = new List<VariantSymbol>();
        var families = new List<CFamilySource>();
        foreach (var family in library.Families)
        {
            var sb = new StringBuilder();
            int count = WriteFamily(sb, library, family, variants, patchSymbols);
            families.Add(new CFamilySource(family.Index, sb.ToString(), count));
        }
        return new CLibrarySource(library, Header(library, maxStackValues), library.Prelude, families, variants, patchSymbols);
    }

    private static string Regs(int registers, int floatRegisters) => string.Join(", ",
        Enumerable.Range(0, registers).Select(i => "uint64_t r" + i).Concat(Enumerable.Range(0, floatRegisters).Select(i => "double d" + i)));

    private static string Args(int registers, int floatRegisters) => string.Join(", ",
        Enumerable.Range(0, registers).Select(i => "r" + i).Concat(Enumerable.Range(0, floatRegisters).Select(i => "d" + i)));

    private static string Header(LibraryModel library, int maxStackValues)
    {
        int registers = library.AllRegisters;
        var sb = new StringBuilder();
        sb.AppendLine($"// Stencils of {library.FullName}, translated from C# by Patchouly. Generated: do not edit.");
        sb.AppendLine($"// {registers} register locations: the frame pointer is the first preserve_none argument, registers r0..r{registers - 1} the next ones.");
        if (library.MoveRegisters > 0)
            sb.AppendLine($"// Of these, r{library.Registers}..r{registers - 1} are move registers: only the built-in moves read or write them.");
        if (library.FloatRegisters > 0)
            sb.AppendLine($"// {library.AllFloatRegisters} float register locations: the double arguments d0..d{library.AllFloatRegisters - 1} (a float is the low 32 bits of one).");
        if (library.MoveFloatRegisters > 0)
            sb.AppendLine($"// Of these, d{library.FloatRegisters}..d{library.AllFloatRegisters - 1} are move registers: only the built-in moves read or write them.");
        sb.AppendLine("// The target's prelude defines PATCHOULY_NARROW/WIDE(sym) (declare a hole) and PATCHOULY_NARROW/WIDE_BITS(sym) (its value),");
        sb.AppendLine("// PATCHOULY_NARROW_POINTER_BITS(sym) for a narrow data-pointer hole (absolute, never PC-relative).");
        sb.AppendLine("#include <stdint.h>");
        sb.AppendLine("#include <stddef.h>");
        sb.AppendLine("#define PATCHOULY_PN __attribute__((preserve_none))");
        sb.AppendLine("#define PATCHOULY_INLINE static inline __attribute__((always_inline))");
        sb.AppendLine("#define PATCHOULY_HOLE(type, bits) ((type)(bits))");
        sb.AppendLine("/* A wide function-pointer hole is laundered so clang loads it into a register instead of a direct call. */");
        sb.AppendLine("#define PATCHOULY_WIDE_FN(type, sym) ({ uintptr_t patchouly_v = PATCHOULY_WIDE_BITS(sym); __asm__(\"\" : \"+r\"(patchouly_v)); (type)patchouly_v; })");
        sb.AppendLine("#define PATCHOULY_SLOT(sym) (*(uint64_t *)((char *)fp + PATCHOULY_NARROW_BITS(sym)))");
        sb.Append(HoleOperations.FallbackDefinitions());
        sb.AppendLine($"#define PATCHOULY_REGS {Regs(registers, library.AllFloatRegisters)}");
        sb.AppendLine($"#define PATCHOULY_ARGS {Args(registers, library.AllFloatRegisters)}");
        if (library.FloatRegisters > 0)
        {
            // A float in a double register is its low 32 bits; the bits above are left undefined, so that neither
            // reading nor writing one costs an instruction (clang may then compute on the whole vector register).
            sb.AppendLine("typedef float patchouly_v4f __attribute__((vector_size(16)));");
            sb.AppendLine("typedef double patchouly_v2d __attribute__((vector_size(16)));");
            sb.AppendLine("PATCHOULY_INLINE float patchouly_f32_of(double d) { patchouly_v2d v = __builtin_shufflevector((patchouly_v2d){d, 0}, (patchouly_v2d){d, 0}, 0, -1); return ((patchouly_v4f)v)[0]; }");
            sb.AppendLine("PATCHOULY_INLINE double patchouly_d_of_f32(float f) { patchouly_v4f v = __builtin_shufflevector((patchouly_v4f){f, 0, 0, 0}, (patchouly_v4f){f, 0, 0, 0}, 0, -1, -1, -1); return ((patchouly_v2d)v)[0]; }");
        }
        sb.AppendLine($"extern PATCHOULY_PN void {VariantNames.Next}(uint64_t *fp, PATCHOULY_REGS);");
        for (int k = 0; k < maxStackValues; k++)
            sb.AppendLine($"PATCHOULY_NARROW({VariantNames.Slot(k)});");
        return sb.ToString();
    }

    private static int WriteFamily(StringBuilder sb, LibraryModel library, FamilyModel family, List<VariantSymbol> variants,
        Dictionary<string, PatchSymbol> patchSymbols)
    {
        // A built-in move also reaches the move registers; every other family only the registers.
        int registers = library.FamilyRegisters(family), floatRegisters = library.FamilyFloatRegisters(family);
        string prefix = family.CName;
        sb.AppendLine($"/* ---- {family.Name}: {family.Signature} ---- */");

        var holes = family.Holes;
        for (int h = 0; h < holes.Length; h++)
        {
            string narrow = VariantNames.Hole(prefix, h, false);
            sb.AppendLine($"PATCHOULY_NARROW({narrow});");
            patchSymbols[narrow] = new(PatchKind.Hole, h, false);
            if (family.HasWide)
            {
                string wide = VariantNames.Hole(prefix, h, true);
                sb.AppendLine($"PATCHOULY_WIDE({wide});");
                patchSymbols[wide] = new(PatchKind.Hole, h, true);
            }
        }
        for (int t = 0; t < family.TargetCount; t++)
        {
            string target = VariantNames.Target(prefix, t);
            sb.AppendLine($"extern PATCHOULY_PN void {target}(uint64_t *fp, PATCHOULY_REGS);");
            patchSymbols[target] = new(PatchKind.Target, t, false);
        }
        bool holeOperations = HoleOperations.Uses(family.CFunction);
        if (holeOperations) WriteBodies(sb, family);
        else if (family.CFunction.Length > 0) sb.AppendLine(family.CFunction);

        int count = 0;
        if (family.Kind == StencilFamilyKind.Entry)
        {
            WriteEntry(sb, prefix, library.AllRegisters, library.AllFloatRegisters);
            variants.Add(new VariantSymbol(prefix, family.Index, 0, false));
            return 1;
        }
        foreach (var spec in VariantEnumerator.Enumerate(family, registers, floatRegisters))
        {
            string symbol = VariantNames.Variant(prefix, spec, registers);
            WriteVariant(sb, family, spec, symbol, registers, holeOperations && !spec.Wide ? VariantNames.NarrowBody(prefix) : prefix);
            variants.Add(new VariantSymbol(symbol, family.Index, spec.Index, spec.Wide));
            count++;
        }
        return count;
    }

    private static void WriteEntry(StringBuilder sb, string symbol, int registers, int floatRegisters)
    {
        sb.AppendLine($"extern PATCHOULY_PN uint64_t {VariantNames.Body}(uint64_t *fp, PATCHOULY_REGS);");
        sb.AppendLine($"PATCHOULY_NARROW({VariantNames.FrameSize});");
        sb.AppendLine("/* The C-ABI entry: allocates the spill frame, passes up to six arguments in r0..r5, calls the body. */");
        sb.AppendLine($"uint64_t {symbol}(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {{");
        sb.AppendLine($"  uint64_t *fp = (uint64_t *)__builtin_alloca(PATCHOULY_NARROW_BITS({VariantNames.FrameSize}));");
        var args = Enumerable.Range(0, registers).Select(i => i < 6 ? "a" + i : "0").Concat(Enumerable.Range(0, floatRegisters).Select(_ => "0.0"));
        sb.AppendLine($"  return {VariantNames.Body}(fp, {string.Join(", ", args)});");
        sb.AppendLine("}");
    }

    /// <summary>
    /// A body with hole operations, twice: the narrow variants' copy (<see cref="VariantNames.NarrowBody"/>), in which each
    /// operation is the target's macro given the hole's narrow symbol, and the wide variants' copy, in which it is the
    /// plain C (a wide hole's value need not fit any instruction's immediate).
    /// </summary>
    private static void WriteBodies(StringBuilder sb, FamilyModel family)
    {
        string prefix = family.CName, dispatch = HoleOperations.Dispatch;
        sb.AppendLine($"/* The narrow variants' body: an operation on a hole may encode the hole as an immediate ({dispatch}_*, see the prelude). */");
        sb.AppendLine($"#undef {dispatch}");
        sb.AppendLine($"#define {dispatch}(op, h, a, c) {dispatch}_##op({prefix}__##h, a, c)");
        sb.AppendLine($"#define {prefix} {VariantNames.NarrowBody(prefix)}");
        sb.AppendLine(family.CFunction);
        sb.AppendLine($"#undef {prefix}");
        sb.AppendLine($"#undef {dispatch}");
        // Back to the library prelude's plain C, for the wide variants' body and everything after it.
        sb.AppendLine($"#define {dispatch}(op, h, a, c) (c)");
        if (family.HasWide) sb.AppendLine(family.CFunction);
    }

    private static void WriteVariant(StringBuilder sb, FamilyModel family, VariantSpec spec, string symbol, int registers, string body)
    {
        bool isReturn = family.Kind == StencilFamilyKind.Return;
        sb.AppendLine($"PATCHOULY_PN {(isReturn ? "uint64_t" : "void")} {symbol}(uint64_t *fp, PATCHOULY_REGS) {{");
        int stackValue = 0;

        // Inputs: a register is used in place; a stack value is loaded from its slot. A float-class input in a float
        // register is used in place as its type (inputFloats), never as a word.
        var inputTypes = family.Kind == StencilFamilyKind.Move ? new[] { family.Parameters[0].Type } : family.Inputs.Select(p => p.Type).ToArray();
        var inputWords = new string[spec.Inputs.Length];
        var inputFloats = new string?[spec.Inputs.Length];
        for (int i = 0; i < spec.Inputs.Length; i++)
        {
            if (spec.InputOnStack(i, registers))
            {
                sb.AppendLine($"  uint64_t in{i} = PATCHOULY_SLOT({VariantNames.Slot(stackValue++)});");
                inputWords[i] = "in" + i;
            }
            else if (spec.IsFloat(i))
            {
                inputWords[i] = inputTypes[i].ToWord("d" + spec.Inputs[i]);
                inputFloats[i] = inputTypes[i].Bits == 64 ? "d" + spec.Inputs[i] : $"patchouly_f32_of(d{spec.Inputs[i]})";
            }
            else inputWords[i] = "r" + spec.Inputs[i];
        }

        if (family.Kind == StencilFamilyKind.Move && family.FloatMask == 0)
        {
            WriteOutputs(sb, spec, registers, ref stackValue, new[] { inputWords[0] });
            WriteTailCall(sb, VariantNames.Next, "  ");
            sb.AppendLine("}");
            return;
        }
        if (family.Kind == StencilFamilyKind.Move)
        {
            // A move of the float class (or between classes) copies the 64 bits: as a double in a float register.
            var outType = family.ReturnType!;
            string value = inputFloats[0] ?? inputTypes[0].FromWord(inputWords[0]);
            if (!Equals(inputTypes[0], outType)) value = outType.FromWord(inputTypes[0].ToWord(value));
            WriteOutputs(sb, spec, registers, ref stackValue, new[] { outType.ToWord(value) }, new[] { value }, new[] { outType });
            WriteTailCall(sb, VariantNames.Next, "  ");
            sb.AppendLine("}");
            return;
        }
        if (family.Kind == StencilFamilyKind.Jump)
        {
            WriteTailCall(sb, VariantNames.Target(family.CName, 0), "  ");
            sb.AppendLine("}");
            return;
        }

        // Outputs are locals the body writes (return value first, then out parameters).
        var outputWords = new List<string>();
        var outputValues = new List<string>();
        var outputTypes = new List<WordType>();
        if (family.ReturnIsOutput)
        {
            sb.AppendLine($"  {family.ReturnType!.C} out0;");
            outputWords.Add(family.ReturnType.ToWord("out0"));
            outputValues.Add("out0");
            outputTypes.Add(family.ReturnType);
        }
        int outIndex = outputWords.Count;
        var outNames = new Dictionary<string, string>();
        foreach (var p in family.OutParameters)
        {
            string name = "out" + outIndex++;
            sb.AppendLine($"  {p.Type.C} {name} = 0;");
            outNames[p.Name] = name;
            outputWords.Add(p.Type.ToWord(name));
            outputValues.Add(name);
            outputTypes.Add(p.Type);
        }

        var args = new List<string>();
        int input = 0, hole = 0, target = 0;
        foreach (var p in family.Parameters)
        {
            switch (p.Role)
            {
                case ParameterRole.Input:
                    args.Add(inputFloats[input] ?? p.Type.FromWord(inputWords[input]));
                    input++;
                    break;
                case ParameterRole.Hole:
                    string sym = VariantNames.Hole(family.CName, hole++, spec.Wide);
                    bool isFunctionPointer = p.Type.Class == WordClass.Pointer && p.Type.CSharp.StartsWith("delegate*", System.StringComparison.Ordinal);
                    // A narrow data-pointer hole gets its own macro: on some targets clang would address its memory
                    // PC-relatively (no value fits), so the prelude materialises it as an absolute immediate.
                    string narrowBits = p.Type.Class == WordClass.Pointer && !isFunctionPointer ? "PATCHOULY_NARROW_POINTER_BITS" : "PATCHOULY_NARROW_BITS";
                    string bits = $"{(spec.Wide ? "PATCHOULY_WIDE_BITS" : narrowBits)}({sym})";
                    args.Add(spec.Wide && isFunctionPointer ? $"PATCHOULY_WIDE_FN({p.Type.C}, {sym})"
                        // clang 19's constant evaluator crashes on __builtin_bit_cast of an address constant: launder it.
                        : p.Type.Class == WordClass.Float ? p.Type.FromWord($"({{ uint64_t patchouly_hole = {bits}; patchouly_hole; }})")
                        : $"PATCHOULY_HOLE({p.Type.C}, {bits})");
                    break;
                case ParameterRole.Target:
                    args.Add((target++).ToString());
                    break;
                case ParameterRole.Output:
                    args.Add("&" + outNames[p.Name]);
                    break;
            }
        }
        string call = $"{body}({string.Join(", ", args)})";

        if (isReturn)
        {
            sb.AppendLine(family.ReturnType is null ? $"  {call};\n  return 0;" : $"  return {family.ReturnType.ToWord(call)};");
            sb.AppendLine("}");
            return;
        }

        if (family.ReturnsTarget) sb.AppendLine($"  int32_t target = {call};");
        else if (family.ReturnIsOutput) sb.AppendLine($"  out0 = {call};");
        else sb.AppendLine($"  {call};");
        // A cold target leaves before the outputs are stored, so clang makes it one conditional branch off the hot path.
        var cold = family.ReturnsTarget ? family.Targets.Select(t => t.Cold).ToArray() : [];
        for (int t = 0; t < cold.Length; t++)
        {
            if (!cold[t]) continue;
            sb.AppendLine($"  if (__builtin_expect(target == {t}, 0))");
            WriteTailCall(sb, VariantNames.Target(family.CName, t), "    ");
        }
        WriteOutputs(sb, spec, registers, ref stackValue, outputWords, outputValues, outputTypes);

        if (!family.ReturnsTarget)
        {
            WriteTailCall(sb, VariantNames.Next, "  ");
        }
        else
        {
            sb.AppendLine("  switch (target) {");
            for (int t = 0; t < family.TargetCount; t++)
            {
                if (cold[t]) continue;
                sb.AppendLine($"  case {t}:");
                WriteTailCall(sb, VariantNames.Target(family.CName, t), "    ");
            }
            sb.AppendLine("  default:");
            WriteTailCall(sb, VariantNames.Next, "    ");
            sb.AppendLine("  }");
        }
        sb.AppendLine("}");
    }

    /// <summary>Writes each output to its location: <paramref name="words"/> to a register or slot; for a float-class
    /// output in a float register, its value (<paramref name="values"/>, of type <paramref name="types"/>) as a double.</summary>
    private static void WriteOutputs(StringBuilder sb, VariantSpec spec, int registers, ref int stackValue, IReadOnlyList<string> words,
        IReadOnlyList<string>? values = null, IReadOnlyList<WordType>? types = null)
    {
        for (int o = 0; o < spec.Outputs.Length; o++)
        {
            if (spec.OutputOnStack(o, registers))
                sb.AppendLine($"  PATCHOULY_SLOT({VariantNames.Slot(stackValue++)}) = {words[o]};");
            else if (spec.IsFloat(spec.Inputs.Length + o))
                sb.AppendLine(types![o].Bits == 64 ? $"  d{spec.Outputs[o]} = {values![o]};" : $"  d{spec.Outputs[o]} = patchouly_d_of_f32({values![o]});");
            else
                sb.AppendLine($"  r{spec.Outputs[o]} = {words[o]};");
        }
    }

    private static void WriteTailCall(StringBuilder sb, string continuation, string indent) =>
        sb.AppendLine($"{indent}__attribute__((musttail)) return {continuation}(fp, PATCHOULY_ARGS);");
}
