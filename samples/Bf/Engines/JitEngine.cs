using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Patchouly.Runtime.Allocation;
using Patchouly.Runtime.Tables;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>
/// The Patchouly engine: one stencil (often a specialised one) per IR op, copied and patched by
/// <see cref="FunctionBuilder"/>.
/// <list type="bullet">
/// <item>Registers: r0 = data pointer, r1 = I/O context, r2 = the current cell during a test chain. Offsets,
/// constants and the tape's bounds are holes (the tape is allocated before compiling, below 2 GiB when possible, so
/// a one-sided check is <c>cmp r13, imm32; jb/jae</c>).</item>
/// <item>Loops are <c>LoopBegin</c> (jump past the loop on 0) and <c>LoopEnd</c> (jump back while not 0); the body,
/// and the code after every branch, is a block started right after the branch, so the branch's trailing jump is
/// dropped and each test is a single conditional jump.</item>
/// <item>Failure paths are cold blocks (<see cref="FunctionBuilder.NewBlock(bool)"/>), which the builder places after
/// all hot code: which end a two-sided check failed at, the counter test of a multiply loop's conditional check, the
/// overrun and I/O error exits.</item>
/// <item>Test chains: nested loops that test the same cell, like the decimal switch <c>-[-[-[...]]]</c>, keep the
/// cell in r2 (no store, so no store-to-load forwarding between the tests); the writes to other cells between the
/// tests are held back and done once on each exit (in a cold stub per exit) and where the chain ends.</item>
/// <item>Cells in registers: in a run of straight-line code (up to a jump target, a loop test, I/O, a scan or the end)
/// a cell read at least twice is loaded into r3..r5 (a <see cref="RegisterCache"/>, least recently used evicted) and
/// worked on there (<c>AddReg</c>, <c>AddMemToReg</c>, <c>MulAddRegReg</c>, ...). Pointer moves keep the cache (a cell's
/// key is its offset plus the pointer's movement so far); dirty cells are written back before the run's loop test
/// (which then tests the register), I/O, scans, the end and jump targets, and a conditional check's counter cell before
/// the check (its cold half reads memory, or tests the register with <c>RegIfNonZero</c>).</item>
/// <item>Loop cells: an innermost loop with a straight body and no pointer move keeps its most used cells in r3..r5
/// across the back edge (the same registers on both edges; written back by the exit block), see <c>PinLoopCells</c>.
/// Back edges skip leading checks the previous iteration proved (<see cref="RepeatedCheckElision"/>), a back-edge
/// check that only guards the tested cell runs once at the loop's exit (<see cref="BackEdgeCheckDeferral"/>),
/// record-shift loops copy instead of adding after their first iteration (<see cref="ShiftLoopPeeling"/>), and test
/// chains compare the loaded cell with constants the chain's additions are folded into (<c>Test</c>).</item>
/// </list>
/// </summary>
public sealed unsafe class JitEngine : ICompiledProgram
{
    private static readonly Location P = Location.Register(0);
    private static readonly Location Ctx = Location.Register(1);
    private static readonly Location C = Location.Register(2);
    private static readonly Location[] CacheRegisters = [Location.Register(3), Location.Register(4), Location.Register(5)];

    private readonly CompiledFunction _function;

    private JitEngine(CompiledFunction function, Tape tape)
    {
        _function = function;
        Tape = tape;
    }

    /// <inheritdoc />
    public EngineKind Engine => _function.Engine == ExecutionEngine.Native ? EngineKind.Jit : EngineKind.Managed;

    /// <inheritdoc />
    public Tape Tape { get; }

    /// <inheritdoc />
    public long CodeSize => _function.Code.Length;

    /// <summary>The native function (for disassembly).</summary>
    public CompiledFunction Function => _function;

    /// <summary>
    /// Compiles the IR to native code for <paramref name="tape"/> (which the result owns) with <paramref name="library"/>
    /// (<see cref="BfStencils.Library"/>, or its tables for another target of this process's architecture from
    /// <c>StencilTables.LoadEmbedded</c>), or, with <paramref name="engine"/> <see cref="ExecutionEngine.Managed"/>, the
    /// same emitted program to .NET code (each stencil a call of its C# method in <see cref="BfStencils"/>).
    /// </summary>
    public static JitEngine Compile(BfProgram program, Tape tape, ExecutionEngine engine = ExecutionEngine.Native, StencilLibrary? library = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(tape);
        return new JitEngine(new Compiler(program.Ops, tape, engine, library ?? BfStencils.Library).Emit().Compile(), tape);
    }

