using System;
using System.Collections.Generic;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Jit;

/// <summary>
/// Compiles one function body in a single pass over its bytes. The operand stack is mapped onto locations: depth
/// <c>k</c> lives in register <c>k</c> for <c>k &lt; 3</c> (float register <c>k</c> for an f32/f64), else in stack
/// slot <c>locals + k - 3</c>; locals are stack slots <c>0..locals-1</c>. Between block boundaries an entry may sit
/// in the other register file (an f64 loaded by an integer load stencil, an integer reinterpreted as a float): each
/// stencil input asks for its class, and the entry moves between register <c>k</c> and float register <c>k</c>
/// (which no other entry uses) only when the class differs. Entries are kept lazy where that saves code: a constant (folded into a stencil's
/// hole when the stencil has an immediate form), a local not yet read (read straight from its slot), and the last
/// pure operation (emitted when its destination is known, so <c>local.set</c> after it writes the slot directly;
/// an i32 or i64 comparison followed by <c>br_if</c>/<c>if</c> becomes one compare-and-branch stencil). Everything is made
/// concrete at block boundaries, so at a label every value is in its canonical location.
/// </summary>
internal sealed unsafe class FunctionCompiler
{
    /// <summary>The operand stack's registers (in each register file); the library's registers beyond them hold cached locals.</summary>
    private const int RegisterCount = 3;

    /// <summary>How many integer / float locals a function keeps in registers for its whole body (the library's
    /// <c>Registers</c> / <c>FloatRegisters</c> beyond <see cref="RegisterCount"/>, then its move registers, which only
    /// moves reach: a local there is copied to its entry's register to be read, and written through its entry's location).</summary>
    private static readonly int CachedInts = Families.Lib.Registers - RegisterCount + Families.Lib.MoveRegisters,
        CachedFloats = Families.Lib.FloatRegisters - RegisterCount + Families.Lib.MoveFloatRegisters;

    /// <summary>True for a move register (<see cref="StencilLibrary.MoveRegisters"/>): only moves read or write it.</summary>
    private static bool IsMoveOnly(Location l) =>
        l.IsRegister ? l.Index >= Families.Lib.Registers : l.IsFloatRegister && l.Index >= Families.Lib.FloatRegisters;

    private enum Kind : byte { Reg, Const, Local, Pending, Cond }

    private struct Entry
    {
        public Kind Kind;
        public long Value; // constant bits, or local index
        public ValType Type; // an f32/f64 is canonically in float register k (k < 3)
        public readonly bool Float => Type is ValType.F32 or ValType.F64;
        public bool InFloat; // a Reg entry (k < 3) is now in float register k
        public int CopyOf; // a Reg entry below depth 3 that holds the current value of local CopyOf - 1 (see CopyOfLocal); 0: none
    }

    private sealed class Frame
    {
        public byte Opcode;
        public Block Label;
        public Block Else;
        public bool HasElse;
        public int Height;
        public int Params;
        public int Results;
        public ValType[] ParamTypes = [];
        public ValType[] ResultTypes = [];
        public int Arity => Opcode == 0x03 ? Params : Results;
    }

    // The function being compiled (set by Start: a compiler is reused for many functions, one after the other).
    private Instance _instance = null!;
    private WasmModule _m = null!;
    private FunctionBuilder _b = null!;
    private WasmReader _r = null!;
    private int _locals;
    private int _paramCount;
    private FuncType _type = null!;
    private FunctionBody _body = null!;
    private ValType[] _localTypes = new ValType[16];
    private long[] _weights = new long[16]; // ChooseCachedLocals' scratch
    private uint[] _brTableLabels = new uint[16]; // BrTable's scratch
    private Entry[] _stack = new Entry[64];
    private int _depth;
    private readonly List<Frame> _frames = new();
    private readonly Stack<Frame> _freeFrames = new();
    private readonly Block[] _trapTargets = new Block[4];
    private readonly Block?[] _trapBlocks = new Block?[16];
    private Block? _rethrow;
    private readonly List<(Block Block, (Entry E, int From, Location To)[] Moves, Block Target)> _trampolines = new();
    private readonly Exchange* _ex = WasmRuntime.Exchange;

    // The locals kept in registers: the local in Register(RegisterCount + i) / FloatRegister(RegisterCount + i), or -1.
    private readonly int[] _cachedInt = new int[CachedInts], _cachedFloat = new int[CachedFloats];
    private Location[] _localLocs = new Location[16]; // every local's location (PlaceLocals)

    // Registers below depth 3 that hold a copy of a deep input (bit j: register j, bit 4 + j: float register j; see
    // Scratch): of the operation this instruction builds, and of the pending operation or comparison until it is emitted.
    private int _scratchBuilding, _scratchPending;

    // A local in a move register just written through a register below depth 3 (local.set/tee; see Alias): the local,
    // that register, and whether the current instruction may read it there instead of moving the local out again.
    private int _aliasLocal = -1;
    private Location _aliasLoc;
    private bool _aliasUsable;

    // The pending operation (only ever the top entry).
    private StencilFamily? _pFamily;
    private readonly Location[] _pIn = new Location[3];
    private int _pInCount;
    private readonly ulong[] _pHoles = new ulong[2];
    private int _pHoleCount;
    private readonly Block[] _pTargets = new Block[2];
    private int _pTargetCount;

    // The pending comparison (Kind.Cond): an i32, i64, f32 or f64 comparison (or eqz) opcode and its operands; or,
    // for a select, i32.and/i64.and with a constant (the condition is `_cA & _cK`); negated when an eqz was folded in.
    private byte _cOp;
    private Location _cA, _cB;
    private bool _cImm, _cNegate;
    private long _cK;

    /// <summary>A compiler for function <paramref name="index"/> of <paramref name="instance"/>.</summary>
    public FunctionCompiler(Instance instance, int index, FunctionBuilder builder) => Start(instance, index, builder);

    /// <summary>A compiler to <see cref="Start"/> on one function after another (its buffers are reused).</summary>
    public FunctionCompiler() { }

    /// <summary>Prepares to compile function <paramref name="index"/> of <paramref name="instance"/> into <paramref name="builder"/> (then <see cref="Compile"/>).</summary>
    public void Start(Instance instance, int index, FunctionBuilder builder)
    {
        _instance = instance;
        _m = instance.Module;
        _b = builder;
        _body = _m.Bodies[index - _m.ImportedFunctions];
        _type = _m.FunctionType(index);
        _paramCount = _type.Params.Length;
        _locals = _paramCount + _body.Locals.Length;
        if (_localTypes.Length < _locals) _localTypes = new ValType[Math.Max(_locals, 2 * _localTypes.Length)];
        _type.Params.CopyTo(_localTypes, 0);
        _body.Locals.CopyTo(_localTypes, _paramCount);
        _r = WasmReader.ForBody(_m.Bytes, _body.CodeStart, _body.CodeEnd, index - _m.ImportedFunctions);
        // What the previous function left.
        _depth = 0;
        foreach (var f in _frames) _freeFrames.Push(f);
        _frames.Clear();
        Array.Clear(_trapBlocks);
        _rethrow = null;
        _trampolines.Clear();
        _pFamily = null;
        _aliasLocal = -1;
    }

