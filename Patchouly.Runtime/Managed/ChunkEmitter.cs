using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>Emits one chunk of a <see cref="ManagedProgram"/> as a <see cref="DynamicMethod"/> (see <see cref="IlCompiler"/> for the scheme).</summary>
internal static class ChunkEmitter
{
    private static readonly Type[] s_parameters = [typeof(long*), typeof(int)];
    // Target is a struct of one int, its id + 1 (0: Next). Setting and reading the field directly (the dynamic methods
    // skip visibility checks) spares RyuJIT inlining the constructor, with its argument check, at every target argument.
    private static readonly FieldInfo s_targetField = typeof(Target).GetField("_idPlusOne", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException(typeof(Target).FullName, "_idPlusOne");

    /// <summary>The chunk <paramref name="chunk"/>, steps <paramref name="start"/> to <paramref name="end"/> (exclusive), as a delegate.</summary>
    public static ChunkMethod Emit(ManagedProgram program, StencilMethod?[] methods, bool[] blockStart, bool[] entered, int chunk, int start, int end)
    {
        var dm = new DynamicMethod($"patchouly:{program.Library.Name}::{program.Name}#{chunk}", typeof(int), s_parameters,
            program.Stencils.LibraryType.Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        var steps = program.Steps;
        var locations = program.Locations;
        int registers = program.Library.Registers + program.Library.MoveRegisters;
        int resultIndex = ChunkedProgram.ResultIndex(program);

        // The locations this chunk uses, as locals: native-sized (nint) when the chunk's stencils use the location only
        // for pointers and native integers (as bf's data pointer), which spares a conversion at every use, else int64.
        var native = new Dictionary<int, bool>();
        var used = new List<Location>();
        void Use(Location l, WordKind kind)
        {
            bool isNative = IntPtr.Size == 8 && kind is WordKind.I or WordKind.U or WordKind.Pointer;
            if (native.TryGetValue(l.Bits, out bool was))
            {
                if (kind != WordKind.Void) native[l.Bits] = was && isNative;
                return;
            }
            native[l.Bits] = isNative || (kind == WordKind.Void && IntPtr.Size == 8);
            used.Add(l);
        }
        for (int s = start; s < end; s++)
        {
            var f = program.FamilyOf(steps[s]);
            var m = methods[steps[s].Family];
            if (m is null)
            {
                for (int i = 0; i < f.Inputs + f.Outputs; i++) Use(locations[steps[s].Locations + i], WordKind.Void); // a move: any type
                continue;
            }
            foreach (var p in m.Parameters)
                if (p.Role is ParameterRole.Input or ParameterRole.Output)
                    Use(locations[steps[s].Locations + (p.Role == ParameterRole.Input ? 0 : f.Inputs) + p.Index], p.Kind);
            if (f.Kind == StencilFamilyKind.Normal && m.Result is not (WordKind.Void or WordKind.Target))
                Use(locations[steps[s].Locations + f.Inputs], m.Result);
        }
        var words = new Dictionary<int, LocalBuilder>();
        foreach (var l in used) words[l.Bits] = il.DeclareLocal(native[l.Bits] ? typeof(nint) : typeof(long));
        // Loads a location as a value of the kind, and stores one.
        void LoadWord(Location l, WordKind kind)
        {
            il.Emit(OpCodes.Ldloc, words[l.Bits]);
            if (!native[l.Bits]) Words.FromWord(il, kind);
        }
        void StoreWord(Location l, WordKind kind)
        {
            if (!native[l.Bits]) Words.ToWord(il, kind);
            il.Emit(OpCodes.Stloc, words[l.Bits]);
        }
        int StateIndex(Location l) => l.IsRegister ? l.Index : l.IsFloatRegister ? resultIndex + 1 + l.Index : registers + l.Index;
        var temps = new Dictionary<(Type, int), LocalBuilder>();
        LocalBuilder Temp(Type type, int index)
        {
            if (!temps.TryGetValue((type, index), out var local)) temps[(type, index)] = local = il.DeclareLocal(type);
            return local;
        }
        LocalBuilder? targetTemp = null;
        // Target t as a local, set once per chunk.
        var targetValues = new List<LocalBuilder>();
        LocalBuilder TargetValue(int t)
        {
            while (targetValues.Count <= t) targetValues.Add(il.DeclareLocal(typeof(Target)));
            return targetValues[t];
        }
        for (int s = start; s < end; s++)
            if (program.FamilyOf(steps[s]).Kind == StencilFamilyKind.Normal || program.FamilyOf(steps[s]).Kind == StencilFamilyKind.Return)
                if (program.FamilyOf(steps[s]).Targets > 0) TargetValue(program.FamilyOf(steps[s]).Targets - 1);

        // Labels: steps of this chunk that are jumped to or entered, and exits to the other chunks' steps.
        var stepLabels = new Dictionary<int, Label>();
        var exits = new Dictionary<int, Label>();
        Label LabelOf(int step)
        {
            if (step >= start && step < end)
            {
                if (!stepLabels.TryGetValue(step, out var label)) stepLabels[step] = label = il.DefineLabel();
                return label;
            }
            if (!exits.TryGetValue(step, out var exit)) exits[step] = exit = il.DefineLabel();
            return exit;
        }

        // The out parameters' values, converted and stored in their locations.
        void StoreOutputs(StencilMethod method, in ManagedStep step, StencilFamily family)
        {
            foreach (var p in method.Parameters)
            {
                if (p.Role != ParameterRole.Output) continue;
                il.Emit(OpCodes.Ldloc, Temp(Words.LocalType(p.Kind, p.Type), p.Index));
                StoreWord(locations[step.Locations + family.Inputs + p.Index], p.Kind);
            }
        }

        // Locals of copied methods, shared by all copies in the chunk: the n-th variable of a type in a copy (its
        // parameters, then its locals) is the same local in every copy. C# reads no variable before writing it, so
        // copies never see each other's values, and RyuJIT gets a few locals rather than a few per stencil.
        var shared = new Dictionary<(Type, int), LocalBuilder>();
        var ordinals = new Dictionary<Type, int>();
        LocalBuilder Shared(Type type)
        {
            if (type.IsEnum) type = Enum.GetUnderlyingType(type);
            int n = ordinals.GetValueOrDefault(type);
            ordinals[type] = n + 1;
            if (!shared.TryGetValue((type, n), out var local)) shared[(type, n)] = local = il.DeclareLocal(type);
            return local;
        }

        // Emits a copy of the method's IL for one stencil. Inputs are read from their locations where they are used
        // (or copied to a local when the method stores to them), a hole is a constant wherever it is read, an out
        // parameter is the address of its temporary. True when the stencil returns a target: then each
        // "return target;" became a branch to the target's block (after storing the outputs), a conditional branch to
        // one goes there directly, the branch to the next step is left out, and the stencil is done; otherwise the copy
        // leaves the return value (if any) on the IL stack, as a call would.
        bool EmitCopy(StencilMethod method, StencilBody body, int at, ManagedStep step, StencilFamily family)
        {
            ordinals.Clear();
            var parameters = method.Parameters;
            var args = new LocalBuilder?[parameters.Length];
            var instructions = body.Instructions;
            bool branches = method.Result == WordKind.Target;
            bool hasOutputs = false;
            foreach (var p in parameters) hasOutputs |= p.Role == ParameterRole.Output;
            // Per instruction: the step a "return target;" starting there goes to (-1: none).
            var returnsTo = new int[instructions.Length];
            var index = new Dictionary<int, int>();
            int rets = 0;
            for (int i = 0; i < instructions.Length; i++)
            {
                var ins = instructions[i];
                index[ins.Offset] = i;
                returnsTo[i] = -1;
                var (access, n) = StencilBody.Variable(ins);
                if (access is VariableAccess.StoreArg or VariableAccess.AddressArg)
                    args[n] ??= Shared(parameters[n].Type);
                else if (ins.OpCode == OpCodes.Ret) rets++;
                if (!branches || i + 1 >= instructions.Length || instructions[i + 1].OpCode != OpCodes.Ret
                    || body.BranchTargets.Contains(instructions[i + 1].Offset)) continue;
                if (access == VariableAccess.LoadArg && parameters[n].Role == ParameterRole.Target)
                    returnsTo[i] = program.TargetStep(step, parameters[n].Index);
                else if (ins.OpCode == OpCodes.Call && ins.Operand is MethodInfo { Name: "get_Next" } next && next.DeclaringType == typeof(Target))
                    returnsTo[i] = at + 1;
            }
            // A branch to a "return target;" goes to the target directly (when there are no outputs to store first).
            int Threaded(int offset) => !hasOutputs && index.TryGetValue(offset, out int j) ? returnsTo[j] : -1;
            // Reachable instructions (branches only go forward: loops stay calls).
            var reachable = new bool[instructions.Length + 1];
            reachable[0] = true;
            for (int i = 0; i < instructions.Length; i++)
            {
                if (!reachable[i]) continue;
                var ins = instructions[i];
                var op = ins.OpCode;
                if (returnsTo[i] >= 0)
                {
                    continue; // a branch to its target; its ret is not reached

                }
                if (op.OperandType is OperandType.InlineBrTarget or OperandType.ShortInlineBrTarget)
                {
                    if (Threaded((int)ins.Int) < 0) reachable[index[(int)ins.Int]] = true;
                }
                else if (op == OpCodes.Switch)
                    foreach (int t in ins.Targets!) reachable[index[t]] = true;
                if (op.FlowControl is not (FlowControl.Branch or FlowControl.Return or FlowControl.Throw)) reachable[i + 1] = true;
            }
            for (int a = 0; a < parameters.Length; a++)
            {
                var p = parameters[a];
                if (p.Role == ParameterRole.Input && args[a] is { } input)
                {
                    LoadWord(locations[step.Locations + p.Index], p.Kind);
                    il.Emit(OpCodes.Stloc, input);
                }
                else if (p.Role == ParameterRole.Hole && args[a] is { } hole)
                {
                    Words.Constant(il, p.Kind, program.Holes[step.Holes + p.Index]);
                    il.Emit(OpCodes.Stloc, hole);
                }
            }
            var locals = new LocalBuilder[body.Locals.Length];
            for (int l = 0; l < locals.Length; l++) locals[l] = Shared(body.Locals[l]);
            var labels = new Dictionary<int, Label>();
            foreach (int offset in body.BranchTargets) labels[offset] = il.DefineLabel();
            var done = il.DefineLabel();
            bool dispatch = false;
            // A value returned only at the end stays on the IL stack.
            bool lastRetOnly = rets == 1 && instructions[^1].OpCode == OpCodes.Ret;
            LocalBuilder? result = method.Result is WordKind.Void or WordKind.Target || lastRetOnly ? null : Shared(method.Method.ReturnType);
            // A "return target;" waiting to be emitted: left out when nothing follows it and it goes to the next step.
            int pending = -1;
            void Flush()
            {
                if (pending < 0) return;
                il.Emit(OpCodes.Br, LabelOf(pending));
                pending = -1;
            }
            for (int i = 0; i < instructions.Length; i++)
            {
                if (!reachable[i]) continue;
                Flush();
                var ins = instructions[i];
                if (labels.TryGetValue(ins.Offset, out var here)) il.MarkLabel(here);
                if (returnsTo[i] >= 0)
                {
                    StoreOutputs(method, step, family);
                    pending = returnsTo[i];
                    i++; // its ret
                    continue;
                }
                var (access, n) = StencilBody.Variable(ins);
                switch (access)
                {
                    case VariableAccess.LoadArg:
                    {
                        var p = parameters[n];
                        switch (p.Role)
                        {
                            case ParameterRole.Input:
                                if (args[n] is { } input) il.Emit(OpCodes.Ldloc, input);
                                else LoadWord(locations[step.Locations + p.Index], p.Kind);
                                break;
                            case ParameterRole.Hole:
                                if (args[n] is { } local) il.Emit(OpCodes.Ldloc, local);
                                else Words.Constant(il, p.Kind, program.Holes[step.Holes + p.Index]);
                                break;
                            case ParameterRole.Output:
                                il.Emit(OpCodes.Ldloca, Temp(Words.LocalType(p.Kind, p.Type), p.Index));
                                break;
                            case ParameterRole.Target:
                                il.Emit(OpCodes.Ldloc, targetValues[p.Index]);
                                break;
                        }
                        continue;
                    }
                    case VariableAccess.StoreArg:
                        il.Emit(OpCodes.Stloc, args[n]!);
                        continue;
                    case VariableAccess.AddressArg:
                        il.Emit(OpCodes.Ldloca, args[n]!);
                        continue;
                    case VariableAccess.LoadLocal:
                        il.Emit(OpCodes.Ldloc, locals[n]);
                        continue;
                    case VariableAccess.StoreLocal:
                        il.Emit(OpCodes.Stloc, locals[n]);
                        continue;
                    case VariableAccess.AddressLocal:
                        il.Emit(OpCodes.Ldloca, locals[n]);
                        continue;
                }
                var op = ins.OpCode;
                if (op == OpCodes.Ret)
                {
                    if (branches)
                    {
                        il.Emit(OpCodes.Stloc, targetTemp ??= il.DeclareLocal(typeof(Target)));
                        il.Emit(OpCodes.Br, done);
                        dispatch = true;
                    }
                    else
                    {
                        if (result is not null) il.Emit(OpCodes.Stloc, result);
                        if (i != instructions.Length - 1) il.Emit(OpCodes.Br, done);
                    }
                }
                else if (op.OperandType is OperandType.InlineBrTarget or OperandType.ShortInlineBrTarget)
                {
                    var longForm = StencilBody.LongBranch(op);
                    if (longForm == OpCodes.Leave) longForm = OpCodes.Br;
                    int to = Threaded((int)ins.Int);
                    il.Emit(longForm, to >= 0 ? LabelOf(to) : labels[(int)ins.Int]);
                }
                else if (op == OpCodes.Switch)
                {
                    var cases = new Label[ins.Targets!.Length];
                    for (int k = 0; k < cases.Length; k++) cases[k] = labels[ins.Targets[k]];
                    il.Emit(OpCodes.Switch, cases);
                }
                else StencilBody.EmitPlain(il, ins);
            }
            if (!branches)
            {
                Flush();
                il.MarkLabel(done);
                if (result is not null) il.Emit(OpCodes.Ldloc, result);
                return false;
            }
            if (!dispatch)
            {
                if (pending != at + 1) Flush();
                return true;
            }
            Flush();
            // A return of another target value: as after a call.
            il.MarkLabel(done);
            StoreOutputs(method, step, family);
            il.Emit(OpCodes.Ldloc, targetTemp!);
            il.Emit(OpCodes.Ldfld, s_targetField);
            var targetCases = new Label[family.Targets + 1];
            targetCases[0] = LabelOf(at + 1); // Target.Next
            for (int t = 0; t < family.Targets; t++) targetCases[t + 1] = LabelOf(program.TargetStep(step, t));
            il.Emit(OpCodes.Switch, targetCases);
            il.Emit(OpCodes.Br, LabelOf(at + 1));
            return true;
        }

        // A dry call returns at once.
        var run = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldc_I4, int.MinValue);
        il.Emit(OpCodes.Bne_Un, run);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ret);
        il.MarkLabel(run);
        for (int t = 0; t < targetValues.Count; t++)
        {
            il.Emit(OpCodes.Ldloca, targetValues[t]);
            il.Emit(OpCodes.Ldc_I4, t + 1);
            il.Emit(OpCodes.Stfld, s_targetField);
        }
        foreach (var l in used)
        {
            EmitStateAddress(il, StateIndex(l));
            il.Emit(native[l.Bits] ? OpCodes.Ldind_I : OpCodes.Ldind_I8);
            il.Emit(OpCodes.Stloc, words[l.Bits]);
        }
        // Enter at the entry asked for: the chunk's first step or a step other chunks jump to, numbered in step order.
        var entries = new List<Label>();
        for (int s = start; s < end; s++)
            if (entered[s]) entries.Add(LabelOf(s));
        var badEntry = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Switch, entries.ToArray());
        il.MarkLabel(badEntry);
        il.Emit(OpCodes.Ldc_I4, ChunkedProgram.BadEntry);
        il.Emit(OpCodes.Ret);

