using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Validation;

/// <summary>
/// Decodes and type-checks one function body (the spec appendix's algorithm with an operand and a control stack).
/// Reusable: <see cref="Run"/> validates one body with the stacks of the previous ones, so validating a module
/// allocates nothing per instruction and almost nothing per function.
/// </summary>
internal sealed class FunctionValidator
{
    private const ValType Unknown = 0;

    private struct Frame
    {
        public byte Opcode;
        public bool Unreachable;
        public int Height;
        public ValType[] Start;
        public ValType[] End;
    }

    /// <summary>Single-type block results by type byte (a block type is mostly one of these: no array per block).</summary>
    private static readonly ValType[]?[] SingleTypes = MakeSingleTypes();

    /// <summary><see cref="Opcodes.Numeric"/> of 0x45..0xC4, by opcode − 0x45 (a table: the switch was a visible part of validation).</summary>
    private static readonly (ValType A, ValType B, ValType R)[] NumericTypes =
        [.. System.Linq.Enumerable.Select(System.Linq.Enumerable.Range(0x45, 0xC4 - 0x45 + 1), op => Opcodes.Numeric((byte)op)!.Value)];

    private WasmModule _m = null!;
    private HashSet<uint> _declared = null!;
    private WasmReader _r = null!;
    private ValType[] _locals = new ValType[64];
    private long[] _weights = new long[64];
    private int _loopDepth;
    private int _localCount;
    private FuncType _type = null!;
    private ValType[] _vals = new ValType[64];
    private int _valCount;
    private Frame[] _ctrls = new Frame[16];
    private int _ctrlCount;
    private int _opStart;

    private static ValType[]?[] MakeSingleTypes()
    {
        var single = new ValType[]?[256];
        foreach (var t in new[] { ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.FuncRef, ValType.ExternRef })
            single[(byte)t] = [t];
        return single;
    }