    /// <summary>A control frame (from the pool of ended ones).</summary>
    private Frame NewFrame(byte opcode, Block label, Block @else, int height, ValType[] paramTypes, ValType[] resultTypes)
    {
        var f = _freeFrames.Count > 0 ? _freeFrames.Pop() : new Frame();
        f.Opcode = opcode;
        f.Label = label;
        f.Else = @else;
        f.HasElse = false;
        f.Height = height;
        f.Params = paramTypes.Length;
        f.Results = resultTypes.Length;
        f.ParamTypes = paramTypes;
        f.ResultTypes = resultTypes;
        return f;
    }

    /// <summary>Where entry <paramref name="depth"/> is now (a Reg entry's current register file).</summary>
    private Location Loc(int depth) => Loc(depth, depth < _depth && _stack[depth].InFloat);

    /// <summary>Depth <paramref name="depth"/>'s location in the integer or the float register file.</summary>
    private Location Loc(int depth, bool isFloat) =>
        depth < RegisterCount ? isFloat ? Location.FloatRegister(depth) : Location.Register(depth) : StackSlot(_locals + depth - RegisterCount);

    private static bool IsFloat(ValType t) => t is ValType.F32 or ValType.F64;

    /// <summary>The type of what opcode <paramref name="op"/> (0x45..0xC4) produces, as far as the register file goes
    /// (f32, f64, or I64 for any integer).</summary>
    private static ValType ResultType(byte op) => op switch
    {
        (>= 0x8B and <= 0x98) or (>= 0xB2 and <= 0xB6) or 0xBE => ValType.F32,
        (>= 0x99 and <= 0xA6) or (>= 0xB7 and <= 0xBB) or 0xBF => ValType.F64,
        _ => ValType.I64,
    };

    /// <summary>Where local <paramref name="local"/> lives: its cache register (for the whole function), else its slot.</summary>
    private Location LocalLoc(int local) => _localLocs[local];

    /// <summary>Fills <see cref="_localLocs"/> once the cached locals are chosen (every local's location is needed
    /// at the function's start anyway, to load or zero it).</summary>
    private void PlaceLocals()
    {
        if (_localLocs.Length < _locals) _localLocs = new Location[Math.Max(_locals, 2 * _localLocs.Length)];
        for (int x = 0; x < _locals; x++) _localLocs[x] = StackSlot(x);
        for (int i = 0; i < _cachedInt.Length; i++)
            if (_cachedInt[i] >= 0) _localLocs[_cachedInt[i]] = Location.Register(RegisterCount + i);
        for (int i = 0; i < _cachedFloat.Length; i++)
            if (_cachedFloat[i] >= 0) _localLocs[_cachedFloat[i]] = Location.FloatRegister(RegisterCount + i);
    }

    /// <summary>A frame slot; a frame beyond <see cref="FunctionBuilder.MaxStackSlots"/> (locals plus the operand
    /// stack's depth) is the JIT's implementation limit, reported as a <see cref="FrameTooLargeException"/>.</summary>
    private static Location StackSlot(int slot) =>
        slot < FunctionBuilder.MaxStackSlots ? Location.Stack(slot) : throw new FrameTooLargeException(slot);

    private ulong ExchangeCell(int i) => (ulong)(_ex->Values + i);

    private Block TrapBlock(TrapKind kind)
    {
        ref Block? b = ref _trapBlocks[(int)kind];
        b ??= _b.NewBlock();
        return b.Value;
    }

    private Block RethrowBlock => _rethrow ??= _b.NewBlock();

    // ---- the value stack ----

    private void Push(Kind kind, long value = 0, ValType type = ValType.I64, bool inFloat = false)
    {
        if (_depth == _stack.Length) Array.Resize(ref _stack, _depth * 2);
        _stack[_depth++] = new Entry { Kind = kind, Value = value, Type = type, InFloat = inFloat };
    }

    /// <summary>Makes the pending operation concrete in its canonical location.</summary>
    private void Flush()
    {
        if (_depth == 0) return;
        ref var top = ref _stack[_depth - 1];
        if (top.Kind == Kind.Pending)
        {
            bool inFloat = _pFamily!.IsFloatValue(_pInCount);
            EmitPending(Loc(_depth - 1, inFloat));
            top.Kind = Kind.Reg;
            top.InFloat = inFloat;
        }
        else if (top.Kind == Kind.Cond) { EmitCond(Loc(_depth - 1, false)); top.Kind = Kind.Reg; top.InFloat = false; }
    }

    private void EmitPending(Location dst)
    {
        _b.Emit(_pFamily!, _pIn.AsSpan(0, _pInCount), [dst], _pHoles.AsSpan(0, _pHoleCount), _pTargets.AsSpan(0, _pTargetCount));
        _pFamily = null;
        _scratchPending = 0;
    }

    private void EmitCond(Location dst)
    {
        _scratchPending = 0;
        if (IsAndTest)
        {
            // Only a select consumes it (see Numeric); made concrete all the same when something else does.
            _b.Emit(Families.WithImm[_cOp]!, [_cA], [dst], [_cOp == 0x71 ? (ulong)(uint)_cK : (ulong)_cK]);
        }
        else if (_cImm && Families.WithImm[_cOp] is StencilFamily imm) _b.Emit(imm, [_cA], [dst], [(ulong)(uint)(int)_cK]);
        else if (_cImm)
        {
            // An i64 comparison with a constant (only its branch has an immediate form): the constant goes to the
            // location above the top entry, which nothing uses.
            var k = Loc(_depth, false);
            EmitConst(_cK, k);
            _b.Emit(Families.Numeric[_cOp]!, [_cA, k], [dst]);
        }
        else if (_cOp is 0x45 or 0x50) _b.Emit(Families.Numeric[_cOp]!, [_cA], [dst]);
        else _b.Emit(Families.Numeric[_cOp]!, [_cA, _cB], [dst]);
        if (_cNegate) _b.Emit(Families.Numeric[_cOp == 0x83 ? 0x50 : 0x45]!, [dst], [dst]);
    }

    /// <summary>Writes entry <paramref name="k"/>'s value to <paramref name="dst"/> (the entry is unchanged unless pending).</summary>
    private void WriteTo(int k, Location dst)
    {
        ref var e = ref _stack[k];
        switch (e.Kind)
        {
            case Kind.Reg: _b.Move(Loc(k), dst); break;
            case Kind.Const: EmitConst(e.Value, dst); break;
            case Kind.Local: _b.Move(LocalLoc((int)e.Value), dst); break;
            default:
                Flush();
                _b.Move(Loc(k), dst);
                break;
        }
    }