    /// <summary>
    /// Emits the IR for <paramref name="tape"/> once and compiles it with both engines (<see cref="EngineOracle"/>): the
    /// native function and the managed one take the tape's start and the I/O context, as <see cref="Run"/> passes them.
    /// </summary>
    internal static EngineComparison CompileWithOracle(BfProgram program, Tape tape) =>
        EngineOracle.Compile(new Compiler(program.Ops, tape, ExecutionEngine.Managed, BfStencils.Library).Emit());

    private sealed class Compiler
    {
        /// <summary>Loop heads (targets of back-edges) start at 16-byte boundaries, as optimizing compilers place them.</summary>
        private const int LoopAlignment = 16;

        private readonly Op[] _ops;
        private readonly nint _start, _end;
        private readonly int _cells;
        private readonly FunctionBuilder _builder;
        private readonly BfStencils.Emitter _emit;
        private readonly Block[] _labels;
        private readonly bool[] _hasLabel;
        private readonly bool[] _isTarget;
        private readonly bool[] _isLoopHead;
        private readonly Block _overrunLeft, _overrunRight, _ioError;
        private readonly delegate* unmanaged<nint, int, int> _write = NativeIo.WritePointer;
        private readonly delegate* unmanaged<nint, int> _read = NativeIo.ReadPointer;

        // Cold code after the function: the failure paths of two-sided checks (which end?), of multiply loops'
        // conditional checks (is the counter 0?), and the exits of test chains.
        private readonly List<(Block Block, nint Bias, Block Left, Block Right)> _sides = new();
        private readonly List<(Block Block, bool Left, int Undo)> _movedOverruns = new();
        private readonly List<(Block Block, int Src, Location? Register, Block Back, Block Fail)> _nonZero = new();
        private readonly List<(Block Block, (int Cell, Op Op)[] Writes, Block Exit)> _chainExits = new();

        // Test chain state: r2 holds t[p]; memory t[p] is stale; these writes to other cells are held back.
        private bool _chain;
        // With JitSwitches.ChainCompare, r2 keeps the cell's loaded value and _chainAdd the additions since (mod 256): tests
        // compare r2 with constants (LoadCell, then Tests) instead of adding and testing (LoadAddTest/AddTest), a dependent chain.
        private byte _chainAdd;
        private readonly List<(int Cell, Op Op)> _held = new();

        // Cells cached in registers: keyed by offset + _shift (the pointer's movement so far), valid for ops before
        // _regionEnd, the run whose reads were counted in _reads.
        private readonly RegisterCache _cache = new(CacheRegisters);
        private long _shift;
        private int _regionEnd;
        private readonly CellCounts _reads = new();

        // A loop whose cells stay in registers across its back edge (see PinLoopCells): the cache holds only them, fixed,
        // until the loop's exit op _pinnedUntil (-1: none).
        private int _pinnedUntil = -1;
        private int[]? _targetCount;
        private readonly CellCounts _loopUses = new();
        private readonly HashSet<long> _exitDirty = new();

        /// <summary>Writes a cached cell back to the tape.</summary>
        private struct CellSpiller(Compiler compiler) : IValueSpiller
        {
            public readonly void Spill(long value, Location register) => compiler._emit.SpillCell(P, (nint)(value - compiler._shift), register);
        }

        public Compiler(Op[] ops, Tape tape, ExecutionEngine engine, StencilLibrary library)
        {
            _ops = JitPasses.Apply(ops);
            ops = _ops;
            _start = (nint)tape.Start;
            _end = (nint)tape.End;
            _cells = tape.Cells;
            _builder = new FunctionBuilder(library, parameterCount: 2) { Engine = engine };
            _emit = new BfStencils.Emitter(_builder);
            _labels = new Block[ops.Length + 1];
            _hasLabel = new bool[ops.Length + 1];
            _isTarget = new bool[ops.Length + 1];
            _isLoopHead = new bool[ops.Length + 1];
            _overrunLeft = _builder.NewBlock(cold: true);
            _overrunRight = _builder.NewBlock(cold: true);
            _ioError = _builder.NewBlock(cold: true);
        }