        for (int s = start; s < end; s++)
        {
            if (blockStart[s] || s == start || stepLabels.ContainsKey(s)) il.MarkLabel(LabelOf(s));
            var step = steps[s];
            var family = program.FamilyOf(step);
            switch (family.Kind)
            {
                case StencilFamilyKind.Move:
                {
                    // Between an int64 and a native local: a no-op conversion (native ones are 64-bit).
                    var from = locations[step.Locations];
                    var to = locations[step.Locations + 1];
                    il.Emit(OpCodes.Ldloc, words[from.Bits]);
                    if (native[from.Bits] != native[to.Bits]) il.Emit(native[to.Bits] ? OpCodes.Conv_I : OpCodes.Conv_I8);
                    il.Emit(OpCodes.Stloc, words[to.Bits]);
                }
                    continue;
                case StencilFamilyKind.Jump:
                    il.Emit(OpCodes.Br, LabelOf(program.TargetStep(step, 0)));
                    continue;
            }
            var method = methods[step.Family]!;
            if (method.Body is { } body && family.Kind == StencilFamilyKind.Normal)
            {
                // The method's IL copied in; a branch stencil's copy ends in branches to the target blocks.
                if (EmitCopy(method, body, s, step, family)) continue;
            }
            else
            {
                foreach (var p in method.Parameters)
                {
                    switch (p.Role)
                    {
                        case ParameterRole.Input:
                            LoadWord(locations[step.Locations + p.Index], p.Kind);
                            break;
                        case ParameterRole.Hole:
                            Words.Constant(il, p.Kind, program.Holes[step.Holes + p.Index]);
                            break;
                        case ParameterRole.Target:
                            il.Emit(OpCodes.Ldloc, targetValues[p.Index]);
                            break;
                        case ParameterRole.Output:
                            il.Emit(OpCodes.Ldloca, Temp(Words.LocalType(p.Kind, p.Type), p.Index));
                            break;
                    }
                }
                il.Emit(OpCodes.Call, method.Method);
            }

            if (family.Kind == StencilFamilyKind.Return)
            {
                // The function ends: only the result needs storing.
                if (method.Result == WordKind.Void) il.Emit(OpCodes.Ldc_I8, 0L);
                else Words.ToWord(il, method.Result);
                var result = Temp(typeof(long), -1);
                il.Emit(OpCodes.Stloc, result);
                EmitStateAddress(il, resultIndex);
                il.Emit(OpCodes.Ldloc, result);
                il.Emit(OpCodes.Stind_I8);
                il.Emit(OpCodes.Ldc_I4, ChunkedProgram.Returned);
                il.Emit(OpCodes.Ret);
                continue;
            }
            // Outputs are stored in output order (the return value, then the out parameters): a location given to two
            // outputs ends up holding the later one, as in native code.
            if (method.Result == WordKind.Target) il.Emit(OpCodes.Stloc, targetTemp ??= il.DeclareLocal(typeof(Target)));
            else if (method.Result != WordKind.Void)
            {
                StoreWord(locations[step.Locations + family.Inputs], method.Result);
            }
            StoreOutputs(method, step, family);
            if (method.Result == WordKind.Target && family.Targets > 0)
            {
                il.Emit(OpCodes.Ldloc, targetTemp!);
                il.Emit(OpCodes.Ldfld, s_targetField);
                var next = il.DefineLabel();
                var cases = new Label[family.Targets + 1];
                cases[0] = next; // Target.Next
                for (int t = 0; t < family.Targets; t++) cases[t + 1] = LabelOf(program.TargetStep(step, t));
                il.Emit(OpCodes.Switch, cases);
                il.MarkLabel(next);
            }
        }
        il.Emit(OpCodes.Br, LabelOf(end)); // falls into the next chunk (or off the end of the function)

        // Exits: store the locations back, return where to continue (one tail, after the step is set).
        var leave = il.DefineLabel();
        var nextStep = il.DeclareLocal(typeof(int));
        foreach (var (step, label) in exits)
        {
            il.MarkLabel(label);
            Words.Int32(il, step);
            if (exits.Count == 1) break;
            il.Emit(OpCodes.Stloc, nextStep);
            il.Emit(OpCodes.Br, leave);
        }
        if (exits.Count > 1)
        {
            il.MarkLabel(leave);
            il.Emit(OpCodes.Ldloc, nextStep);
        }
        foreach (var l in used)
        {
            EmitStateAddress(il, StateIndex(l));
            il.Emit(OpCodes.Ldloc, words[l.Bits]);
            il.Emit(native[l.Bits] ? OpCodes.Stind_I : OpCodes.Stind_I8);
        }
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<ChunkMethod>();
    }

    private static void EmitStateAddress(ILGenerator il, int index)
    {
        il.Emit(OpCodes.Ldarg_0);
        if (index != 0)
        {
            il.Emit(OpCodes.Ldc_I4, index * 8);
            il.Emit(OpCodes.Add);
        }
    }
}