    private void EmitConst(long bits, Location dst) =>
        _b.Emit(dst.IsFloatRegister ? Families.ConstF : Families.Const, [], [dst], [(ulong)bits]);

    /// <summary>Moves Reg entry <paramref name="k"/> to the register file <paramref name="toFloat"/> (a no-op for a slot).</summary>
    private void SwitchFile(int k, bool toFloat)
    {
        ref var e = ref _stack[k];
        if (e.InFloat == toFloat) return;
        if (k < RegisterCount) _b.Move(Loc(k, e.InFloat), Loc(k, toFloat));
        e.InFloat = toFloat;
    }

    /// <summary>Makes entry <paramref name="k"/> concrete in its canonical location (its type's register file).</summary>
    private void Materialize(int k)
    {
        ref var e = ref _stack[k];
        if (e.Kind is Kind.Pending or Kind.Cond) Flush();
        if (e.Kind == Kind.Reg)
        {
            SwitchFile(k, e.Float);
            return;
        }
        WriteTo(k, Loc(k, e.Float));
        e.Kind = Kind.Reg;
        e.InFloat = e.Float;
    }

    private void MaterializeAll()
    {
        for (int k = 0; k < _depth; k++) Materialize(k);
    }

    private void MaterializeTop(int count)
    {
        for (int k = Math.Max(0, _depth - count); k < _depth; k++) Materialize(k);
    }

    /// <summary>Where to read entry <paramref name="k"/> as a stencil input (constants are materialized), in a float
    /// register or a slot when <paramref name="asFloat"/> (the input is of the float class), else in a register or a slot.</summary>
    private Location Use(int k, bool asFloat = false)
    {
        ref var e = ref _stack[k];
        if (e.Kind == Kind.Local)
        {
            var home = LocalLoc((int)e.Value);
            if (home.IsStack || (home.IsFloatRegister == asFloat && !IsMoveOnly(home))) return home;
            // A local in a move register, or cached in the other register file (a reinterpretation): still in the
            // register it was just written through (Alias); deep in the operand stack, copied to a register no entry
            // uses (the entry stays a local); else this entry takes its own copy.
            if (Alias(e.Value, asFloat) is Location alias) return alias;
            if (CopyOfLocal(e.Value, asFloat) is Location copy) return copy;
            if (k >= RegisterCount && Scratch(asFloat, Location.Stack(0)) is Location scratch)
            {
                _b.Move(home, scratch);
                return scratch;
            }
            _b.Move(home, Loc(k, asFloat));
            e.Kind = Kind.Reg;
            e.InFloat = asFloat;
            e.CopyOf = k < RegisterCount ? (int)e.Value + 1 : 0;
            return Loc(k, asFloat);
        }
        if (e.Kind != Kind.Reg) Materialize(k);
        SwitchFile(k, asFloat);
        return Loc(k, asFloat);
    }

    /// <summary>Entry <paramref name="k"/> as input <paramref name="input"/> of <paramref name="family"/>.</summary>
    private Location Use(int k, StencilFamily family, int input) => Use(k, family.IsFloatValue(input));

    /// <summary>Replaces the top <paramref name="pop"/> entries by a pending operation.</summary>
    private void Produce(int pop, StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<ulong> holes = default, ReadOnlySpan<Block> targets = default, ValType type = ValType.I64)
    {
        _pFamily = family;
        inputs.CopyTo(_pIn);
        _pInCount = inputs.Length;
        holes.CopyTo(_pHoles);
        _pHoleCount = holes.Length;
        targets.CopyTo(_pTargets);
        _pTargetCount = targets.Length;
        HoldScratch();
        _depth -= pop;
        Push(Kind.Pending, 0, type);
    }

    private ReadOnlySpan<Block> Traps(byte op)
    {
        var kinds = Families.Traps[op];
        if (kinds is null) return default;
        for (int i = 0; i < kinds.Length; i++) _trapTargets[i] = TrapBlock(kinds[i]);
        return _trapTargets.AsSpan(0, kinds.Length);
    }

    // ---- compiling ----

    public void Compile()
    {
        var ex = (ulong)_ex;
        _b.Emit(Families.StackCheck, [], [], [ex], [TrapBlock(TrapKind.CallStackExhausted)]);
        ChooseCachedLocals();
        PlaceLocals();
        for (int i = 0; i < _paramCount; i++)
        {
            var home = LocalLoc(i);
            if (!home.IsFloatRegister && !IsMoveOnly(home)) _b.Emit(Families.Get, [], [home], [ExchangeCell(i)]);
            else
            {
                _b.Emit(Families.Get, [], [Location.Register(0)], [ExchangeCell(i)]);
                _b.Move(Location.Register(0), home);
            }
        }
        for (int i = _paramCount; i < _locals; i++)
        {
            var home = LocalLoc(i);
            if (!IsMoveOnly(home)) EmitConst(0, home);
            else
            {
                var zero = home.IsFloatRegister ? Location.FloatRegister(0) : Location.Register(0);
                EmitConst(0, zero);
                _b.Move(zero, home);
            }
        }
        _frames.Add(NewFrame(0x02, _b.NewBlock(), default, 0, [], _type.Results));
        Body();
        // Cold code: trampolines of br_table, traps.
        foreach (var (block, moves, target) in _trampolines)
        {
            _b.StartBlock(block);
            foreach (var (e, from, to) in moves)
            {
                switch (e.Kind)
                {
                    case Kind.Const: EmitConst(e.Value, to); break;
                    case Kind.Local: _b.Move(LocalLoc((int)e.Value), to); break;
                    default: _b.Move(Loc(from, e.Float), to); break; // materialized (canonical) before br_table
                }
            }
            _b.Jump(target);
        }
        for (int i = 0; i < _trapBlocks.Length; i++)
        {
            if (_trapBlocks[i] is not Block tb) continue;
            _b.StartBlock(tb);
            _b.Emit(Families.Trap, [], [], [(ulong)i]);
        }
        if (_rethrow is Block rb)
        {
            _b.StartBlock(rb);
            _b.Emit(Families.Rethrow, [], [], [ex]);
        }
    }