        /// <summary>Emits the whole program; the builder is ready to compile.</summary>
        public FunctionBuilder Emit()
        {
            var ops = _ops;
            // A block wherever code is jumped to (loop targets) and after each branch (its fall-through).
            for (int i = 0; i < ops.Length; i++)
            {
                switch (ops[i].Kind)
                {
                    case OpKind.LoopBegin:
                    case OpKind.LoopEnd:
                        _hasLabel[ops[i].Arg] = _isTarget[ops[i].Arg] = true;
                        _hasLabel[i + 1] = true;
                        if (ops[i].Kind == OpKind.LoopEnd) _isLoopHead[ops[i].Arg] = true;
                        break;
                    case OpKind.Check:
                    case OpKind.CheckNonZero:
                    case OpKind.Output:
                    case OpKind.Input:
                        _hasLabel[i + 1] = true;
                        break;
                }
            }
            for (int i = 0; i <= ops.Length; i++)
                if (_hasLabel[i]) _labels[i] = _builder.NewBlock();

            for (int i = 0; i < ops.Length; i++)
            {
                if (_chain && _isTarget[i]) EndChain(); // whoever jumps here expects the cell in memory
                if (_isTarget[i] && _pinnedUntil < 0) FlushCells();
                if (_hasLabel[i])
                {
                    if (_isLoopHead[i]) _builder.StartBlock(_labels[i], LoopAlignment);
                    else _builder.StartBlock(_labels[i]);
                }
                if (i == _pinnedUntil) EndPinnedLoop(); // both ways out arrive here with the loop's registers
                Emit(i, ops[i]);
            }
            if (_hasLabel[ops.Length]) _builder.StartBlock(_labels[ops.Length]);
            EmitColdCode();
            return _builder;
        }

