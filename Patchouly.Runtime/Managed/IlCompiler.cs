using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>One piece of a program compiled to IL: runs from step <c>step</c> until control leaves the piece, and returns
/// the step to continue at (<see cref="ChunkedProgram.Returned"/> when a returning stencil ended the function).</summary>
internal unsafe delegate int ChunkMethod(long* state, int step);

/// <summary>
/// Compiles a <see cref="ManagedProgram"/> to <see cref="DynamicMethod"/>s. Each stencil becomes a call of its C# method
/// (inputs loaded from their locations' <c>int64</c> locals and converted, holes as constants, target <c>t</c> as
/// <c>new Target(t)</c>, outputs converted and stored back), a returned <see cref="Target"/> a <c>switch</c> to the
/// blocks' labels, a returning stencil a return.
/// </summary>
/// <remarks>
/// RyuJIT compiles a method with minimal optimisation (no inlining, values in memory) once it has more than about
/// 2,000 basic blocks or 8,000 local references, and large methods with many inlined calls compile slowly and run
/// worse (on the bf sample's mandelbrot, chunks of 100 stencils ran twice as fast as chunks of 300), so a program is cut
/// into chunks of at most <see cref="ChunkSteps"/> stencils (100; the environment variable
/// <c>PATCHOULY_MANAGED_CHUNK</c> overrides it), preferably where a block starts. Each chunk is a method over a state array (every
/// register location and stack slot): it loads the locations it uses into locals, runs, stores them back when control
/// leaves it and returns the step to continue at; <see cref="ChunkedProgram"/> calls the chunks in turn. Control inside
/// a chunk (the hot loops, usually) uses locals only.
/// </remarks>
internal static class IlCompiler
{
    /// <summary>The most stencils one method gets (<c>PATCHOULY_MANAGED_CHUNK</c>, else 100).</summary>
    public static readonly int ChunkSteps = int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_MANAGED_CHUNK"), out int n) && n > 0 ? n : 100;