    private void Body()
    {
        var r = _r;
        int skipDepth = 0; // > 0: inside unreachable code, counting nested blocks
        while (true)
        {
            byte op = r.Byte();
            if (skipDepth > 0)
            {
                _aliasLocal = -1;
                switch (op)
                {
                    case 0x02 or 0x03 or 0x04:
                        Immediates.Skip(r, op);
                        skipDepth++;
                        continue;
                    case 0x05 when skipDepth == 1:
                        skipDepth = 0;
                        Else(reachable: false);
                        continue;
                    case 0x0B:
                        if (--skipDepth > 0) continue;
                        if (End(reachable: false)) return;
                        continue;
                    default:
                        Immediates.Skip(r, op);
                        continue;
                }
            }
            _scratchBuilding = 0;
            AliasStep(op);
            if (op is (>= 0x02 and <= 0x05) or 0x0B) ForgetCopies(); // a label may be reached with other values of the locals
            // Loads, stores, float arithmetic and comparisons take a pending top themselves (UseTop).
            if (_depth > 0 && _stack[_depth - 1].Kind is Kind.Pending or Kind.Cond
                && op is not (0x21 or 0x22 or 0x0D or 0x04 or 0x1A or 0x1B or 0x1C or (>= 0x28 and <= 0x3E) or (>= 0x5B and <= 0x66) or (>= 0x8B and <= 0xA6)))
                Flush();
            switch (op)
            {
                case 0x00:
                    _b.Jump(TrapBlock(TrapKind.Unreachable));
                    skipDepth = 1;
                    break;
                case 0x01: break;
                case 0x02:
                case 0x03:
                {
                    var (pt, rt) = BlockTypes(r);
                    int ps = pt.Length;
                    MaterializeAll();
                    var f = NewFrame(op, _b.NewBlock(), default, _depth - ps, pt, rt);
                    _frames.Add(f);
                    if (op == 0x03) _b.StartBlock(f.Label, 16);
                    break;
                }
                case 0x04:
                {
                    var (pt, rt) = BlockTypes(r);
                    int ps = pt.Length;
                    var f = NewFrame(op, _b.NewBlock(), _b.NewBlock(), 0, pt, rt);
                    BranchIf(negate: true, f.Else, materializeTop: int.MaxValue);
                    f.Height = _depth - ps;
                    _frames.Add(f);
                    break;
                }
                case 0x05:
                    Else(reachable: true);
                    break;
                case 0x0B:
                    if (End(reachable: true)) return;
                    break;
                case 0x0C:
                    Br(_frames[_frames.Count - 1 - (int)r.U32()]);
                    skipDepth = 1;
                    break;
                case 0x0D:
                {
                    var f = _frames[_frames.Count - 1 - (int)r.U32()];
                    int n = f.Arity;
                    if (_depth - 1 - n == f.Height)
                    {
                        BranchIf(negate: false, f.Label, materializeTop: n);
                    }
                    else
                    {
                        Block skip = _b.NewBlock();
                        BranchIf(negate: true, skip, materializeTop: 0);
                        Br(f);
                        _b.StartBlock(skip);
                    }
                    break;
                }
                case 0x0E: BrTable(); skipDepth = 1; break;
                case 0x0F:
                    ReturnValues();
                    skipDepth = 1;
                    break;
                case 0x10: Call(_instance.Functions[r.U32()]); break;
                case 0x11: CallIndirect(r.U32(), r.U32()); break;
                case 0x1A:
                    // An operation that may trap is emitted even when its value is dropped (a guarded load traps by faulting).
                    if (_stack[_depth - 1].Kind == Kind.Pending && (_pTargetCount > 0 || Families.IsGuarded(_pFamily!))) Flush();
                    if (_stack[_depth - 1].Kind == Kind.Pending) _pFamily = null;
                    _depth--;
                    break;
                case 0x1B: Select(); break;
                case 0x1C:
                    for (uint n = r.U32(); n > 0; n--) r.Byte();
                    Select();
                    break;
                case 0x20:
                {
                    uint x = r.U32();
                    Push(Kind.Local, x, _localTypes[x]);
                    break;
                }
                case 0x21: SetLocal((int)r.U32(), tee: false); break;
                case 0x22: SetLocal((int)r.U32(), tee: true); break;
                case 0x23:
                {
                    var g = _instance.Globals[r.U32()];
                    Produce(0, Families.Get, [], [(ulong)g.Cell], type: g.Type.Type);
                    break;
                }
                case 0x24:
                {
                    var cell = (ulong)_instance.Globals[r.U32()].Cell;
                    Store(_depth - 1, cell);
                    _depth--;
                    break;
                }
                case 0x25: Bulk(BulkKind.TableGet, r.U32(), 0, 1, 1); break;
                case 0x26: Bulk(BulkKind.TableSet, r.U32(), 0, 2, 0); break;
                case >= 0x28 and <= 0x35:
                {
                    r.U32();
                    uint offset = r.U32();
                    var memory = _instance.Memories[0];
                    var type = op switch { 0x2A => ValType.F32, 0x2B => ValType.F64, _ => ValType.I64 };
                    if (memory.Guard is not null) // no check: a fault beyond the size is the trap (see Memory)
                        Produce(1, Families.GuardedMemory[op], [UseTop(Families.GuardedMemory[op], 0, default)], [(ulong)memory.Desc->Base + offset], type: type);
                    else
                        Produce(1, Families.Memory[op], [UseTop(Families.Memory[op], 0, default)], [(ulong)memory.Desc, offset], [TrapBlock(TrapKind.MemoryOutOfBounds)], type: type);
                    break;
                }
                case >= 0x36 and <= 0x3E:
                {
                    r.U32();
                    uint offset = r.U32();
                    var memory = _instance.Memories[0];
                    var store = memory.Guard is not null ? Families.GuardedMemory[op] : Families.Memory[op];
                    Location address = Use(_depth - 2), value = UseTop(store, 1, address);
                    if (memory.Guard is not null) _b.Emit(store, [address, value], [], [(ulong)memory.Desc->Base + offset], []);
                    else _b.Emit(store, [address, value], [], [(ulong)memory.Desc, offset], [TrapBlock(TrapKind.MemoryOutOfBounds)]);
                    _depth -= 2;
                    break;
                }
                case 0x3F:
                    r.Byte();
                    Produce(0, Families.MemorySize, [], [(ulong)_instance.Memories[0].Desc]);
                    break;
                case 0x40:
                    r.Byte();
                    Bulk(BulkKind.MemoryGrow, 0, 0, 1, 1);
                    break;
                case 0x41: Push(Kind.Const, r.S32()); break;
                case 0x42: Push(Kind.Const, r.S64()); break;
                case 0x43: Push(Kind.Const, r.F32Bits(), ValType.F32); break;
                case 0x44: Push(Kind.Const, (long)r.F64Bits(), ValType.F64); break;
                case >= 0x45 and <= 0xC4: Numeric(op); break;
                case 0xD0: r.Byte(); Push(Kind.Const, 0); break;
                case 0xD1: Produce(1, Families.RefIsNull, [Use(_depth - 1)]); break;
                case 0xD2: Push(Kind.Const, (long)_instance.Functions[r.U32()].Ref); break;
                case Opcodes.Prefix: Misc(r.U32()); break;
                default: throw new InvalidOperationException($"opcode 0x{op:x2} at {r.Position - 1} cannot be compiled");
            }
        }
    }