        private void Emit(int i, in Op op)
        {
            // Code after this op that others jump to expects the cell in memory; a branch here would jump to that
            // block directly, past code placed before it, so the chain ends before the op.
            if (_chain && _isTarget[i + 1]) EndChain();
            // Likewise cached cells: a check jumps to that block directly when it passes, past a write-back after it.
            if (_isTarget[i + 1] && op.Kind is OpKind.Check or OpKind.CheckNonZero && _pinnedUntil < 0) FlushCells();
            if (_chain)
            {
                if (op.Kind is OpKind.Add or OpKind.Set && op.Offset != 0)
                {
                    Hold(op); // done at each exit and at the end of the chain
                    return;
                }
                if (op.Kind == OpKind.LoopBegin)
                {
                    Block exit = ChainExit(op.Arg);
                    if (JitSwitches.ChainCompare)
                    {
                        _chainAdd = unchecked((byte)(_chainAdd + op.Imm));
                        _emit.Test(C, unchecked((byte)-_chainAdd), _labels[i + 1], exit);
                    }
                    else _emit.AddTest(C, op.Imm, _labels[i + 1], exit, C);
                    return;
                }
                if (op.Kind != OpKind.Check) EndChain(); // checks read no cell: they stay in the chain
            }
            var emit = _emit;
            if (i >= _regionEnd) CountReads(i);
            switch (op.Kind)
            {
                case OpKind.Add:
                    if (CachedOrLoaded(op.Offset) is { } reg)
                    {
                        emit.AddReg(reg, op.Imm, reg);
                        _cache.MarkDirty(op.Offset + _shift);
                    }
                    else if (op.Imm == 1) emit.Inc(P, op.Offset);
                    else if (op.Imm == 255) emit.Dec(P, op.Offset);
                    else emit.Add(P, op.Offset, op.Imm);
                    break;
                case OpKind.Set:
                    if (CachedOrBound(op.Offset) is { } set) emit.SetReg(op.Imm, set);
                    else if (op.Imm == 0) emit.Zero(P, op.Offset);
                    else emit.Set(P, op.Offset, op.Imm);
                    break;
                case OpKind.MulAdd:
                {
                    Location? d = CachedOrLoaded(op.Offset), s = CachedOrLoaded(op.Arg);
                    if (d is { } dr && s is { } sr)
                    {
                        if (op.Imm == 1) emit.AddRegReg(dr, sr, dr);
                        else if (op.Imm == 255) emit.SubRegReg(dr, sr, dr);
                        else emit.MulAddRegReg(dr, sr, op.Imm, dr);
                    }
                    else if (d is { } dm)
                    {
                        if (op.Imm == 1) emit.AddMemToReg(dm, P, op.Arg, dm);
                        else if (op.Imm == 255) emit.SubMemFromReg(dm, P, op.Arg, dm);
                        else emit.MulAddMemToReg(dm, P, op.Arg, op.Imm, dm);
                    }
                    else if (s is { } sm)
                    {
                        if (op.Imm == 1) emit.AddRegToCell(P, op.Offset, sm);
                        else if (op.Imm == 255) emit.SubRegFromCell(P, op.Offset, sm);
                        else emit.MulAddRegToCell(P, op.Offset, sm, op.Imm);
                    }
                    else if (op.Imm == 1) emit.AddCell(P, op.Offset, op.Arg);
                    else if (op.Imm == 255) emit.SubCell(P, op.Offset, op.Arg);
                    else emit.MulAdd(P, op.Offset, op.Arg, op.Imm);
                    if (d is not null) _cache.MarkDirty(op.Offset + _shift);
                    break;
                }
                case OpKind.MulSet:
                {
                    Location? s = CachedOrLoaded(op.Arg), d = CachedOrBound(op.Offset);
                    if (d is { } dr && s is { } sr)
                    {
                        if (op.Imm == 1) _builder.Move(sr, dr);
                        else emit.MulReg(sr, op.Imm, dr);
                    }
                    else if (d is { } dm)
                    {
                        if (op.Imm == 1) emit.LoadCell(P, op.Arg, dm);
                        else emit.LoadMul(P, op.Arg, op.Imm, dm);
                    }
                    else if (s is { } sm)
                    {
                        if (op.Imm == 1) emit.SpillCell(P, op.Offset, sm);
                        else emit.MulSetCell(P, op.Offset, sm, op.Imm);
                    }
                    else if (op.Imm == 1) emit.Copy(P, op.Offset, op.Arg);
                    else emit.MulSet(P, op.Offset, op.Arg, op.Imm);
                    break;
                }
                case OpKind.Move:
                    emit.Move(P, op.Arg, P);
                    _shift += op.Arg;
                    break;
                case OpKind.Scan:
                    FlushCells();
                    if (op.Arg == 1) emit.ScanRight(P, P);
                    else if (op.Arg == -1) emit.ScanLeft(P, P);
                    else if (JitSwitches.ScanHoles) emit.ScanBy(P, op.Arg, 2 * op.Arg, 3 * op.Arg, 4 * op.Arg, P);
                    else if (op.Arg > 0) emit.Scan(P, op.Arg, P);
                    else emit.ScanBack(P, -op.Arg, P);
                    break;
                case OpKind.Check:
                    EmitCheck(op, _labels[i + 1], Fail(op));
                    break;
                case OpKind.CheckNonZero:
                {
                    ConsumeRead(op.Arg2 + _shift);
                    Location? counter = null;
                    if (_cache.TryGet(op.Arg2 + _shift, out Location cachedCounter))
                    {
                        if (JitSwitches.RegIfNonZero) counter = cachedCounter; // the cold half tests the register
                        else
                        {
                            var spiller = new CellSpiller(this);
                            _cache.Spill(op.Arg2 + _shift, ref spiller); // the cold half reads the counter from memory
                        }
                    }
                    Block cold = _builder.NewBlock(cold: true);
                    _nonZero.Add((cold, op.Arg2, counter, _labels[i + 1], Fail(op)));
                    EmitCheck(op, _labels[i + 1], cold);
                    break;
                }
                case OpKind.LoopBegin:
                    if (JitSwitches.LoopCells && PinLoopCells(i, op, out Location? pinnedCounter))
                    {
                        if (pinnedCounter is { } pr) emit.RegLoopBegin(pr, _labels[i + 1], _labels[op.Arg]);
                        else EmitLoopBegin(op, i);
                        break;
                    }
                    if (CachedCurrentCell(op.Imm) is { } begin)
                    {
                        emit.RegLoopBegin(begin, _labels[i + 1], _labels[op.Arg]);
                        break;
                    }
                    if (StartsChain(i))
                    {
                        _chain = true;
                        _chainAdd = op.Imm;
                        if (JitSwitches.ChainCompare)
                        {
                            emit.LoadCell(P, 0, C);
                            emit.Test(C, unchecked((byte)-op.Imm), _labels[i + 1], ChainExit(op.Arg));
                        }
                        else emit.LoadAddTest(P, op.Imm, _labels[i + 1], ChainExit(op.Arg), C);
                    }
                    else EmitLoopBegin(op, i);
                    break;
                case OpKind.LoopEnd:
                    if (_pinnedUntil >= 0)
                    {
                        // The loop's cells stay in their registers over the back edge and to the exit block.
                        if (_cache.TryGet(_shift, out Location counter))
                        {
                            if (op.Imm != 0)
                            {
                                emit.AddReg(counter, op.Imm, counter);
                                _cache.MarkDirty(_shift);
                            }
                            emit.RegLoopEnd(counter, _labels[i + 1], _labels[op.Arg]);
                        }
                        else EmitLoopEnd(op, i);
                        break;
                    }
                    if (CachedCurrentCell(op.Imm) is { } end)
                    {
                        emit.RegLoopEnd(end, _labels[i + 1], _labels[op.Arg]);
                        break;
                    }
                    EmitLoopEnd(op, i);
                    break;
                case OpKind.Output:
                    FlushCells();
                    emit.Output(P, Ctx, op.Offset, _write, _labels[i + 1], _ioError);
                    break;
                case OpKind.Input:
                    FlushCells();
                    emit.Input(P, Ctx, op.Offset, _read, _labels[i + 1], _ioError);
                    break;
                case OpKind.End:
                    FlushCells();
                    emit.Exit(BfStencils.StatusOk);
                    break;
                default:
                    throw new InvalidOperationException($"op {i} ({op}) cannot be compiled");
            }
        }

