using System;
using System.Collections.Generic;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Validation;

/// <summary>Decodes and type-checks one function body (the spec appendix's algorithm with an operand and a control stack).</summary>
internal sealed class FunctionValidator
{
    private const ValType Unknown = 0;

    private struct Frame
    {
        public byte Opcode;
        public ValType[] Start;
        public ValType[] End;
        public int Height;
        public bool Unreachable;
    }

    private readonly WasmModule _m;
    private readonly HashSet<uint> _declared;
    private readonly WasmReader _r;
    private readonly ValType[] _locals;
    private readonly FuncType _type;
    private readonly List<ValType> _vals = new();
    private readonly List<Frame> _ctrls = new();
    private int _opStart;

    public FunctionValidator(WasmModule m, int index, HashSet<uint> declared)
    {
        _m = m;
        _declared = declared;
        var body = m.Bodies[index];
        _type = m.Types[(int)body.TypeIndex];
        _locals = new ValType[_type.Params.Length + body.Locals.Length];
        _type.Params.CopyTo(_locals, 0);
        body.Locals.CopyTo(_locals, _type.Params.Length);
        _r = new WasmReader(m.Bytes, body.CodeStart, body.CodeEnd) { Section = $"code[{index}]" };
    }

    private WasmException Invalid(string message) => new(WasmErrorKind.Invalid, _r.Section, _opStart, message);

    private void Push(ValType t) => _vals.Add(t);