    private void Numeric(byte op)
    {
        var family = Families.Numeric[op];
        var type = ResultType(op);
        if (family is null)
        {
            // i32.wrap_i64 and the reinterpretations: the bits are already right (an entry in a register stays in its
            // register file until something reads it as the other class).
            _stack[_depth - 1].Type = type;
            _stack[_depth - 1].CopyOf = 0;
            return;
        }
        if (family.Inputs == 1)
        {
            // An eqz feeding a branch or a select: fused.
            if (op is 0x45 or 0x50 && (NextIsBranch() || NextIsSelect()))
            {
                _cOp = op;
                _cNegate = false;
                _cA = Use(_depth - 1);
                _cImm = false;
                _depth--;
                HoldScratch();
                Push(Kind.Cond);
                return;
            }
            Produce(1, family, [UseTop(family, 0, default)], default, Traps(op), type);
            return;
        }
        ref var b = ref _stack[_depth - 1];
        if (op is 0x71 or 0x83 && (b.Kind == Kind.Const || _stack[_depth - 2].Kind == Kind.Const)
            && (NextIsSelect() || _r.Position < _r.End && _r.Bytes[_r.Position] == (op == 0x71 ? 0x45 : 0x50) && NextIsSelect(1)))
        {
            // `select` on `x & k` (or `k & x`) or on its eqz: one test-and-select stencil (an i32's mask zero-extended).
            int kAt = b.Kind == Kind.Const ? _depth - 1 : _depth - 2;
            _cOp = op;
            _cImm = true;
            _cK = op == 0x71 ? (uint)_stack[kAt].Value : _stack[kAt].Value;
            _cNegate = !NextIsSelect();
            if (_cNegate) _r.Position++; // the eqz, folded in
            _cA = Use(kAt == _depth - 1 ? _depth - 2 : _depth - 1);
            _depth -= 2;
            HoldScratch();
            Push(Kind.Cond);
            return;
        }
        if (op is (>= 0x46 and <= 0x4F) or (>= 0x51 and <= 0x5A) or (>= 0x5D and <= 0x60) or (>= 0x63 and <= 0x66) && (NextIsBranch() || NextIsEqzBranch()))
        {
            // A comparison feeding a branch (or `i32.eqz; br_if`/`if`, the branch negated): one compare-and-branch.
            _cNegate = !NextIsBranch();
            if (_cNegate) _r.Position++;
            _cOp = op;
            if (op >= 0x5B)
            {
                _cImm = false;
                _cA = Use(_depth - 2, family, 0);
                _cB = UseTop(family, 1, _cA);
                _depth -= 2;
                HoldScratch();
                Push(Kind.Cond);
                return;
            }
            _cImm = b.Kind == Kind.Const;
            _cK = b.Value;
            _cB = _cImm ? default : Use(_depth - 1);
            _cA = Use(_depth - 2);
            _depth -= 2;
            HoldScratch();
            Push(Kind.Cond);
            return;
        }
        var imm = Families.WithImm[op];
        if (b.Kind == Kind.Const && imm is not null)
        {
            long k = b.Value;
            if (op is 0x6C or 0x7E && k is 3 or 5 or 9)
            {
                Produce(2, (op == 0x6C ? Families.I32MulBy : Families.I64MulBy)[k]!, [Use(_depth - 2)]);
                return;
            }
            bool is64 = op >= 0x7C;
            if (op is 0x6B or 0x7D) k = -k; // sub: add the negation
            ulong hole = ShiftImm[op]
                ? (ulong)(uint)(int)(k & (is64 ? 63 : 31))
                : is64 ? (ulong)k : (ulong)(uint)(int)k;
            Produce(2, imm, [Use(_depth - 2)], [hole]);
            return;
        }
        Location left = Use(_depth - 2, family, 0), right = UseTop(family, 1, left);
        Produce(2, family, [left, right], default, Traps(op), type);
    }

    /// <summary>
    /// The top entry as input <paramref name="input"/> of <paramref name="family"/>, which pops it. A pending result
    /// whose own location is a spill slot is emitted into a register no entry uses instead, not
    /// <paramref name="exclude"/>: for a float, the float register of an integer entry below 3; for an integer, the
    /// integer register of a float entry below 3 whose value is in (or goes to) its float register. So
    /// <c>f64.sqrt; f64.mul</c> or <c>i32.add; f64.load</c> deep in the operand stack pass the value in a register, not
    /// through memory. That register stays free until the consumer, itself pending, is emitted: at the start of the
    /// next instruction, before anything else (see <see cref="Compile"/>).
    /// </summary>
    private Location UseTop(StencilFamily family, int input, Location exclude)
    {
        int k = _depth - 1;
        ref var e = ref _stack[k];
        bool asFloat = family.IsFloatValue(input);
        if (e.Kind == Kind.Pending && k >= RegisterCount && _pFamily!.IsFloatValue(_pInCount) == asFloat)
        {
            if (Scratch(asFloat, exclude, forPending: true) is Location scratch)
            {
                EmitPending(scratch);
                e.Kind = Kind.Reg;
                e.InFloat = asFloat;
                return scratch;
            }
        }
        return Use(k, family, input);
    }

    /// <summary>Records that move-register local <paramref name="x"/> was just written through register <paramref name="at"/>
    /// (below depth 3), so <c>local.tee x; f64.load</c> or <c>local.set x; local.get x; f64.mul</c> read it there.</summary>
    private void SetAlias(int x, Location at)
    {
        _aliasLocal = x;
        _aliasLoc = at;
        _aliasUsable = false;
    }

    /// <summary>
    /// At the start of instruction <paramref name="op"/>: the alias survives instructions that only push lazily
    /// (<c>local.get</c>, constants) and is readable by the next load, store or numeric instruction, whose inputs are
    /// the top two entries at most; its register is then held like a scratch register. Anything else ends it.
    /// </summary>
    private void AliasStep(byte op)
    {
        if (_aliasUsable) _aliasLocal = -1; // the previous instruction had its chance
        _aliasUsable = false;
        if (_aliasLocal < 0 || op is 0x20 or (>= 0x41 and <= 0x44)) return;
        if (op is (>= 0x28 and <= 0x3E) or (>= 0x45 and <= 0xC4))
        {
            _aliasUsable = true;
            _scratchBuilding |= 1 << (_aliasLoc.IsFloatRegister ? 4 + _aliasLoc.Index : _aliasLoc.Index);
        }
        else _aliasLocal = -1;
    }

    /// <summary>The register that still holds local <paramref name="x"/> (see <see cref="SetAlias"/>), if this instruction
    /// may read it in register file <paramref name="asFloat"/> and nothing writes it before the operation reading it is
    /// emitted: its depth's entry is this very local (a lazy <c>local.get</c>, which would write the same value), or an
    /// entry of the other register file's type, lazy or in its own file (materializing it writes its own file), deeper
    /// than the three top entries (this instruction pops at most two, the one taking its pending result one more).</summary>
    private Location? Alias(long x, bool asFloat)
    {
        if (!_aliasUsable || x != _aliasLocal || _aliasLoc.IsFloatRegister != asFloat) return null;
        int j = _aliasLoc.Index;
        if (j >= _depth) return null;
        ref var s = ref _stack[j];
        bool intact = (s.Kind == Kind.Local && s.Value == x)
            || (j < _depth - 3 && IsFloat(s.Type) != asFloat && (s.Kind is Kind.Local or Kind.Const || (s.Kind == Kind.Reg && s.InFloat != asFloat)));
        return intact ? _aliasLoc : null;
    }