    private static readonly Type[] s_parameters = [typeof(long*), typeof(int)];
    // Target is a struct of one int, its id + 1 (0: Next). Setting and reading the field directly (the dynamic methods
    // skip visibility checks) spares RyuJIT inlining the constructor, with its argument check, at every target argument.
    private static readonly FieldInfo s_targetField = typeof(Target).GetField("_idPlusOne", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException(typeof(Target).FullName, "_idPlusOne");

    public static unsafe ManagedEntry Compile(ManagedProgram program)
    {
        var methods = program.Stencils.MethodsFor(program.Library);
        var blockStart = new bool[program.Steps.Length + 1];
        foreach (int s in program.BlockStarts)
            if (s >= 0) blockStart[s] = true;
        var bounds = Partition(program, blockStart);
        var chunks = new ChunkMethod[bounds.Count - 1];
        for (int c = 0; c < chunks.Length; c++)
        {
            chunks[c] = CompileChunk(program, methods, blockStart, c, bounds[c], bounds[c + 1]);
            chunks[c](null, int.MinValue); // a dry call: RyuJIT compiles the method now, as part of compiling the program
        }
        return new ChunkedProgram(program, chunks, bounds.ToArray()).Run;
    }

    /// <summary>
    /// Chunk boundaries: 0, …, the number of steps. Control crossing a cut leaves a chunk (the locations are stored,
    /// the next chunk is called and loads them), so cuts go where the loops are least nested: each cut is made at the
    /// block start, between a quarter and one and a half chunks from the previous cut, that the fewest loops span,
    /// counting a loop nested d deep as 8^d (a loop is a backward jump's range; a forward jump across counts 1/length).
    /// </summary>
    private static List<int> Partition(ManagedProgram program, bool[] blockStart)
    {
        int count = program.Steps.Length;
        var bounds = new List<int> { 0 };
        if (count <= ChunkSteps)
        {
            bounds.Add(count);
            return bounds;
        }
        var steps = program.Steps;
        var loops = new List<(int From, int To)>();
        var delta = new double[count + 2];
        for (int s = 0; s < count; s++)
        {
            var f = program.FamilyOf(steps[s]);
            for (int t = 0; t < f.Targets; t++)
            {
                int to = program.TargetStep(steps[s], t);
                if (to < 0) continue;
                if (to <= s) loops.Add((to, s));
                else
                {
                    double w = 1.0 / (to - s);
                    delta[s + 1] += w;
                    delta[to + 1] -= w;
                }
            }
        }
        // A loop's depth: how many loops span its first step (itself included).
        var spanning = new int[count + 2];
        foreach (var (lo, hi) in loops)
        {
            spanning[lo]++;
            spanning[hi + 1]--;
        }
        for (int p = 1; p <= count; p++) spanning[p] += spanning[p - 1];
        foreach (var (lo, hi) in loops)
        {
            double w = Math.Pow(8, Math.Min(spanning[lo], 12));
            delta[lo + 1] += w;
            delta[hi + 1] -= w;
        }
        var cost = new double[count + 1];
        double running = 0;
        for (int p = 0; p <= count; p++)
        {
            running += delta[p];
            cost[p] = running;
        }
        int start = 0;
        while (count - start > ChunkSteps)
        {
            int cut = Math.Min(count, start + ChunkSteps);
            double best = double.MaxValue;
            for (int p = Math.Min(count - 1, start + ChunkSteps * 3 / 2); p > start + ChunkSteps / 4; p--)
            {
                if (!blockStart[p]) continue;
                if (cost[p] < best * 0.999) (best, cut) = (cost[p], p);
            }
            bounds.Add(cut);
            start = cut;
        }
        bounds.Add(count);
        return bounds;
    }

    private static ChunkMethod CompileChunk(ManagedProgram program, StencilMethod?[] methods, bool[] blockStart, int chunk, int start, int end)
    {
        var dm = new DynamicMethod($"patchouly:{program.Library.Name}::{program.Name}#{chunk}", typeof(int), s_parameters,
            program.Stencils.LibraryType.Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        var steps = program.Steps;
        var locations = program.Locations;
        int registers = program.Library.Registers;
        int resultIndex = ChunkedProgram.ResultIndex(program);

        // The locations this chunk uses, as locals.
        var words = new Dictionary<int, LocalBuilder>();
        var used = new List<Location>();
        for (int s = start; s < end; s++)
        {
            var f = program.FamilyOf(steps[s]);
            for (int i = 0; i < f.Inputs + f.Outputs; i++)
            {
                var l = locations[steps[s].Locations + i];
                if (!words.ContainsKey(l.Bits))
                {
                    words[l.Bits] = il.DeclareLocal(typeof(long));
                    used.Add(l);
                }
            }
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
            il.Emit(OpCodes.Ldind_I8);
            il.Emit(OpCodes.Stloc, words[l.Bits]);
        }
        // Enter at the step asked for: the chunk's first step or a block's start.
        var entries = new Label[end - start];
        var badEntry = il.DefineLabel();
        for (int s = start; s < end; s++) entries[s - start] = badEntry;
        entries[0] = LabelOf(start);
        for (int s = start + 1; s < end; s++)
            if (blockStart[s]) entries[s - start] = LabelOf(s);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldc_I4, start);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Switch, entries);
        il.MarkLabel(badEntry);
        il.Emit(OpCodes.Ldc_I4, ChunkedProgram.BadEntry);
        il.Emit(OpCodes.Ret);

        for (int s = start; s < end; s++)
        {
            if (blockStart[s] || s == start) il.MarkLabel(LabelOf(s));
            var step = steps[s];
            var family = program.FamilyOf(step);
            switch (family.Kind)
            {
                case StencilFamilyKind.Move:
                    il.Emit(OpCodes.Ldloc, words[locations[step.Locations].Bits]);
                    il.Emit(OpCodes.Stloc, words[locations[step.Locations + 1].Bits]);
                    continue;
                case StencilFamilyKind.Jump:
                    il.Emit(OpCodes.Br, LabelOf(program.TargetStep(step, 0)));
                    continue;
            }
            var method = methods[step.Family]!;
            foreach (var p in method.Parameters)
            {
                switch (p.Role)
                {
                    case ParameterRole.Input:
                        il.Emit(OpCodes.Ldloc, words[locations[step.Locations + p.Index].Bits]);
                        Words.FromWord(il, p.Kind);
                        break;
                    case ParameterRole.Hole:
                        il.Emit(OpCodes.Ldc_I8, unchecked((long)program.Holes[step.Holes + p.Index]));
                        Words.FromWord(il, p.Kind);
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
                Words.ToWord(il, method.Result);
                il.Emit(OpCodes.Stloc, words[locations[step.Locations + family.Inputs].Bits]);
            }
            foreach (var p in method.Parameters)
            {
                if (p.Role != ParameterRole.Output) continue;
                il.Emit(OpCodes.Ldloc, Temp(Words.LocalType(p.Kind, p.Type), p.Index));
                Words.ToWord(il, p.Kind);
                il.Emit(OpCodes.Stloc, words[locations[step.Locations + family.Inputs + p.Index].Bits]);
            }
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

        // Exits: store the locations back, return where to continue.
        foreach (var (step, label) in exits)
        {
            il.MarkLabel(label);
            foreach (var l in used)
            {
                EmitStateAddress(il, StateIndex(l));
                il.Emit(OpCodes.Ldloc, words[l.Bits]);
                il.Emit(OpCodes.Stind_I8);
            }
            il.Emit(OpCodes.Ldc_I4, step);
            il.Emit(OpCodes.Ret);
        }
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

/// <summary>Runs a program compiled to chunks: the state array (registers, stack slots, the result) and the calls from chunk to chunk.</summary>
internal sealed unsafe class ChunkedProgram
{
    /// <summary>What a chunk returns after a returning stencil stored the result.</summary>
    public const int Returned = -1;

    /// <summary>What a chunk returns when asked to start at a step it cannot enter (a bug).</summary>
    public const int BadEntry = -2;

    private readonly ManagedProgram _program;
    private readonly ChunkMethod[] _chunks;
    private readonly int[] _chunkOf;
    private readonly int _stateSize;
    private readonly int _resultIndex;

    public ChunkedProgram(ManagedProgram program, ChunkMethod[] chunks, int[] bounds)
    {
        _program = program;
        _chunks = chunks;
        _chunkOf = new int[program.Steps.Length];
        for (int c = 0; c + 1 < bounds.Length; c++)
            _chunkOf.AsSpan(bounds[c], bounds[c + 1] - bounds[c]).Fill(c);
        _resultIndex = ResultIndex(program);
        _stateSize = _resultIndex + 1 + program.Library.FloatRegisters;
    }

    /// <summary>The state array: registers, then stack slots, then the result, then the float registers.</summary>
    public static int ResultIndex(ManagedProgram program) => program.Library.Registers + program.FrameSlots;

    public long Run(long a0, long a1, long a2, long a3, long a4, long a5)
    {
        Span<long> state = _stateSize <= 256 ? stackalloc long[_stateSize] : new long[_stateSize];
        state.Clear();
        ReadOnlySpan<long> arguments = [a0, a1, a2, a3, a4, a5];
        for (int a = 0; a < _program.ParameterCount; a++) state[a] = arguments[a];
        int steps = _program.Steps.Length;
        fixed (long* s = state)
        {
            int step = 0, chunk = 0;
            var chunks = _chunks;
            while (true)
            {
                int next = chunks[chunk](s, step);
                if (next < 0)
                {
                    if (next == Returned) return s[_resultIndex];
                    throw new InvalidOperationException($"Internal error: chunk {chunk} of function {_program.Name} cannot start at step {step}.");
                }
                if (next >= steps) ManagedCode.ThrowRanOffEnd(_program.Name);
                step = next;
                chunk = _chunkOf[step];
            }
        }
    }
}