    private WasmException Invalid(string message) => new(WasmErrorKind.Invalid, _r.Section, _opStart, message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WasmException TypeMismatch() => Invalid("type mismatch");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Push(ValType t)
    {
        if (_valCount == _vals.Length) Array.Resize(ref _vals, _vals.Length * 2);
        _vals[_valCount++] = t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValType Pop()
    {
        ref var f = ref _ctrls[_ctrlCount - 1];
        if (_valCount == f.Height)
        {
            if (f.Unreachable) return Unknown;
            throw TypeMismatch();
        }
        return _vals[--_valCount];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValType Pop(ValType expect)
    {
        var actual = Pop();
        if (actual != expect && actual != Unknown && expect != Unknown) throw TypeMismatch();
        return actual == Unknown ? expect : actual;
    }

    private void Push(ValType[] types)
    {
        foreach (var t in types) Push(t);
    }

    private void Pop(ValType[] types)
    {
        for (int i = types.Length - 1; i >= 0; i--) Pop(types[i]);
    }

    private void PushCtrl(byte opcode, ValType[] start, ValType[] end)
    {
        if (_ctrlCount == _ctrls.Length) Array.Resize(ref _ctrls, _ctrls.Length * 2);
        _ctrls[_ctrlCount++] = new Frame { Opcode = opcode, Start = start, End = end, Height = _valCount };
        if (opcode == 0x03) _loopDepth++;
        Push(start);
    }

    private Frame PopCtrl()
    {
        if (_ctrlCount == 0) throw TypeMismatch();
        var f = _ctrls[_ctrlCount - 1];
        Pop(f.End);
        if (_valCount != f.Height) throw TypeMismatch();
        _ctrlCount--;
        if (f.Opcode == 0x03) _loopDepth--;
        return f;
    }

    private static ValType[] LabelTypes(in Frame f) => f.Opcode == 0x03 ? f.Start : f.End;

    private void SetUnreachable()
    {
        ref var f = ref _ctrls[_ctrlCount - 1];
        _valCount = f.Height;
        f.Unreachable = true;
    }

    private ref Frame Label(uint depth)
    {
        if (depth >= _ctrlCount) throw Invalid("unknown label");
        return ref _ctrls[_ctrlCount - 1 - (int)depth];
    }

    private (ValType[] Params, ValType[] Results) BlockType()
    {
        int at = _r.Position;
        byte b = _r.Byte();
        if (b == 0x40) return ([], []);
        if (SingleTypes[b] is { } single) return ([], single);
        _r.Position = at;
        long index = _r.S33();
        if (index < 0) throw new WasmException(WasmErrorKind.Malformed, _r.Section, at, "malformed value type");
        if (index >= _m.Types.Count) throw Invalid("unknown type");
        var t = _m.Types[(int)index];
        return (t.Params, t.Results);
    }

    /// <summary>The type of local <paramref name="index"/>, counting the use in its weight (<see cref="FunctionBody.LocalWeights"/>).</summary>
    private ValType Local(uint index)
    {
        if (index >= (uint)_localCount) throw Invalid("unknown local");
        _weights[index] += FunctionBody.UseWeight(_loopDepth);
        return _locals[index];
    }

    private void MemArg(int log2)
    {
        uint align = _r.U32();
        _r.U32();
        if (_m.Memories.Count == 0) throw Invalid("unknown memory");
        if (align > log2) throw Invalid("alignment must not be larger than natural");
    }

    private void NeedMemory()
    {
        if (_m.Memories.Count == 0) throw Invalid("unknown memory");
    }

    private TableType Table(uint index)
    {
        if (index >= _m.Tables.Count) throw Invalid("unknown table");
        return _m.Tables[(int)index];
    }

    private void NeedDataCount(uint index)
    {
        if (_m.DataCount is null) throw new WasmException(WasmErrorKind.Malformed, _r.Section, _opStart, "data count section required");
        if (index >= _m.DataCount) throw Invalid("unknown data segment");
    }

    private ElementSegment Elem(uint index)
    {
        if (index >= _m.Elements.Count) throw Invalid("unknown elem segment");
        return _m.Elements[(int)index];
    }

    /// <summary>Validates the body of defined function <paramref name="index"/> of <paramref name="m"/>.</summary>
    /// <param name="m">The module.</param>
    /// <param name="index">The body's index (among the defined functions).</param>
    /// <param name="declared">The functions <c>ref.func</c> may name.</param>
    public void Run(WasmModule m, int index, HashSet<uint> declared)
    {
        _m = m;
        _declared = declared;
        var body = m.Bodies[index];
        _type = m.Types[(int)body.TypeIndex];
        _localCount = _type.Params.Length + body.Locals.Length;
        if (_locals.Length < _localCount) _locals = new ValType[Math.Max(_localCount, _locals.Length * 2)];
        _type.Params.CopyTo(_locals, 0);
        body.Locals.CopyTo(_locals, _type.Params.Length);
        if (_weights.Length < _localCount) _weights = new long[_locals.Length];
        Array.Clear(_weights, 0, _localCount);
        _loopDepth = 0;
        _r = WasmReader.ForBody(m.Bytes, body.CodeStart, body.CodeEnd, index);
        _valCount = 0;
        _ctrlCount = 0;
        try
        {
            Body();
            body.LocalWeights = _weights.AsSpan(0, _localCount).ToArray();
        }
        finally
        {
            // Keep no references to the module (the validator is cached per thread).
            _m = null!;
            _declared = null!;
            _r = null!;
            _type = null!;
            Array.Clear(_ctrls, 0, _ctrls.Length);
        }
    }

    private void Body()
    {
        var r = _r;
        PushCtrl(0x02, [], _type.Results);
        while (true)
        {
            if (r.AtEnd) throw r.Malformed("unexpected end of section or function");
            _opStart = r.Position;
            byte op = r.Byte();
            switch (op)
            {
                case 0x00: SetUnreachable(); break;
                case 0x01: break;
                case 0x02:
                case 0x03:
                {
                    var (ps, rs) = BlockType();
                    Pop(ps);
                    PushCtrl(op, ps, rs);
                    break;
                }
                case 0x04:
                {
                    var (ps, rs) = BlockType();
                    Pop(ValType.I32);
                    Pop(ps);
                    PushCtrl(op, ps, rs);
                    break;
                }
                case 0x05:
                {
                    var f = PopCtrl();
                    if (f.Opcode != 0x04) throw Invalid("else without if");
                    PushCtrl(0x05, f.Start, f.End);
                    break;
                }
                case 0x0B:
                {
                    var f = PopCtrl();
                    if (f.Opcode == 0x04 && !SameTypes(f.Start, f.End)) throw TypeMismatch();
                    Push(f.End);
                    if (_ctrlCount == 0)
                    {
                        if (r.Position != r.End) throw r.Malformed("section size mismatch");
                        return;
                    }
                    break;
                }
                case 0x0C:
                    Pop(LabelTypes(Label(r.U32())));
                    SetUnreachable();
                    break;
                case 0x0D:
                {
                    var ts = LabelTypes(Label(r.U32()));
                    Pop(ValType.I32);
                    Pop(ts);
                    Push(ts);
                    break;
                }
                case 0x0E: BrTable(); break;
                case 0x0F:
                    Pop(_type.Results);
                    SetUnreachable();
                    break;
                case 0x10:
                {
                    uint f = r.U32();
                    if (f >= _m.Functions.Count) throw Invalid("unknown function");
                    var t = _m.FunctionType((int)f);
                    Pop(t.Params);
                    Push(t.Results);
                    break;
                }
                case 0x11:
                {
                    uint typeIndex = r.U32();
                    uint table = r.U32();
                    var tt = Table(table);
                    if (typeIndex >= _m.Types.Count) throw Invalid("unknown type");
                    if (tt.Element != ValType.FuncRef) throw TypeMismatch();
                    Pop(ValType.I32);
                    var t = _m.Types[(int)typeIndex];
                    Pop(t.Params);
                    Push(t.Results);
                    break;
                }
                case 0x1A: Pop(); break;
                case 0x1B:
                {
                    Pop(ValType.I32);
                    var t1 = Pop();
                    var t2 = Pop();
                    if (t1.IsRef() || t2.IsRef()) throw TypeMismatch();
                    if (t1 != t2 && t1 != Unknown && t2 != Unknown) throw TypeMismatch();
                    Push(t1 == Unknown ? t2 : t1);
                    break;
                }
                case 0x1C:
                {
                    uint n = r.U32();
                    if (n != 1) throw Invalid("invalid result arity");
                    var t = r.ValType();
                    Pop(ValType.I32);
                    Pop(t);
                    Pop(t);
                    Push(t);
                    break;
                }
                case 0x20: Push(Local(r.U32())); break;
                case 0x21: Pop(Local(r.U32())); break;
                case 0x22:
                {
                    var t = Local(r.U32());
                    Pop(t);
                    Push(t);
                    break;
                }
                case 0x23:
                {
                    uint g = r.U32();
                    if (g >= _m.GlobalTypes.Count) throw Invalid("unknown global");
                    Push(_m.GlobalTypes[(int)g].Type);
                    break;
                }
                case 0x24:
                {
                    uint g = r.U32();
                    if (g >= _m.GlobalTypes.Count) throw Invalid("unknown global");
                    var gt = _m.GlobalTypes[(int)g];
                    if (!gt.Mutable) throw Invalid("global is immutable");
                    Pop(gt.Type);
                    break;
                }
                case 0x25:
                {
                    var t = Table(r.U32());
                    Pop(ValType.I32);
                    Push(t.Element);
                    break;
                }
                case 0x26:
                {
                    var t = Table(r.U32());
                    Pop(t.Element);
                    Pop(ValType.I32);
                    break;
                }
                case >= 0x28 and <= 0x35:
                {
                    var (type, log2) = Opcodes.Memory(op);
                    MemArg(log2);
                    Pop(ValType.I32);
                    Push(type);
                    break;
                }
                case >= 0x36 and <= 0x3E:
                {
                    var (type, log2) = Opcodes.Memory(op);
                    MemArg(log2);
                    Pop(type);
                    Pop(ValType.I32);
                    break;
                }
                case 0x3F:
                    if (r.Byte() != 0) throw r.Malformed("zero byte expected");
                    NeedMemory();
                    Push(ValType.I32);
                    break;
                case 0x40:
                    if (r.Byte() != 0) throw r.Malformed("zero byte expected");
                    NeedMemory();
                    Pop(ValType.I32);
                    Push(ValType.I32);
                    break;
                case 0x41: r.S32(); Push(ValType.I32); break;
                case 0x42: r.S64(); Push(ValType.I64); break;
                case 0x43: r.F32Bits(); Push(ValType.F32); break;
                case 0x44: r.F64Bits(); Push(ValType.F64); break;
                case >= 0x45 and <= 0xC4:
                {
                    var (a, b, res) = NumericTypes[op - 0x45];
                    if (b != 0) Pop(b);
                    Pop(a);
                    Push(res);
                    break;
                }
                case 0xD0: Push(r.RefType()); break;
                case 0xD1:
                {
                    var t = Pop();
                    if (t != Unknown && !t.IsRef()) throw TypeMismatch();
                    Push(ValType.I32);
                    break;
                }
                case 0xD2:
                {
                    uint f = r.U32();
                    if (f >= _m.Functions.Count) throw Invalid("unknown function");
                    if (!_declared.Contains(f)) throw Invalid("undeclared function reference");
                    Push(ValType.FuncRef);
                    break;
                }
                case Opcodes.Prefix: Misc(); break;
                default:
                    throw new WasmException(WasmErrorKind.Malformed, r.Section, _opStart, "illegal opcode");
            }
        }
    }

    /// <summary>
    /// br_table: every label must take the operands on the stack top (the same number of them as the default label).
    /// The labels are read twice (the default, which gives the arity, comes last) rather than copied into an array.
    /// </summary>
    private void BrTable()
    {
        var r = _r;
        uint n = r.U32();
        if (n > r.End - r.Position) throw r.Malformed("unexpected end of section or function");
        int labels = r.Position;
        for (uint i = 0; i < n; i++) r.U32();
        uint dflt = r.U32();
        int after = r.Position;
        Pop(ValType.I32);
        var defaultTypes = LabelTypes(Label(dflt));
        int arity = defaultTypes.Length;
        r.Position = labels;
        for (uint i = 0; i < n; i++)
        {
            var ts = LabelTypes(Label(r.U32()));
            if (ts.Length != arity) throw TypeMismatch();
            CheckTop(ts);
        }
        r.Position = after;
        Pop(defaultTypes);
        SetUnreachable();
    }

    /// <summary>
    /// Checks that the stack top holds values of <paramref name="types"/> without popping them. In unreachable code,
    /// missing values are unknown ones that match anything (popping them and pushing them back would make them so).
    /// </summary>
    private void CheckTop(ValType[] types)
    {
        ref var f = ref _ctrls[_ctrlCount - 1];
        int have = Math.Min(_valCount - f.Height, types.Length);
        if (have < types.Length && !f.Unreachable) throw TypeMismatch();
        for (int i = 1; i <= have; i++)
        {
            var actual = _vals[_valCount - i];
            if (actual != types[^i] && actual != Unknown) throw TypeMismatch();
        }
    }

    private void Misc()
    {
        var r = _r;
        uint sub = r.U32();
        switch (sub)
        {
            case <= 7:
            {
                var (a, res) = Opcodes.TruncSat(sub);
                Pop(a);
                Push(res);
                break;
            }
            case 8:
            {
                uint seg = r.U32();
                if (r.Byte() != 0) throw r.Malformed("zero byte expected");
                NeedMemory();
                NeedDataCount(seg);
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            }
            case 9: NeedDataCount(r.U32()); break;
            case 10:
                if (r.Byte() != 0 || r.Byte() != 0) throw r.Malformed("zero byte expected");
                NeedMemory();
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            case 11:
                if (r.Byte() != 0) throw r.Malformed("zero byte expected");
                NeedMemory();
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            case 12:
            {
                var e = Elem(r.U32());
                var t = Table(r.U32());
                if (t.Element != e.Type) throw TypeMismatch();
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            }
            case 13: Elem(r.U32()); break;
            case 14:
            {
                var dst = Table(r.U32());
                var src = Table(r.U32());
                if (dst.Element != src.Element) throw TypeMismatch();
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            }
            case 15:
            {
                var t = Table(r.U32());
                Pop(ValType.I32);
                Pop(t.Element);
                Push(ValType.I32);
                break;
            }
            case 16: Table(r.U32()); Push(ValType.I32); break;
            case 17:
            {
                var t = Table(r.U32());
                Pop(ValType.I32);
                Pop(t.Element);
                Pop(ValType.I32);
                break;
            }
            default: throw new WasmException(WasmErrorKind.Malformed, r.Section, _opStart, "illegal opcode");
        }
    }

    private static bool SameTypes(ValType[] a, ValType[] b) => a.AsSpan().SequenceEqual(b);
}
