using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using System.Threading;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>
/// The IR compiled to IL (unsafe pointer code, the same check placement) in <see cref="DynamicMethod"/>s, compiled
/// by RyuJIT. RyuJIT compiles a method with minimal optimisation (MinOpts) when it has more than about 2000 basic
/// blocks, which a whole large program easily has, so loops are outlined into methods of their own until every
/// method has at most <see cref="MethodBudget"/> ops. Every method has the signature
/// <c>byte* m(byte* p, byte* start, BfIo io, long* status, int dry)</c>: it returns the new data pointer, or null
/// after writing an error status; <c>dry != 0</c> returns at once, which is how <see cref="Compile"/> makes RyuJIT
/// compile each method before the program runs (so compile time includes RyuJIT).
/// </summary>
public sealed unsafe class EmitEngine : ICompiledProgram
{
    /// <summary>The most IR ops one method gets before loops are outlined.</summary>
    public const int MethodBudget = 400;

    internal delegate byte* BfMethod(byte* p, byte* start, BfIo io, long* status, int dry);

    private static readonly Type[] s_parameters = [typeof(byte*), typeof(byte*), typeof(BfIo), typeof(long*), typeof(int)];
    private static readonly MethodInfo s_write = typeof(BfIo).GetMethod(nameof(BfIo.Write))!;
    private static readonly MethodInfo s_read = typeof(BfIo).GetMethod(nameof(BfIo.Read))!;
    private static readonly MethodInfo s_scanRight = typeof(EmitEngine).GetMethod(nameof(ScanRight), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo s_scanLeft = typeof(EmitEngine).GetMethod(nameof(ScanLeft), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly BfMethod _root;
    // Keeps the outlined methods (called from IL) reachable.
    private readonly List<BfMethod> _methods;

    private EmitEngine(BfMethod root, List<BfMethod> methods, Tape tape, long ilSize, int callDepth)
    {
        _root = root;
        _methods = methods;
        CallDepth = callDepth;
        Tape = tape;
        CodeSize = ilSize;
    }

    /// <inheritdoc />
    public EngineKind Engine => EngineKind.Emit;

    /// <inheritdoc />
    public Tape Tape { get; }

    /// <summary>The size of the IL of all methods.</summary>
    public long CodeSize { get; }

    /// <summary>The number of dynamic methods.</summary>
    public int MethodCount => _methods.Count;

    /// <summary>
    /// The deepest chain of outlined loop methods calling each other (0 when nothing is outlined). Deeply nested
    /// programs (about one call per <see cref="MethodBudget"/> nesting levels) can exceed a thread's stack, so
    /// <see cref="Run"/> runs them on a thread with a stack sized for this depth.
    /// </summary>
    public int CallDepth { get; }

    /// <summary>The call depth up to which a program runs on the calling thread.</summary>
    public const int CallerStackDepth = 256;

    /// <summary>Stack bytes reserved per outlined call when a program runs on a thread of its own (generous: a frame is about 100 bytes).</summary>
    private const int BytesPerCall = 1024;

    /// <summary>
    /// Generates the IL, creates the delegates and calls every method once with <c>dry = 1</c>, so RyuJIT has
    /// compiled all of them when this returns.
    /// </summary>
    public static EmitEngine Compile(BfProgram program, Tape tape, int methodBudget = MethodBudget)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(tape);
        int tapeCells = tape.Cells;
        var ops = program.Ops;
        var outlined = Plan(ops, methodBudget);

        var order = new List<int>(outlined);
        var methods = new Dictionary<int, DynamicMethod>();
        var delegates = new List<BfMethod>();
        long ilSize = 0;
        // Innermost outlined loops first, so a method exists before the IL that calls it: a nested loop ends (its
        // LoopBegin's target) before the loop around it, or at the same op (loops without a back-edge, like
        // [[[-]]], all exit at one place) and begins after it. Without the tie-break an outer loop could be generated
        // first, with its inner loops inlined: quadratic IL for deeply nested programs.
        order.Sort((a, b) => ops[a].Arg != ops[b].Arg ? ops[a].Arg.CompareTo(ops[b].Arg) : b.CompareTo(a));
        foreach (int begin in order)
        {
            var m = Generate(ops, begin, ops[begin].Arg, methods, tapeCells, $"bf_loop_{begin}", ref ilSize);
            methods[begin] = m;
        }
        var root = Generate(ops, 0, ops.Length, methods, tapeCells, "bf_main", ref ilSize);

        foreach (var m in methods.Values) delegates.Add(Prepare(m));
        var rootDelegate = Prepare(root);
        delegates.Add(rootDelegate);
        return new EmitEngine(rootDelegate, delegates, tape, ilSize, CallDepthOf(ops, outlined));
    }

    private static BfMethod Prepare(DynamicMethod method)
    {
        var d = method.CreateDelegate<BfMethod>();
        d(null, null, null!, null, 1); // RyuJIT compiles it now
        return d;
    }

    /// <summary>
    /// Chooses the loops to outline (by LoopBegin index): bottom-up, the biggest children first, until each method
    /// fits the budget. A loop is the range from its LoopBegin to its exit (its LoopBegin's target); loops entered
    /// unconditionally have no LoopBegin and stay in their parent's method.
    /// </summary>
    private static HashSet<int> Plan(Op[] ops, int budget)
    {
        var outlined = new HashSet<int>();
        var stack = new Stack<(int Begin, int Exit, int Weight, List<(int Begin, int Weight)> Children)>();
        stack.Push((-1, int.MaxValue, 0, new List<(int, int)>()));
        for (int i = 0; i <= ops.Length; i++)
        {
            while (stack.Peek().Exit == i)
            {
                var done = stack.Pop();
                int weight = Fit(done.Weight, done.Children, budget, outlined);
                var parent = stack.Pop();
                parent.Children.Add((done.Begin, weight));
                parent.Weight += weight;
                stack.Push(parent);
            }
            if (i == ops.Length) break;
            if (ops[i].Kind == OpKind.LoopBegin)
            {
                stack.Push((i, ops[i].Arg, 1, new List<(int, int)>()));
                continue;
            }
            var top = stack.Pop();
            top.Weight++;
            stack.Push(top);
        }
        var root = stack.Pop();
        Fit(root.Weight, root.Children, budget, outlined);
        return outlined;
    }

    /// <summary>The deepest nesting of outlined loops (each one a call at run time).</summary>
    private static int CallDepthOf(Op[] ops, HashSet<int> outlined)
    {
        var exits = new Stack<(int Exit, bool Outlined)>();
        int depth = 0, deepest = 0;
        for (int i = 0; i < ops.Length; i++)
        {
            while (exits.Count > 0 && exits.Peek().Exit == i)
                if (exits.Pop().Outlined) depth--;
            if (ops[i].Kind != OpKind.LoopBegin) continue;
            bool o = outlined.Contains(i);
            exits.Push((ops[i].Arg, o));
            if (o) deepest = Math.Max(deepest, ++depth);
        }
        return deepest;
    }

    private static int Fit(int weight, List<(int Begin, int Weight)> children, int budget, HashSet<int> outlined)
    {
        if (weight <= budget) return weight;
        children.Sort((a, b) => b.Weight.CompareTo(a.Weight));
        foreach (var (begin, w) in children)
        {
            if (weight <= budget) break;
            outlined.Add(begin);
            weight -= w - 1; // a call instead of the loop
        }
        return weight;
    }

    /// <summary>Generates one method for ops [from, to): the whole program (to = length) or one loop (LoopBegin..LoopEnd).</summary>
    private static DynamicMethod Generate(Op[] ops, int from, int to, Dictionary<int, DynamicMethod> methods, int tapeCells, string name, ref long ilSize)
    {
        var method = new DynamicMethod(name, typeof(byte*), s_parameters, typeof(EmitEngine).Module, skipVisibility: true);
        // Size the IL buffer by this method's own ops: an outlined loop's range contains its outlined inner loops,
        // and sizing by the range made deeply nested programs allocate (and zero) quadratic amounts of memory.
        int own = 0;
        for (int i = from; i < to; i++, own++)
            if (i != from && ops[i].Kind == OpKind.LoopBegin && methods.ContainsKey(i)) i = ops[i].Arg - 1;
        var il = method.GetILGenerator(Math.Max(64, Math.Min(own, 1 << 20) * 24));
        var p = il.DeclareLocal(typeof(byte*));
        var c = il.DeclareLocal(typeof(int));
        var end = il.DeclareLocal(typeof(byte*));
        var status = il.DeclareLocal(typeof(long));
        var labels = new Dictionary<int, Label>();
        Label LabelAt(int index)
        {
            if (!labels.TryGetValue(index, out var l)) labels[index] = l = il.DefineLabel();
            return l;
        }
        var overrunLeft = il.DefineLabel();
        var overrunRight = il.DefineLabel();
        var overrunStatus = il.DefineLabel();
        var ioError = il.DefineLabel();
        var fail = il.DefineLabel();
        var exit = il.DefineLabel();

        var real = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_S, (byte)4);
        il.Emit(OpCodes.Brfalse, real);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Conv_U);
        il.Emit(OpCodes.Ret);
        il.MarkLabel(real);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Stloc, p);
        il.Emit(OpCodes.Ldarg_1);
        Int(il, tapeCells);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Stloc, end);

        for (int i = from; i < to; i++)
        {
            if (i != from && ops[i].Kind == OpKind.LoopBegin && methods.ContainsKey(i))
            {
                i = ops[i].Arg - 1; // outlined: its jumps are its own
                continue;
            }
            if (ops[i].Kind is OpKind.LoopBegin or OpKind.LoopEnd && ops[i].Arg != to) LabelAt(ops[i].Arg);
        }

        for (int i = from; i < to; i++)
        {
            if (labels.TryGetValue(i, out var here)) il.MarkLabel(here);
            Op op = ops[i];
            if (i != from && op.Kind == OpKind.LoopBegin && methods.TryGetValue(i, out var child))
            {
                // p = child(p, start, io, status, 0); if (p == null) return null;
                il.Emit(OpCodes.Ldloc, p);
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Ldarg_2);
                il.Emit(OpCodes.Ldarg_3);
                il.Emit(OpCodes.Ldc_I4_0);
                il.Emit(OpCodes.Call, child);
                il.Emit(OpCodes.Dup);
                il.Emit(OpCodes.Stloc, p);
                il.Emit(OpCodes.Brfalse, fail);
                i = op.Arg - 1; // continue after the loop
                continue;
            }
            switch (op.Kind)
            {
                case OpKind.Add:
                    Cell(il, p, op.Offset);
                    il.Emit(OpCodes.Dup);
                    il.Emit(OpCodes.Ldind_U1);
                    Int(il, op.Imm);
                    il.Emit(OpCodes.Add);
                    il.Emit(OpCodes.Stind_I1);
                    break;
                case OpKind.Set:
                    Cell(il, p, op.Offset);
                    Int(il, op.Imm);
                    il.Emit(OpCodes.Stind_I1);
                    break;
                case OpKind.MulAdd:
                    Cell(il, p, op.Offset);
                    il.Emit(OpCodes.Dup);
                    il.Emit(OpCodes.Ldind_U1);
                    Cell(il, p, op.Arg);
                    il.Emit(OpCodes.Ldind_U1);
                    if (op.Imm == 255)
                    {
                        il.Emit(OpCodes.Sub);
                    }
                    else
                    {
                        if (op.Imm != 1)
                        {
                            Int(il, op.Imm);
                            il.Emit(OpCodes.Mul);
                        }
                        il.Emit(OpCodes.Add);
                    }
                    il.Emit(OpCodes.Stind_I1);
                    break;
                case OpKind.MulSet:
                    Cell(il, p, op.Offset);
                    Cell(il, p, op.Arg);
                    il.Emit(OpCodes.Ldind_U1);
                    if (op.Imm != 1)
                    {
                        Int(il, op.Imm);
                        il.Emit(OpCodes.Mul);
                    }
                    il.Emit(OpCodes.Stind_I1);
                    break;
                case OpKind.Move:
                    Cell(il, p, op.Arg);
                    il.Emit(OpCodes.Stloc, p);
                    break;
                case OpKind.Check:
                case OpKind.CheckNonZero:
                {
                    // both ends: if ((nuint)(p + lo - start) > span) overrun; low: p + lo < start; high: p + hi >= end
                    // (for CheckNonZero, only if t[src] != 0)
                    var ok = il.DefineLabel();
                    var bad = il.DefineLabel();
                    switch (op.Imm)
                    {
                        case Op.CheckLow:
                            Cell(il, p, op.Offset);
                            il.Emit(OpCodes.Ldarg_1);
                            il.Emit(OpCodes.Blt_Un, bad);
                            break;
                        case Op.CheckHigh:
                            Cell(il, p, op.Arg);
                            il.Emit(OpCodes.Ldloc, end);
                            il.Emit(OpCodes.Bge_Un, bad);
                            break;
                        default:
                            Cell(il, p, op.Offset);
                            il.Emit(OpCodes.Ldarg_1);
                            il.Emit(OpCodes.Sub);
                            il.Emit(OpCodes.Ldc_I8, Engines.Span(op, tapeCells));
                            il.Emit(OpCodes.Conv_U);
                            il.Emit(OpCodes.Bgt_Un, bad);
                            break;
                    }
                    il.Emit(OpCodes.Br, ok);
                    il.MarkLabel(bad);
                    if (op.Kind == OpKind.CheckNonZero)
                    {
                        Cell(il, p, op.Arg2);
                        il.Emit(OpCodes.Ldind_U1);
                        il.Emit(OpCodes.Brfalse, ok);
                    }
                    else if (op.Arg2 != 0)
                    {
                        Cell(il, p, op.Arg2); // report the pointer where the check was before it was deferred
                        il.Emit(OpCodes.Stloc, p);
                    }
                    if (op.Imm == Op.CheckLow)
                    {
                        il.Emit(OpCodes.Br, overrunLeft);
                    }
                    else if (op.Imm == Op.CheckHigh)
                    {
                        il.Emit(OpCodes.Br, overrunRight);
                    }
                    else
                    {
                        Cell(il, p, op.Offset - (op.Kind == OpKind.Check ? op.Arg2 : 0)); // p may have moved above
                        il.Emit(OpCodes.Ldarg_1);
                        il.Emit(OpCodes.Blt_Un, overrunLeft);
                        il.Emit(OpCodes.Br, overrunRight);
                    }
                    il.MarkLabel(ok);
                    break;
                }
                case OpKind.LoopBegin:
                    LoadLoopCell(il, p, c, op.Imm);
                    il.Emit(OpCodes.Brfalse, op.Arg == to ? exit : LabelAt(op.Arg));
                    break;
                case OpKind.LoopEnd:
                    LoadLoopCell(il, p, c, op.Imm);
                    il.Emit(OpCodes.Brtrue, LabelAt(op.Arg));
                    break;
                case OpKind.Scan:
                    if (op.Arg is 1 or -1)
                    {
                        il.Emit(OpCodes.Ldloc, p);
                        il.Emit(OpCodes.Ldarg_1);
                        Int(il, tapeCells);
                        il.Emit(OpCodes.Call, op.Arg == 1 ? s_scanRight : s_scanLeft);
                        il.Emit(OpCodes.Stloc, p);
                    }
                    else
                    {
                        // while (*p != 0) p += step;
                        var test = il.DefineLabel();
                        var body = il.DefineLabel();
                        il.Emit(OpCodes.Br, test);
                        il.MarkLabel(body);
                        Cell(il, p, op.Arg);
                        il.Emit(OpCodes.Stloc, p);
                        il.MarkLabel(test);
                        il.Emit(OpCodes.Ldloc, p);
                        il.Emit(OpCodes.Ldind_U1);
                        il.Emit(OpCodes.Brtrue, body);
                    }
                    break;
                case OpKind.Output:
                    il.Emit(OpCodes.Ldarg_2);
                    Cell(il, p, op.Offset);
                    il.Emit(OpCodes.Ldind_U1);
                    il.Emit(OpCodes.Call, s_write);
                    il.Emit(OpCodes.Brtrue, ioError);
                    break;
                case OpKind.Input:
                {
                    var eof = il.DefineLabel();
                    il.Emit(OpCodes.Ldarg_2);
                    il.Emit(OpCodes.Call, s_read);
                    il.Emit(OpCodes.Stloc, c);
                    il.Emit(OpCodes.Ldloc, c);
                    il.Emit(OpCodes.Ldc_I4_0);
                    il.Emit(OpCodes.Blt, eof);
                    Cell(il, p, op.Offset);
                    il.Emit(OpCodes.Ldloc, c);
                    il.Emit(OpCodes.Stind_I1);
                    il.MarkLabel(eof);
                    il.Emit(OpCodes.Ldloc, c);
                    il.Emit(OpCodes.Ldc_I4_M1);
                    il.Emit(OpCodes.Blt, ioError);
                    break;
                }
                case OpKind.End:
                    il.Emit(OpCodes.Br, exit);
                    break;
                default:
                    throw new InvalidOperationException($"op {i} ({op}) cannot be compiled");
            }
        }
        if (labels.TryGetValue(to, out var after)) il.MarkLabel(after);
        il.MarkLabel(exit);
        il.Emit(OpCodes.Ldloc, p);
        il.Emit(OpCodes.Ret);

        // *status = ((p - start) << 8) | left/right; return null
        il.MarkLabel(overrunLeft);
        il.Emit(OpCodes.Ldc_I8, BfStencils.StatusOverrunLeft);
        il.Emit(OpCodes.Br, overrunStatus);
        il.MarkLabel(overrunRight);
        il.Emit(OpCodes.Ldc_I8, BfStencils.StatusOverrunRight);
        il.MarkLabel(overrunStatus);
        il.Emit(OpCodes.Stloc, status);
        il.Emit(OpCodes.Ldarg_3);
        il.Emit(OpCodes.Ldloc, p);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Conv_I8);
        il.Emit(OpCodes.Ldc_I4_8);
        il.Emit(OpCodes.Shl);
        il.Emit(OpCodes.Ldloc, status);
        il.Emit(OpCodes.Or);
        il.Emit(OpCodes.Stind_I8);
        il.Emit(OpCodes.Br, fail);

        il.MarkLabel(ioError);
        il.Emit(OpCodes.Ldarg_3);
        il.Emit(OpCodes.Ldc_I8, BfStencils.StatusIoError);
        il.Emit(OpCodes.Stind_I8);

        il.MarkLabel(fail);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Conv_U);
        il.Emit(OpCodes.Ret);
        ilSize += il.ILOffset;
        return method;
    }

    /// <summary>Pushes <c>t[p]</c>, after <c>t[p] += pre</c> when <paramref name="pre"/> is not 0.</summary>
    private static void LoadLoopCell(ILGenerator il, LocalBuilder p, LocalBuilder c, byte pre)
    {
        il.Emit(OpCodes.Ldloc, p);
        il.Emit(OpCodes.Ldind_U1);
        if (pre == 0) return;
        Int(il, pre);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Conv_U1);
        il.Emit(OpCodes.Stloc, c);
        il.Emit(OpCodes.Ldloc, p);
        il.Emit(OpCodes.Ldloc, c);
        il.Emit(OpCodes.Stind_I1);
        il.Emit(OpCodes.Ldloc, c);
    }

    /// <summary>Pushes <c>p + offset</c>.</summary>
    private static void Cell(ILGenerator il, LocalBuilder p, int offset)
    {
        il.Emit(OpCodes.Ldloc, p);
        if (offset == 0) return;
        Int(il, offset);
        il.Emit(OpCodes.Add);
    }

    private static void Int(ILGenerator il, int value)
    {
        if (value is >= -128 and <= 127) il.Emit(OpCodes.Ldc_I4_S, (sbyte)value);
        else il.Emit(OpCodes.Ldc_I4, value);
    }

    /// <summary><c>[&gt;]</c> with the vectorised <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, T)"/> (the right guard is zero, so it finds a zero).</summary>
    private static byte* ScanRight(byte* p, byte* start, int cells)
    {
        int length = (int)(start + cells + Tape.Guard - p);
        return p + new ReadOnlySpan<byte>(p, length).IndexOf((byte)0);
    }

    /// <summary><c>[&lt;]</c> with the vectorised <see cref="MemoryExtensions.LastIndexOf{T}(ReadOnlySpan{T}, T)"/>.</summary>
    private static byte* ScanLeft(byte* p, byte* start, int cells)
    {
        byte* low = start - Tape.Guard;
        return low + new ReadOnlySpan<byte>(low, (int)(p - low) + 1).LastIndexOf((byte)0);
    }

    /// <inheritdoc />
    public RunResult Run(BfIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        Tape.Clear();
        if (CallDepth <= CallerStackDepth) return RunOn(io);
        // Deep outlined calls: a thread whose stack fits them (the caller's may be a 1.5 MB pool thread).
        RunResult result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunOn(io);
            }
            catch (Exception e)
            {
                error = e;
            }
        }, maxStackSize: checked((1 << 20) + CallDepth * BytesPerCall));
        thread.Start();
        thread.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }

    private RunResult RunOn(BfIo io)
    {
        long status = 0;
        byte* end = _root(Tape.Start, Tape.Start, io, &status, 0);
        return end != null ? RunResult.Ok : RunResult.FromNative(status, Tape.Cells);
    }

    /// <inheritdoc />
    public void Dispose() => Tape.Dispose();
}