        /// <summary>
        /// At the entry test of an innermost loop whose body is cell ops and checks only (no pointer move, inner loop,
        /// I/O, scan or conditional check), keeps the cells it touches most (up to the cache's three registers) in
        /// registers for the whole loop: other cached cells are written back and dropped, the chosen ones loaded unless
        /// cached already, the body works on the registers and the back edge tests the counter's register. Every
        /// iteration starts with the same cells in the same registers, so neither edge needs a move or a write-back;
        /// the exit block (reached from the entry test and the back edge alike) writes them back
        /// (<see cref="EndPinnedLoop"/>). False when the loop does not qualify (the caller emits the usual test); else
        /// <paramref name="counter"/> is the loop cell's register, if it is one of them (null: test it in memory).
        /// </summary>
        private bool PinLoopCells(int begin, in Op op, out Location? counter)
        {
            counter = null;
            int exit = op.Arg, end = exit - 1;
            if (!JitSwitches.CellCache || _chain || end <= begin || _ops[end].Kind != OpKind.LoopEnd || _ops[end].Arg <= begin || _ops[end].Arg > end)
                return false;
            if (_targetCount is null)
            {
                _targetCount = new int[_ops.Length + 1];
                foreach (ref readonly Op o in _ops.AsSpan())
                    if (o.Kind is OpKind.LoopBegin or OpKind.LoopEnd) _targetCount[o.Arg]++;
            }
            // The exit block is entered only by this loop's test and back edge; the body only at its start.
            if (_targetCount[exit] != 1 || _targetCount[_ops[end].Arg] != 1) return false;
            _loopUses.Clear();
            Use(0, 2);
            for (int j = begin + 1; j < end; j++)
            {
                ref readonly Op o = ref _ops[j];
                switch (o.Kind)
                {
                    case OpKind.Add or OpKind.Set:
                        Use(o.Offset, 1);
                        break;
                    case OpKind.MulAdd or OpKind.MulSet:
                        Use(o.Offset, 1);
                        Use(o.Arg, 1);
                        break;
                    case OpKind.Check:
                        break;
                    case OpKind.CheckNonZero:
                        if (!JitSwitches.RegIfNonZero) return false; // the counter would be written back before every check
                        Use(o.Arg2, 1);
                        break;
                    default:
                        return false;
                }
            }
            // The most used cells, ties to the lower offset (deterministic).
            Span<long> chosen = stackalloc long[CacheRegisters.Length];
            int count = 0;
            while (count < chosen.Length && _loopUses.Count > 0)
                chosen[count++] = _loopUses.RemoveHighest();
            // Write back and drop the other cached cells; load the chosen ones that are not cached.
            var spiller = new CellSpiller(this);
            for (int r = 0; r < CacheRegisters.Length; r++)
            {
                if (!_cache.TryGetValue(CacheRegisters[r], out long key) || chosen[..count].Contains(key - _shift)) continue;
                _cache.Spill(key, ref spiller);
                _cache.Forget(key);
            }
            for (int k = 0; k < count; k++)
            {
                long key = chosen[k] + _shift;
                if (_cache.Contains(key)) continue;
                Location reg = _cache.Bind(key, dirty: false, ref spiller);
                _emit.LoadCell(P, (nint)chosen[k], reg);
            }
            // Dirty now or written in the body: written back by the exit block whichever way it is reached (a write-back
            // before a conditional check in the body leaves the cache clean on one path only).
            _exitDirty.Clear();
            for (int k = 0; k < count; k++)
                if (_cache.IsDirty(chosen[k] + _shift)) _exitDirty.Add(chosen[k] + _shift);
            for (int j = begin + 1; j < end; j++)
                if (_ops[j].Kind is OpKind.Add or OpKind.Set or OpKind.MulAdd or OpKind.MulSet && _cache.Contains(_ops[j].Offset + _shift))
                    _exitDirty.Add(_ops[j].Offset + _shift);
            if ((op.Imm != 0 || _ops[end].Imm != 0) && _cache.Contains(_shift)) _exitDirty.Add(_shift);
            foreach (long key in _exitDirty) _cache.MarkDirty(key); // as the back edge arrives at the head
            _pinnedUntil = exit;
            _regionEnd = end; // no run counting inside: the cache is fixed
            if (_cache.TryGet(_shift, out Location c))
            {
                if (op.Imm != 0)
                {
                    _emit.AddReg(c, op.Imm, c);
                    _cache.MarkDirty(_shift);
                }
                counter = c;
            }
            return true;
        }