    private ValType Pop()
    {
        ref var f = ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ctrls)[^1];
        if (_vals.Count == f.Height)
        {
            if (f.Unreachable) return Unknown;
            throw Invalid("type mismatch");
        }
        var t = _vals[^1];
        _vals.RemoveAt(_vals.Count - 1);
        return t;
    }

    private ValType Pop(ValType expect)
    {
        var actual = Pop();
        if (actual != expect && actual != Unknown && expect != Unknown) throw Invalid("type mismatch");
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
        _ctrls.Add(new Frame { Opcode = opcode, Start = start, End = end, Height = _vals.Count });
        Push(start);
    }

    private Frame PopCtrl()
    {
        if (_ctrls.Count == 0) throw Invalid("type mismatch");
        var f = _ctrls[^1];
        Pop(f.End);
        if (_vals.Count != f.Height) throw Invalid("type mismatch");
        _ctrls.RemoveAt(_ctrls.Count - 1);
        return f;
    }

    private static ValType[] LabelTypes(in Frame f) => f.Opcode == 0x03 ? f.Start : f.End;

    private void SetUnreachable()
    {
        ref var f = ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ctrls)[^1];
        _vals.RemoveRange(f.Height, _vals.Count - f.Height);
        f.Unreachable = true;
    }

    private Frame Label(uint depth)
    {
        if (depth >= _ctrls.Count) throw Invalid("unknown label");
        return _ctrls[_ctrls.Count - 1 - (int)depth];
    }

    private (ValType[] Params, ValType[] Results) BlockType()
    {
        int at = _r.Position;
        byte b = _r.Byte();
        if (b == 0x40) return ([], []);
        if (b is 0x7F or 0x7E or 0x7D or 0x7C or 0x70 or 0x6F) return ([], [(ValType)b]);
        _r.Position = at;
        long index = _r.S33();
        if (index < 0) throw new WasmException(WasmErrorKind.Malformed, _r.Section, at, "malformed value type");
        if (index >= _m.Types.Count) throw Invalid("unknown type");
        var t = _m.Types[(int)index];
        return (t.Params, t.Results);
    }

    private ValType Local(uint index)
    {
        if (index >= _locals.Length) throw Invalid("unknown local");
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

    public void Run()
    {
        _ctrls.Add(new Frame { Opcode = 0x02, Start = [], End = _type.Results, Height = 0 });
        while (true)
        {
            if (_r.AtEnd) throw _r.Malformed("unexpected end of section or function");
            _opStart = _r.Position;
            byte op = _r.Byte();
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
                    if (f.Opcode == 0x04 && !SameTypes(f.Start, f.End)) throw Invalid("type mismatch");
                    Push(f.End);
                    if (_ctrls.Count == 0)
                    {
                        if (_r.Position != _r.End) throw _r.Malformed("section size mismatch");
                        return;
                    }
                    break;
                }
                case 0x0C:
                {
                    var f = Label(_r.U32());
                    Pop(LabelTypes(f));
                    SetUnreachable();
                    break;
                }
                case 0x0D:
                {
                    var f = Label(_r.U32());
                    Pop(ValType.I32);
                    var ts = LabelTypes(f);
                    Pop(ts);
                    Push(ts);
                    break;
                }
                case 0x0E:
                {
                    uint n = _r.U32();
                    if (n > _r.End - _r.Position) throw _r.Malformed("unexpected end of section or function");
                    var labels = new uint[n];
                    for (int i = 0; i < n; i++) labels[i] = _r.U32();
                    uint dflt = _r.U32();
                    Pop(ValType.I32);
                    int arity = LabelTypes(Label(dflt)).Length;
                    foreach (var l in labels)
                    {
                        var ts = LabelTypes(Label(l));
                        if (ts.Length != arity) throw Invalid("type mismatch");
                        // Check each label against a copy of the stack top.
                        var popped = new ValType[arity];
                        for (int i = arity - 1; i >= 0; i--)
                        {
                            var actual = Pop();
                            if (actual != ts[i] && actual != Unknown) throw Invalid("type mismatch");
                            popped[i] = actual;
                        }
                        Push(popped);
                    }
                    Pop(LabelTypes(Label(dflt)));
                    SetUnreachable();
                    break;
                }
                case 0x0F:
                    Pop(_type.Results);
                    SetUnreachable();
                    break;
                case 0x10:
                {
                    uint f = _r.U32();
                    if (f >= _m.Functions.Count) throw Invalid("unknown function");
                    var t = _m.FunctionType((int)f);
                    Pop(t.Params);
                    Push(t.Results);
                    break;
                }
                case 0x11:
                {
                    uint typeIndex = _r.U32();
                    uint table = _r.U32();
                    var tt = Table(table);
                    if (typeIndex >= _m.Types.Count) throw Invalid("unknown type");
                    if (tt.Element != ValType.FuncRef) throw Invalid("type mismatch");
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
                    if (t1.IsRef() || t2.IsRef()) throw Invalid("type mismatch");
                    if (t1 != t2 && t1 != Unknown && t2 != Unknown) throw Invalid("type mismatch");
                    Push(t1 == Unknown ? t2 : t1);
                    break;
                }
                case 0x1C:
                {
                    uint n = _r.U32();
                    if (n != 1) throw Invalid("invalid result arity");
                    var t = _r.ValType();
                    Pop(ValType.I32);
                    Pop(t);
                    Pop(t);
                    Push(t);
                    break;
                }
                case 0x20: Push(Local(_r.U32())); break;
                case 0x21: Pop(Local(_r.U32())); break;
                case 0x22:
                {
                    var t = Local(_r.U32());
                    Pop(t);
                    Push(t);
                    break;
                }
                case 0x23:
                {
                    uint g = _r.U32();
                    if (g >= _m.GlobalTypes.Count) throw Invalid("unknown global");
                    Push(_m.GlobalTypes[(int)g].Type);
                    break;
                }
                case 0x24:
                {
                    uint g = _r.U32();
                    if (g >= _m.GlobalTypes.Count) throw Invalid("unknown global");
                    var gt = _m.GlobalTypes[(int)g];
                    if (!gt.Mutable) throw Invalid("global is immutable");
                    Pop(gt.Type);
                    break;
                }
                case 0x25:
                {
                    var t = Table(_r.U32());
                    Pop(ValType.I32);
                    Push(t.Element);
                    break;
                }
                case 0x26:
                {
                    var t = Table(_r.U32());
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
                    if (_r.Byte() != 0) throw _r.Malformed("zero byte expected");
                    NeedMemory();
                    Push(ValType.I32);
                    break;
                case 0x40:
                    if (_r.Byte() != 0) throw _r.Malformed("zero byte expected");
                    NeedMemory();
                    Pop(ValType.I32);
                    Push(ValType.I32);
                    break;
                case 0x41: _r.S32(); Push(ValType.I32); break;
                case 0x42: _r.S64(); Push(ValType.I64); break;
                case 0x43: _r.F32Bits(); Push(ValType.F32); break;
                case 0x44: _r.F64Bits(); Push(ValType.F64); break;
                case >= 0x45 and <= 0xC4:
                {
                    var (a, b, res) = Opcodes.Numeric(op)!.Value;
                    if (b != 0) Pop(b);
                    Pop(a);
                    Push(res);
                    break;
                }
                case 0xD0: Push(_r.RefType()); break;
                case 0xD1:
                {
                    var t = Pop();
                    if (t != Unknown && !t.IsRef()) throw Invalid("type mismatch");
                    Push(ValType.I32);
                    break;
                }
                case 0xD2:
                {
                    uint f = _r.U32();
                    if (f >= _m.Functions.Count) throw Invalid("unknown function");
                    if (!_declared.Contains(f)) throw Invalid("undeclared function reference");
                    Push(ValType.FuncRef);
                    break;
                }
                case Opcodes.Prefix: Misc(); break;
                default:
                    throw new WasmException(WasmErrorKind.Malformed, _r.Section, _opStart, "illegal opcode");
            }
        }
    }

    private void Misc()
    {
        uint sub = _r.U32();
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
                uint seg = _r.U32();
                if (_r.Byte() != 0) throw _r.Malformed("zero byte expected");
                NeedMemory();
                NeedDataCount(seg);
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            }
            case 9: NeedDataCount(_r.U32()); break;
            case 10:
                if (_r.Byte() != 0 || _r.Byte() != 0) throw _r.Malformed("zero byte expected");
                NeedMemory();
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            case 11:
                if (_r.Byte() != 0) throw _r.Malformed("zero byte expected");
                NeedMemory();
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            case 12:
            {
                var e = Elem(_r.U32());
                var t = Table(_r.U32());
                if (t.Element != e.Type) throw Invalid("type mismatch");
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            }
            case 13: Elem(_r.U32()); break;
            case 14:
            {
                var dst = Table(_r.U32());
                var src = Table(_r.U32());
                if (dst.Element != src.Element) throw Invalid("type mismatch");
                Pop(ValType.I32); Pop(ValType.I32); Pop(ValType.I32);
                break;
            }
            case 15:
            {
                var t = Table(_r.U32());
                Pop(ValType.I32);
                Pop(t.Element);
                Push(ValType.I32);
                break;
            }
            case 16: Table(_r.U32()); Push(ValType.I32); break;
            case 17:
            {
                var t = Table(_r.U32());
                Pop(ValType.I32);
                Pop(t.Element);
                Pop(ValType.I32);
                break;
            }
            default: throw new WasmException(WasmErrorKind.Malformed, _r.Section, _opStart, "illegal opcode");
        }
    }

    private static bool SameTypes(ValType[] a, ValType[] b) => a.AsSpan().SequenceEqual(b);
}