    /// <summary>
    /// A register below depth 3 that holds local <paramref name="x"/> (a move-register local, or one cached in the other
    /// register file) in file <paramref name="asFloat"/>: a Reg entry made from a read of it or left by a
    /// <c>local.tee</c> of it, so <c>local.get x; local.get x</c> is one move and a tee's value is read again in place.
    /// Such a register is written only when its entry is popped (by the instruction that reads it) or when <c>x</c> is
    /// set (which forgets the copy); labels forget every copy.
    /// </summary>
    private Location? CopyOfLocal(long x, bool asFloat)
    {
        for (int j = 0, n = Math.Min(_depth, RegisterCount); j < n; j++)
        {
            ref var s = ref _stack[j];
            // (In its type's own file: materializing it never leaves that register to a scratch use.)
            if (s.Kind == Kind.Reg && s.CopyOf == x + 1 && s.InFloat == asFloat && IsFloat(s.Type) == asFloat) return Loc(j, asFloat);
        }
        return null;
    }

    private void ForgetCopies()
    {
        for (int k = 0, n = Math.Min(_depth, RegisterCount); k < n; k++) _stack[k].CopyOf = 0;
    }

    /// <summary>The scratch registers of the operation just built stay taken until it is emitted.</summary>
    private void HoldScratch()
    {
        _scratchPending = _scratchBuilding;
        _scratchBuilding = 0;
    }

    /// <summary>
    /// A register below depth 3 that no entry uses (with the operand stack deeper than 3), not <paramref name="exclude"/>
    /// nor one already holding an input of the operation being built or (unless <paramref name="forPending"/>: for the
    /// result of the pending operation, which may share a register with its inputs) of the pending one: for a float, the
    /// float register of an integer entry; for an integer, the integer register of a float entry whose value is in (or
    /// goes to) its float register.
    /// </summary>
    private Location? Scratch(bool asFloat, Location exclude, bool forPending = false)
    {
        for (int j = 0; j < RegisterCount; j++)
        {
            ref var s = ref _stack[j];
            bool free = asFloat ? !s.Float && !s.InFloat : s.Float && (s.Kind != Kind.Reg || s.InFloat);
            var scratch = asFloat ? Location.FloatRegister(j) : Location.Register(j);
            int bit = 1 << (asFloat ? 4 + j : j);
            if (!free || scratch == exclude || ((_scratchBuilding | (forPending ? 0 : _scratchPending)) & bit) != 0) continue;
            _scratchBuilding |= bit;
            return scratch;
        }
        return null;
    }

    /// <summary>The opcodes whose immediate form is a shift (the hole is the count, masked); by opcode, once.</summary>
    private static readonly bool[] ShiftImm = Array.ConvertAll(Families.WithImm, f => f is not null && f.Name.Contains("Sh", StringComparison.Ordinal));

    private bool NextIsBranch() => _r.Position < _r.End && _r.Bytes[_r.Position] is 0x0D or 0x04;

    /// <summary>True before <c>i32.eqz; br_if</c> or <c>i32.eqz; if</c>.</summary>
    private bool NextIsEqzBranch() => _r.Position + 1 < _r.End && _r.Bytes[_r.Position] == 0x45 && _r.Bytes[_r.Position + 1] is 0x0D or 0x04;

    private bool NextIsLocalWriteOrDrop() => _r.Position < _r.End && _r.Bytes[_r.Position] is 0x21 or 0x22 or 0x1A;

    /// <summary>True when the instruction <paramref name="ahead"/> bytes on is a select (0x1B or 0x1C).</summary>
    private bool NextIsSelect(int ahead = 0) => _r.Position + ahead < _r.End && _r.Bytes[_r.Position + ahead] is 0x1B or 0x1C;

    /// <summary>The pending condition is an and with a constant (see <see cref="_cNegate"/>).</summary>
    private bool IsAndTest => _cOp is 0x71 or 0x83;

    /// <summary>Pops a condition and branches to <paramref name="target"/> when it is true (or false when <paramref name="negate"/>),
    /// after materializing the <paramref name="materializeTop"/> entries below the condition.</summary>
    private void BranchIf(bool negate, Block target, int materializeTop)
    {
        ref var c = ref _stack[_depth - 1];
        if (c.Kind == Kind.Cond && !IsAndTest)
        {
            negate ^= _cNegate;
            _depth--;
            MaterializeTop(materializeTop);
            if (_cOp is 0x45 or 0x50)
                _b.Emit(negate ? Families.BranchIfNot[_cOp]! : Families.BranchIf[_cOp]!, [_cA], [], default, [target]);
            else if (_cImm)
                _b.Emit(negate ? Families.BranchIfNotImm[_cOp]! : Families.BranchIfImm[_cOp]!, [_cA], [], [_cOp >= 0x51 ? (ulong)_cK : (ulong)(uint)(int)_cK], [target]);
            else
                _b.Emit(negate ? Families.BranchIfNot[_cOp]! : Families.BranchIf[_cOp]!, [_cA, _cB], [], default, [target]);
            return;
        }
        Flush();
        Location cond = Use(_depth - 1);
        _depth--;
        MaterializeTop(materializeTop);
        _b.Emit(negate ? Families.BrIfEqz : Families.BrIfNez, [cond], [], default, [target]);
    }

    /// <summary>Moves the branch values to the label's locations and jumps.</summary>
    private void Br(Frame f)
    {
        Flush();
        int n = f.Arity;
        int from = _depth - n;
        for (int i = 0; i < n; i++)
        {
            if (from + i == f.Height + i) Materialize(from + i);
            else WriteTo(from + i, Loc(f.Height + i, _stack[from + i].Float));
        }
        _b.Jump(f.Label);
    }

    private void BrTable()
    {
        uint count = _r.U32();
        if (_brTableLabels.Length < count) _brTableLabels = new uint[Math.Max((int)count, 2 * _brTableLabels.Length)];
        var labels = _brTableLabels;
        for (int i = 0; i < count; i++) labels[i] = _r.U32();
        uint dflt = _r.U32();
        Flush();
        MaterializeAll();
        Location index = Loc(_depth - 1);
        _depth--;
        for (int i = 0; i < count; i++)
        {
            var f = _frames[_frames.Count - 1 - (int)labels[i]];
            int n = f.Arity;
            Block target = f.Label;
            if (_depth - n != f.Height)
            {
                target = _b.NewBlock();
                var moves = new (Entry, int, Location)[n];
                for (int k = 0; k < n; k++) moves[k] = (_stack[_depth - n + k], _depth - n + k, Loc(f.Height + k, _stack[_depth - n + k].Float));
                _trampolines.Add((target, moves, f.Label));
            }
            _b.Emit(Families.BrIfEqImm, [index], [], [(ulong)(uint)i], [target]);
        }
        Br(_frames[_frames.Count - 1 - (int)dflt]);
    }