        private void Use(long offset, int n) => _loopUses.Add(offset, n);

        /// <summary>The exit block of a loop whose cells were kept in registers: writes them back and frees the cache.</summary>
        private void EndPinnedLoop()
        {
            _pinnedUntil = -1;
            foreach (long key in _exitDirty) _cache.MarkDirty(key);
            FlushCells();
        }

        /// <summary>Writes every dirty cached cell back and forgets the cache (a block edge, I/O, a scan, the end).</summary>
        private void FlushCells()
        {
            if (_cache.Count == 0) return;
            var spiller = new CellSpiller(this);
            _cache.SpillAll(ref spiller);
            _cache.Clear();
        }

        /// <summary>A loop test on the cell in memory (after adding <c>op.Imm</c> to it), entering the body or leaving it.</summary>
        private void EmitLoopBegin(Op op, int i)
        {
            if (op.Imm == 0) _emit.LoopBegin(P, _labels[i + 1], _labels[op.Arg]);
            else if (op.Imm == 255) _emit.DecLoopBegin(P, _labels[i + 1], _labels[op.Arg]);
            else _emit.AddLoopBegin(P, op.Imm, _labels[i + 1], _labels[op.Arg]);
        }

        /// <summary>The back edge's test on the cell in memory (after adding <c>op.Imm</c> to it).</summary>
        private void EmitLoopEnd(Op op, int i)
        {
            if (op.Imm == 0) _emit.LoopEnd(P, _labels[i + 1], _labels[op.Arg]);
            else if (op.Imm == 255) _emit.DecLoopEnd(P, _labels[i + 1], _labels[op.Arg]);
            else _emit.AddLoopEnd(P, op.Imm, _labels[i + 1], _labels[op.Arg]);
        }

        /// <summary>
        /// A loop test: when the current cell is cached, adds <paramref name="n"/> to it there, writes the cache back
        /// and returns its register (to test); otherwise writes the cache back and returns null (test memory).
        /// </summary>
        private Location? CachedCurrentCell(byte n)
        {
            Location? result = null;
            if (_cache.TryGet(_shift, out Location reg))
            {
                if (n != 0)
                {
                    _emit.AddReg(reg, n, reg);
                    _cache.MarkDirty(_shift);
                }
                result = reg;
            }
            FlushCells();
            return result;
        }

