using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>
/// Compiles a <see cref="ManagedProgram"/> to a <see cref="DynamicMethod"/>: every register location and stack slot is
/// an <c>int64</c> local, each stencil a call of its C# method (inputs loaded and converted from their words, holes as
/// constants, target <c>t</c> as <c>new Target(t)</c>, outputs stored as words), a returned <see cref="Target"/> a
/// <c>switch</c> to the blocks' labels, a returning stencil a <c>ret</c>.
/// </summary>
internal static class IlCompiler
{
    private static readonly Type[] s_parameters = [typeof(long), typeof(long), typeof(long), typeof(long), typeof(long), typeof(long)];
    private static readonly ConstructorInfo s_target = typeof(Target).GetConstructor([typeof(int)])!;
    private static readonly MethodInfo s_targetId = typeof(Target).GetProperty(nameof(Target.Id))!.GetMethod!;
    private static readonly MethodInfo s_ranOffEnd = typeof(ManagedCode).GetMethod(nameof(ManagedCode.ThrowRanOffEnd), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static ManagedEntry Compile(ManagedProgram program)
    {
        var methods = program.Stencils.MethodsFor(program.Library);
        var dm = new DynamicMethod("patchouly:" + program.Library.Name + "::" + program.Name, typeof(long), s_parameters,
            program.Stencils.LibraryType.Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        var words = new Dictionary<int, LocalBuilder>();
        LocalBuilder Word(Location l)
        {
            if (!words.TryGetValue(l.Bits, out var local)) words[l.Bits] = local = il.DeclareLocal(typeof(long));
            return local;
        }
        // Temporaries for out parameters, by type and position; one for returned targets.
        var temps = new Dictionary<(Type, int), LocalBuilder>();
        LocalBuilder Temp(Type type, int index)
        {
            if (!temps.TryGetValue((type, index), out var local)) temps[(type, index)] = local = il.DeclareLocal(type);
            return local;
        }
        LocalBuilder? targetTemp = null;

        for (int a = 0; a < program.ParameterCount; a++)
        {
            il.Emit(OpCodes.Ldarg, (short)a);
            il.Emit(OpCodes.Stloc, Word(Location.Register(a)));
        }

        var steps = program.Steps;
        var blockLabels = new Label[program.BlockStarts.Length];
        var startsAt = new List<int>[steps.Length + 1];
        for (int b = 0; b < blockLabels.Length; b++)
        {
            blockLabels[b] = il.DefineLabel();
            int at = program.BlockStarts[b];
            if (at >= 0) (startsAt[at] ??= new List<int>()).Add(b);
        }

        var locations = program.Locations;
        for (int s = 0; s < steps.Length; s++)
        {
            if (startsAt[s] is { } here)
                foreach (int b in here) il.MarkLabel(blockLabels[b]);
            var step = steps[s];
            var family = program.FamilyOf(step);
            switch (family.Kind)
            {
                case StencilFamilyKind.Move:
                    il.Emit(OpCodes.Ldloc, Word(locations[step.Locations]));
                    il.Emit(OpCodes.Stloc, Word(locations[step.Locations + 1]));
                    continue;
                case StencilFamilyKind.Jump:
                    il.Emit(OpCodes.Br, blockLabels[program.Targets[step.Targets]]);
                    continue;
            }
            var method = methods[step.Family]!;
            foreach (var p in method.Parameters)
            {
                switch (p.Role)
                {
                    case ParameterRole.Input:
                        il.Emit(OpCodes.Ldloc, Word(locations[step.Locations + p.Index]));
                        Words.FromWord(il, p.Kind);
                        break;
                    case ParameterRole.Hole:
                        il.Emit(OpCodes.Ldc_I8, unchecked((long)program.Holes[step.Holes + p.Index]));
                        Words.FromWord(il, p.Kind);
                        break;
                    case ParameterRole.Target:
                        il.Emit(OpCodes.Ldc_I4, p.Index);
                        il.Emit(OpCodes.Newobj, s_target);
                        break;
                    case ParameterRole.Output:
                        il.Emit(OpCodes.Ldloca, Temp(Words.LocalType(p.Kind, p.Type), p.Index));
                        break;
                }
            }
            il.Emit(OpCodes.Call, method.Method);

            if (family.Kind == StencilFamilyKind.Return)
            {
                if (method.Result == WordKind.Void) il.Emit(OpCodes.Ldc_I8, 0L);
                else Words.ToWord(il, method.Result);
                il.Emit(OpCodes.Ret);
                continue;
            }
            // Outputs are stored in output order (the return value, then the out parameters): a location given to two
            // outputs ends up holding the later one, as in native code.
            int output = 0;
            if (method.Result == WordKind.Target) il.Emit(OpCodes.Stloc, targetTemp ??= il.DeclareLocal(typeof(Target)));
            else if (method.Result != WordKind.Void)
            {
                Words.ToWord(il, method.Result);
                il.Emit(OpCodes.Stloc, Word(locations[step.Locations + family.Inputs + output++]));
            }
            foreach (var p in method.Parameters)
            {
                if (p.Role != ParameterRole.Output) continue;
                il.Emit(OpCodes.Ldloc, Temp(Words.LocalType(p.Kind, p.Type), p.Index));
                Words.ToWord(il, p.Kind);
                il.Emit(OpCodes.Stloc, Word(locations[step.Locations + family.Inputs + p.Index]));
            }
            if (method.Result == WordKind.Target && family.Targets > 0)
            {
                il.Emit(OpCodes.Ldloca, targetTemp!);
                il.Emit(OpCodes.Call, s_targetId);
                var cases = new Label[family.Targets];
                for (int t = 0; t < cases.Length; t++) cases[t] = blockLabels[program.Targets[step.Targets + t]];
                il.Emit(OpCodes.Switch, cases); // Next (-1) falls through
            }
        }
        if (startsAt[steps.Length] is { } atEnd)
            foreach (int b in atEnd) il.MarkLabel(blockLabels[b]);
        // Only reached when the last stencil continues (it returned Target.Next): native code would run into the padding.
        il.Emit(OpCodes.Ldstr, program.Name);
        il.Emit(OpCodes.Call, s_ranOffEnd);
        il.Emit(OpCodes.Ldc_I8, 0L);
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<ManagedEntry>();
    }
}