    private void Else(bool reachable)
    {
        var f = _frames[^1];
        if (reachable)
        {
            Flush();
            for (int k = f.Height; k < _depth; k++) Materialize(k);
            _b.Jump(f.Label);
        }
        _b.StartBlock(f.Else);
        f.HasElse = true;
        _depth = f.Height + f.Params;
        for (int k = f.Height; k < _depth; k++) SetReg(k, f.ParamTypes[k - f.Height]);
    }

    /// <summary>The end of a block; true at the end of the function.</summary>
    private bool End(bool reachable)
    {
        var f = _frames[^1];
        if (reachable)
        {
            Flush();
            for (int k = f.Height; k < _depth; k++) Materialize(k);
        }
        _frames.RemoveAt(_frames.Count - 1);
        if (f.Opcode == 0x04 && !f.HasElse) _b.StartBlock(f.Else);
        if (f.Opcode != 0x03) _b.StartBlock(f.Label);
        _depth = f.Height + f.Results;
        for (int k = f.Height; k < _depth; k++) SetReg(k, f.ResultTypes[k - f.Height]);
        _freeFrames.Push(f);
        if (_frames.Count == 0)
        {
            ReturnValues();
            return true;
        }
        return false;
    }

    /// <summary>Entry <paramref name="k"/> is a value of type <paramref name="t"/> in its canonical location (at a label).</summary>
    private void SetReg(int k, ValType t) => _stack[k] = new Entry { Kind = Kind.Reg, Type = t, InFloat = IsFloat(t) };

    /// <summary>The result types of blocks of one result, by type byte − 0x6F (shared, never written).</summary>
    private static readonly ValType[][] SingleTypes = [.. System.Linq.Enumerable.Select(System.Linq.Enumerable.Range(0x6F, 17), b => new[] { (ValType)b })];

    /// <summary>A block type's parameter and result types.</summary>
    private (ValType[] Params, ValType[] Results) BlockTypes(WasmReader r)
    {
        int at = r.Position;
        byte b = r.Byte();
        if (b == 0x40) return ([], []);
        if (b is 0x7F or 0x7E or 0x7D or 0x7C or 0x70 or 0x6F) return ([], SingleTypes[b - 0x6F]);
        r.Position = at;
        var t = _m.Types[(int)r.S33()];
        return (t.Params, t.Results);
    }

    private void ReturnValues()
    {
        Flush();
        int n = _type.Results.Length;
        for (int i = 0; i < n; i++) Store(_depth - n + i, ExchangeCell(i));
        _b.Emit(Families.Return, [], []);
    }

    /// <summary>Writes entry <paramref name="k"/> to the cell at <paramref name="cell"/> (a global or an exchange value).</summary>
    private void Store(int k, ulong cell)
    {
        ref var e = ref _stack[k];
        if (e.Kind == Kind.Const) _b.Emit(Families.SetConst, [], [], [(ulong)e.Value, cell]);
        // An f32 is its zero-extended bits in a cell (the bits above it in a register are unspecified).
        else if (e.Type == ValType.F32) _b.Emit(Families.SetF32, [Use(k, true)], [], [cell]);
        else if (e.Type == ValType.F64) _b.Emit(Families.SetF64, [Use(k, true)], [], [cell]);
        else _b.Emit(Families.Set, [Use(k)], [], [cell]);
    }

    private void SetLocal(int x, bool tee)
    {
        int top = _depth - 1;
        for (int k = 0; k < top; k++)
        {
            if (_stack[k].Kind == Kind.Local && _stack[k].Value == x) Materialize(k);
            if (_stack[k].CopyOf == x + 1) _stack[k].CopyOf = 0;
        }
        ref var e = ref _stack[top];
        var dst = LocalLoc(x);
        bool keep = false; // the entry keeps its own copy (a tee of a value written to a move register)
        if (IsMoveOnly(dst) && e.Kind == Kind.Pending && top >= RegisterCount
            && Scratch(_pFamily!.IsFloatValue(_pInCount), Location.Stack(0), forPending: true) is Location scratch)
        {
            // A deep result for a move register: through a register no entry uses rather than the entry's slot.
            EmitPending(scratch);
            _b.Move(scratch, dst);
            e.Kind = Kind.Local;
            e.Value = x;
            SetAlias(x, scratch);
        }
        else if (IsMoveOnly(dst) && e.Kind is Kind.Pending or Kind.Cond or Kind.Const or Kind.Reg)
        {
            // A move register is written only by a move: the value goes through the entry's own location, where a
            // tee leaves it (reading it back from the move register would be one more move).
            Materialize(top);
            keep = tee;
            if (!tee && top < RegisterCount) SetAlias(x, Loc(top));
            if (tee && top < RegisterCount) e.CopyOf = x + 1;
        }
        else if (tee && dst.IsStack && e.Kind is Kind.Const) keep = true; // the constant stays foldable
        else if (tee && dst.IsStack && top < RegisterCount && e.Kind is Kind.Pending or Kind.Cond && !NextIsLocalWriteOrDrop())
        {
            // A tee to a slot whose value is read next: computed in the entry's register and stored from there, so
            // its reader does not load it back from the slot (a store-to-load forwarding delay).
            Flush();
            keep = true;
        }
        switch (e.Kind)
        {
            case Kind.Pending:
                if (dst.IsStack || _pFamily!.IsFloatValue(_pInCount) == dst.IsFloatRegister) EmitPending(dst);
                else
                {
                    // The operation's result is of the other register file than the local's register: via the entry's own.
                    Flush();
                    _b.Move(Loc(top), dst);
                }
                break;
            case Kind.Cond: EmitCond(dst); break;
            case Kind.Reg: _b.Move(Loc(top), dst); break;
            case Kind.Const: EmitConst(e.Value, dst); break;
            case Kind.Local: if (e.Value != x) _b.Move(LocalLoc((int)e.Value), dst); break;
        }
        if (!tee) _depth--;
        else if (!keep) e = new Entry { Kind = Kind.Local, Value = x, Type = e.Type };
    }