        /// <summary>Counts the reads of each cell in the run starting at op <paramref name="start"/> (the cache is empty there).</summary>
        private void CountReads(int start)
        {
            _reads.Clear();
            long shift = _shift;
            int j = start;
            for (; j < _ops.Length; j++)
            {
                if (j > start && _isTarget[j]) break;
                ref readonly Op op = ref _ops[j];
                switch (op.Kind)
                {
                    case OpKind.Add:
                        Read(op.Offset + shift);
                        continue;
                    case OpKind.MulAdd:
                        Read(op.Offset + shift);
                        Read(op.Arg + shift);
                        continue;
                    case OpKind.MulSet:
                        Read(op.Arg + shift);
                        continue;
                    case OpKind.CheckNonZero:
                        Read(op.Arg2 + shift);
                        continue;
                    case OpKind.Move:
                        shift += op.Arg;
                        continue;
                    case OpKind.Set or OpKind.Check:
                        continue;
                    case OpKind.LoopBegin or OpKind.LoopEnd:
                        Read(shift);
                        break;
                }
                j++; // a loop test, I/O, a scan or the end closes the run
                break;
            }
            _regionEnd = j;
        }

        private void Read(long key) => _reads.Add(key, 1);

        /// <summary>The reads of a cell left in the run, this one included; counts this one off.</summary>
        private int ConsumeRead(long key)
        {
            int left = _reads.Get(key);
            if (left > 0) _reads.Set(key, left - 1);
            return left;
        }

        /// <summary>
        /// The register of the cell at <paramref name="offset"/>, which the op reads: cached, or loaded now when the run
        /// reads it again later; else null (the op reads memory).
        /// </summary>
        private Location? CachedOrLoaded(int offset)
        {
            long key = offset + _shift;
            int left = ConsumeRead(key);
            if (_cache.TryGet(key, out Location reg)) return reg;
            if (_chain || !JitSwitches.CellCache || left < 2 || _pinnedUntil >= 0) return null;
            var spiller = new CellSpiller(this);
            reg = _cache.Bind(key, dirty: false, ref spiller);
            _emit.LoadCell(P, offset, reg);
            return reg;
        }

        /// <summary>
        /// The register of the cell at <paramref name="offset"/>, which the op overwrites: cached, or bound (dirty) when
        /// the run reads it later; null when it is not read again in the run (a cached copy is dropped: the op writes
        /// memory).
        /// </summary>
        private Location? CachedOrBound(int offset)
        {
            long key = offset + _shift;
            int left = _reads.Get(key);
            if (_cache.Contains(key))
            {
                if (left == 0 && _pinnedUntil < 0)
                {
                    _cache.Forget(key);
                    return null;
                }
                _cache.TryGet(key, out Location reg);
                _cache.MarkDirty(key);
                return reg;
            }
            if (_chain || !JitSwitches.CellCache || left < 1 || _pinnedUntil >= 0) return null;
            var spiller = new CellSpiller(this);
            return _cache.Bind(key, dirty: true, ref spiller);
        }

        /// <summary>
        /// A loop entry test starts a chain when the body (after writes to other cells and checks) tests the same
        /// cell again, and the body is entered only from this test.
        /// </summary>
        private bool StartsChain(int i)
        {
            for (int j = i + 1; j < _ops.Length; j++)
            {
                if (_isTarget[j]) return false;
                ref readonly Op op = ref _ops[j];
                if (op.Kind == OpKind.LoopBegin) return true;
                if (op.Kind is OpKind.Add or OpKind.Set && op.Offset != 0 || op.Kind == OpKind.Check) continue;
                return false;
            }
            return false;
        }

        /// <summary>A cold stub for leaving the chain at a test: the cell is 0, and the held writes are done.</summary>
        private Block ChainExit(int target)
        {
            Block stub = _builder.NewBlock(cold: true);
            _chainExits.Add((stub, _held.ToArray(), _labels[target]));
            return stub;
        }

        /// <summary>Holds back a write, merged with an earlier one to the same cell (set then add is a set).</summary>
        private void Hold(in Op op)
        {
            for (int k = 0; k < _held.Count; k++)
            {
                if (_held[k].Cell != op.Offset) continue;
                Op merged = op.Kind == OpKind.Set ? op : _held[k].Op with { Imm = unchecked((byte)(_held[k].Op.Imm + op.Imm)) };
                _held[k] = (op.Offset, merged);
                return;
            }
            _held.Add((op.Offset, op));
        }

        private void EndChain()
        {
            if (JitSwitches.ChainCompare && _chainAdd != 0) _emit.StoreCellAdd(P, C, _chainAdd);
            else _emit.StoreCell(P, C);
            foreach (var (_, op) in _held) EmitWrite(op);
            _held.Clear();
            _chain = false;
        }

        private void EmitWrite(in Op op)
        {
            if (op.Kind == OpKind.Add && op.Imm == 0) return;
            if (op.Kind == OpKind.Set)
            {
                if (op.Imm == 0) _emit.Zero(P, op.Offset);
                else _emit.Set(P, op.Offset, op.Imm);
            }
            else if (op.Imm == 1) _emit.Inc(P, op.Offset);
            else if (op.Imm == 255) _emit.Dec(P, op.Offset);
            else _emit.Add(P, op.Offset, op.Imm);
        }

        private Block Fail(in Op op)
        {
            int undo = op.Kind == OpKind.Check ? op.Arg2 : 0; // a deferred check reports the pointer before its move
            Block left = Overrun(true, undo), right = Overrun(false, undo);
            if (op.Imm == Op.CheckLow) return left;
            if (op.Imm == Op.CheckHigh) return right;
            Block side = _builder.NewBlock(cold: true);
            _sides.Add((side, op.Offset - undo - _start, left, right));
            return side;
        }

        /// <summary>The cold block reporting an overrun off one end with the pointer moved by <paramref name="undo"/> (one per distinct case).</summary>
        private Block Overrun(bool left, int undo)
        {
            if (undo == 0) return left ? _overrunLeft : _overrunRight;
            foreach (var (block, isLeft, by) in _movedOverruns)
                if (isLeft == left && by == undo) return block;
            Block b = _builder.NewBlock(cold: true);
            _movedOverruns.Add((b, left, undo));
            return b;
        }

        private void EmitCheck(in Op op, Block ok, Block fail)
        {
            switch (op.Imm)
            {
                case Op.CheckLow:
                    _emit.CheckLow(P, (nuint)(_start - op.Offset), ok, fail);
                    break;
                case Op.CheckHigh:
                    _emit.CheckHigh(P, (nuint)(_end - op.Arg), ok, fail);
                    break;
                default:
                    _emit.Check(P, op.Offset - _start, (nuint)Engines.Span(op, _cells), ok, fail);
                    break;
            }
        }

        private void EmitColdCode()
        {
            foreach (var (block, writes, exit) in _chainExits)
            {
                _builder.StartBlock(block);
                _emit.Zero(P, 0);
                foreach (var (_, op) in writes) EmitWrite(op);
                _builder.Jump(exit);
            }
            foreach (var (block, src, register, back, fail) in _nonZero)
            {
                _builder.StartBlock(block);
                if (register is { } r) _emit.RegIfNonZero(r, back, fail);
                else _emit.IfNonZero(P, src, back, fail);
            }
            foreach (var (block, bias, left, right) in _sides)
            {
                _builder.StartBlock(block);
                _emit.Side(P, bias, right, left);
            }
            foreach (var (block, left, undo) in _movedOverruns)
            {
                _builder.StartBlock(block);
                _emit.Overrun(P, _start - undo, left ? BfStencils.StatusOverrunLeft : BfStencils.StatusOverrunRight); // reports p + undo
            }
            _builder.StartBlock(_overrunLeft);
            _emit.Overrun(P, _start, BfStencils.StatusOverrunLeft);
            _builder.StartBlock(_overrunRight);
            _emit.Overrun(P, _start, BfStencils.StatusOverrunRight);
            _builder.StartBlock(_ioError);
            _emit.Exit(BfStencils.StatusIoError);
        }
    }

    /// <inheritdoc />
    public RunResult Run(BfIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        Tape.Clear();
        var handle = GCHandle.Alloc(io);
        try
        {
            var entry = (delegate* unmanaged<long, long, long>)_function.EntryPoint;
            long status = entry((long)Tape.Start, GCHandle.ToIntPtr(handle));
            return RunResult.FromNative(status, Tape.Cells);
        }
        finally
        {
            handle.Free();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _function.Dispose();
        Tape.Dispose();
    }
}