    /// <summary>
    /// Picks the locals that live in the cache registers for the whole function: the most used integer and float
    /// locals, each use weighted by 8 to the power of its loop nesting. A function-wide assignment needs no merge
    /// logic at labels and no write-back anywhere (nothing but this function's code reads its locals); stencils that
    /// call out (calls, host operations) keep the registers alive across the call like any other value they pass on.
    /// </summary>
    private void ChooseCachedLocals()
    {
        Array.Fill(_cachedInt, -1);
        Array.Fill(_cachedFloat, -1);
        if (_locals == 0 || CachedInts + CachedFloats == 0) return;
        // The validator weighs the locals on its walk (FunctionBody.LocalWeights); an unvalidated body is walked here.
        if (_weights.Length < _locals) _weights = new long[Math.Max(_locals, 2 * _weights.Length)];
        var weights = _weights;
        if (_body.LocalWeights is { } recorded) recorded.CopyTo(weights, 0);
        else Array.Clear(weights, 0, _locals);
        var r = _body.LocalWeights is null ? new WasmReader(_m.Bytes, _body.CodeStart, _body.CodeEnd) : null;
        ulong loops = 0; // bit i: control frame i (up to 64 deep) is a loop
        int frames = 0, loopDepth = 0;
        while (r is not null && r.Position < r.End)
        {
            byte op = r.Byte();
            switch (op)
            {
                case 0x02 or 0x03 or 0x04:
                    Immediates.BlockType(r);
                    if (op == 0x03)
                    {
                        loopDepth++;
                        if (frames < 64) loops |= 1UL << frames;
                    }
                    else if (frames < 64) loops &= ~(1UL << frames);
                    frames++;
                    break;
                case 0x0B:
                    if (frames == 0) break;
                    frames--;
                    if (frames < 64 && (loops & (1UL << frames)) != 0) loopDepth--;
                    break;
                case 0x20 or 0x21 or 0x22:
                    weights[r.U32()] += FunctionBody.UseWeight(loopDepth);
                    break;
                default:
                    Immediates.Skip(r, op);
                    break;
            }
        }
        foreach (bool isFloat in (ReadOnlySpan<bool>)[false, true])
        {
            int[] cache = isFloat ? _cachedFloat : _cachedInt;
            for (int i = 0; i < cache.Length; i++)
            {
                int best = -1;
                for (int x = 0; x < _locals; x++)
                    if (weights[x] > 0 && IsFloat(_localTypes[x]) == isFloat && (best < 0 || weights[x] > weights[best])) best = x;
                if (best < 0) break;
                cache[i] = best;
                weights[best] = 0;
            }
        }
    }

    private void Select()
    {
        // Not when the condition's operand is in a scratch register (a deep move-register local): reading the values
        // as integers may move a float value into that very register.
        if (_stack[_depth - 1].Kind == Kind.Cond && (IsAndTest || _cOp is 0x45 or 0x50) && _scratchPending == 0)
        {
            // A fused select: on `eqz c`, a select on c with the values swapped (64-bit for an i64 c); on `x & k`, a
            // test and a cmov (swapped for its eqz).
            _depth--;
            var vt = _stack[_depth - 2].Type;
            Location vb = Use(_depth - 1), va = Use(_depth - 2);
            bool swap = !IsAndTest || _cNegate;
            Location t = swap ? vb : va, f = swap ? va : vb;
            if (IsAndTest) Produce(2, Families.SelectAndImm, [t, f, _cA], [(ulong)_cK], type: vt);
            else Produce(2, _cOp == 0x50 ? Families.SelectI64 : Families.Select, [t, f, _cA], type: vt);
            return;
        }
        var type = _stack[_depth - 3].Type;
        Location c = Use(_depth - 1), b = Use(_depth - 2), a = Use(_depth - 3);
        Produce(3, Families.Select, [a, b, c], type: type);
    }

    private void PassArguments(int first, int count)
    {
        for (int i = 0; i < count; i++) Store(first + i, ExchangeCell(i));
    }

    private void TakeResults(ValType[] types)
    {
        int count = types.Length;
        for (int i = 0; i < count; i++)
        {
            if (count == 1) Produce(0, Families.Get, [], [ExchangeCell(0)], type: types[0]);
            else
            {
                _b.Emit(Families.Get, [], [Loc(_depth, false)], [ExchangeCell(i)]);
                Push(Kind.Reg, 0, types[i], inFloat: false);
            }
        }
    }

    private void Call(Function callee)
    {
        int np = callee.Type.Params.Length;
        PassArguments(_depth - np, np);
        _depth -= np;
        _b.Emit(Families.Call, [], [], [(ulong)callee.Ref, (ulong)_ex], [RethrowBlock]);
        TakeResults(callee.Type.Results);
    }

    private void CallIndirect(uint typeIndex, uint table)
    {
        var type = _m.Types[(int)typeIndex];
        int np = type.Params.Length;
        Location index = Use(_depth - 1);
        PassArguments(_depth - 1 - np, np);
        _depth -= np + 1;
        _b.Emit(Families.CallIndirect, [index], [], [(ulong)_instance.Tables[table].Desc, (ulong)WasmRuntime.SignatureId(type), (ulong)_ex],
            [TrapBlock(TrapKind.UndefinedElement), TrapBlock(TrapKind.UninitializedElement), TrapBlock(TrapKind.IndirectCallTypeMismatch), RethrowBlock]);
        TakeResults(type.Results);
    }

    /// <summary>An instruction done in C# (<see cref="BulkOperation"/>): operands through the exchange area.</summary>
    private void Bulk(BulkKind kind, uint a, uint b, int operands, int results)
    {
        PassArguments(_depth - operands, operands);
        _depth -= operands;
        long id = WasmRuntime.AddOperation(new BulkOperation(_instance, kind, a, b));
        _b.Emit(Families.HostOp, [], [], [(ulong)WasmRuntime.OperationEntry, (ulong)id, (ulong)_ex], [RethrowBlock]);
        TakeResults(results == 0 ? [] : [ValType.I32]);
    }

    private void Misc(uint sub)
    {
        var r = _r;
        switch (sub)
        {
            case <= 7:
                Produce(1, Families.TruncSat[sub], [Use(_depth - 1, Families.TruncSat[sub], 0)]);
                break;
            case 8:
            {
                uint seg = r.U32();
                r.Byte();
                Bulk(BulkKind.MemoryInit, 0, seg, 3, 0);
                break;
            }
            case 9: Bulk(BulkKind.DataDrop, r.U32(), 0, 0, 0); break;
            case 10: r.Byte(); r.Byte(); Bulk(BulkKind.MemoryCopy, 0, 0, 3, 0); break;
            case 11: r.Byte(); Bulk(BulkKind.MemoryFill, 0, 0, 3, 0); break;
            case 12:
            {
                uint seg = r.U32();
                Bulk(BulkKind.TableInit, r.U32(), seg, 3, 0);
                break;
            }
            case 13: Bulk(BulkKind.ElemDrop, r.U32(), 0, 0, 0); break;
            case 14:
            {
                uint dst = r.U32();
                Bulk(BulkKind.TableCopy, dst, r.U32(), 3, 0);
                break;
            }
            case 15: Bulk(BulkKind.TableGrow, r.U32(), 0, 2, 1); break;
            case 16: Bulk(BulkKind.TableSize, r.U32(), 0, 0, 1); break;
            case 17: Bulk(BulkKind.TableFill, r.U32(), 0, 3, 0); break;
            default: throw new InvalidOperationException($"0xFC {sub} cannot be compiled");
        }
    }
}
