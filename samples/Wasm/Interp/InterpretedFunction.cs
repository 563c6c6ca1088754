using System;
using System.Collections.Generic;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Jit;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Interp;

/// <summary>
/// One function run by the interpreter: a loop over the body's bytes with a value stack of 64-bit words and a label
/// stack. Calls go through the callee's <see cref="FuncRef"/> like JIT code's do (so interpreted, compiled and host
/// functions call each other); bulk and table instructions use the JIT's <see cref="BulkOperation"/>s.
/// </summary>
internal sealed unsafe class InterpretedFunction(Instance instance, int index) : HostOperation(instance.Store)
{
    private readonly WasmModule _m = instance.Module;
    private readonly FunctionBody _body = instance.Module.Bodies[index - instance.Module.ImportedFunctions];
    private readonly FuncType _type = instance.Module.FunctionType(index);
    private Dictionary<int, (int Else, int End)>? _blocks;
    private readonly Dictionary<int, BulkOperation> _bulk = new();

    private struct Label
    {
        public int Continue; // where a branch goes
        public int Height;
        public int Arity;
        public bool Loop;
    }

    /// <summary>Positions after the matching else and end of each block, loop and if (by the position of its opcode).</summary>
    private Dictionary<int, (int Else, int End)> Blocks()
    {
        var map = new Dictionary<int, (int Else, int End)>();
        var open = new Stack<(int At, int Else)>();
        var r = new WasmReader(_m.Bytes, _body.CodeStart, _body.CodeEnd);
        while (!r.AtEnd)
        {
            int at = r.Position;
            byte op = r.Byte();
            if (op is 0x02 or 0x03 or 0x04) open.Push((at, -1));
            else if (op == 0x05) { var (s, _) = open.Pop(); open.Push((s, r.Position)); }
            else if (op == 0x0B && open.Count > 0) { var (s, e) = open.Pop(); map[s] = (e, r.Position); }
            Immediates.Skip(r, op);
        }
        return map;
    }

    /// <summary>The deepest nesting of interpreted calls (each one costs managed and native frames).</summary>
    public const int MaxDepth = 20_000;

    [ThreadStatic] private static int _depth;

    public override TrapKind Run(Exchange* ex)
    {
        byte marker = 0;
        if ((ulong)&marker < ex->StackLimit || _depth >= MaxDepth) return TrapKind.CallStackExhausted;
        _depth++;
        try { return Execute(ex); }
        finally { _depth--; }
    }

    private TrapKind Execute(Exchange* ex)
    {
        _blocks ??= Blocks();
        int np = _type.Params.Length;
        var locals = new long[np + _body.Locals.Length];
        for (int i = 0; i < np; i++) locals[i] = ex->Values[i];
        var stack = new long[64];
        int sp = 0;
        var labels = new List<Label> { new() { Continue = _body.CodeEnd, Height = 0, Arity = _type.Results.Length } };
        var r = new WasmReader(_m.Bytes, _body.CodeStart, _body.CodeEnd);
        var mem = instance.Memories.Length > 0 ? instance.Memories[0].Desc : null;

        void Push(long v)
        {
            if (sp == stack.Length) Array.Resize(ref stack, sp * 2);
            stack[sp++] = v;
        }
        long Pop() => stack[--sp];
        void Branch(int depth)
        {
            var l = labels[labels.Count - 1 - depth];
            Array.Copy(stack, sp - l.Arity, stack, l.Height, l.Arity);
            sp = l.Height + l.Arity;
            // A branch to a loop re-enters it (its label stays); to a block it leaves it.
            int drop = l.Loop ? depth : depth + 1;
            labels.RemoveRange(labels.Count - drop, drop);
            r.Position = l.Continue;
        }

        while (true)
        {
            if (r.Position >= _body.CodeEnd)
            {
                for (int i = 0; i < _type.Results.Length; i++) ex->Values[i] = stack[sp - _type.Results.Length + i];
                return TrapKind.None;
            }
            int at = r.Position;
            byte op = r.Byte();
            switch (op)
            {
                case 0x00: return TrapKind.Unreachable;
                case 0x01: break;
                case 0x02:
                case 0x03:
                {
                    var (ps, rs) = Immediates.BlockType(r, _m);
                    int end = _blocks[at].End;
                    labels.Add(op == 0x03
                        ? new Label { Continue = r.Position, Height = sp - ps, Arity = ps, Loop = true }
                        : new Label { Continue = end, Height = sp - ps, Arity = rs });
                    break;
                }
                case 0x04:
                {
                    var (ps, rs) = Immediates.BlockType(r, _m);
                    var (els, end) = _blocks[at];
                    bool c = (int)Pop() != 0;
                    if (c) labels.Add(new Label { Continue = end, Height = sp - ps, Arity = rs });
                    else if (els >= 0)
                    {
                        labels.Add(new Label { Continue = end, Height = sp - ps, Arity = rs });
                        r.Position = els;
                    }
                    else r.Position = end;
                    break;
                }
                case 0x05: // the end of a then branch: skip the else branch
                    r.Position = labels[^1].Continue;
                    labels.RemoveAt(labels.Count - 1);
                    break;
                case 0x0B:
                    labels.RemoveAt(labels.Count - 1);
                    break;
                case 0x0C: Branch((int)r.U32()); break;
                case 0x0D:
                {
                    uint d = r.U32();
                    if ((int)Pop() != 0) Branch((int)d);
                    break;
                }
                case 0x0E:
                {
                    uint n = r.U32();
                    var targets = new uint[n + 1];
                    for (int i = 0; i <= n; i++) targets[i] = r.U32();
                    uint k = (uint)Pop();
                    Branch((int)targets[Math.Min(k, n)]);
                    break;
                }
                case 0x0F:
                    for (int i = 0; i < _type.Results.Length; i++) ex->Values[i] = stack[sp - _type.Results.Length + i];
                    return TrapKind.None;
                case 0x10:
                {
                    var f = instance.Functions[r.U32()];
                    var t = Call(ex, f.Ref, f.Type, stack, ref sp);
                    if (t != TrapKind.None) return t;
                    break;
                }
                case 0x11:
                {
                    var type = _m.Types[(int)r.U32()];
                    var table = instance.Tables[r.U32()];
                    uint i = (uint)Pop();
                    if (i >= table.Length) return TrapKind.UndefinedElement;
                    var f = (FuncRef*)table[i];
                    if (f == null) return TrapKind.UninitializedElement;
                    if (f->Signature != WasmRuntime.SignatureId(type)) return TrapKind.IndirectCallTypeMismatch;
                    var t = Call(ex, f, type, stack, ref sp);
                    if (t != TrapKind.None) return t;
                    break;
                }
                case 0x1A: sp--; break;
                case 0x1B:
                case 0x1C:
                {
                    if (op == 0x1C) for (uint n = r.U32(); n > 0; n--) r.Byte();
                    int c = (int)Pop();
                    long b = Pop(), a = Pop();
                    Push(c != 0 ? a : b);
                    break;
                }
                case 0x20: Push(locals[r.U32()]); break;
                case 0x21: locals[r.U32()] = Pop(); break;
                case 0x22: locals[r.U32()] = stack[sp - 1]; break;
                case 0x23: Push(instance.Globals[r.U32()].Value); break;
                case 0x24: instance.Globals[r.U32()].SetUnchecked(Pop()); break;
                case >= 0x28 and <= 0x35:
                {
                    r.U32();
                    ulong ea = (ulong)(uint)Pop() + r.U32();
                    int size = 1 << Opcodes.Memory(op).Log2;
                    if (ea + (ulong)size > mem->Size) return TrapKind.MemoryOutOfBounds;
                    byte* p = mem->Base + ea;
                    Push(op switch
                    {
                        0x28 => *(int*)p,
                        0x2A => *(uint*)p,
                        0x29 or 0x2B => *(long*)p,
                        0x2C or 0x30 => *(sbyte*)p,
                        0x2D or 0x31 => *p,
                        0x2E or 0x32 => *(short*)p,
                        0x2F or 0x33 => *(ushort*)p,
                        0x34 => *(int*)p,
                        _ => *(uint*)p,
                    });
                    break;
                }
                case >= 0x36 and <= 0x3E:
                {
                    r.U32();
                    uint offset = r.U32();
                    long v = Pop();
                    ulong ea = (ulong)(uint)Pop() + offset;
                    int size = 1 << Opcodes.Memory(op).Log2;
                    if (ea + (ulong)size > mem->Size) return TrapKind.MemoryOutOfBounds;
                    byte* p = mem->Base + ea;
                    switch (size)
                    {
                        case 1: *p = (byte)v; break;
                        case 2: *(ushort*)p = (ushort)v; break;
                        case 4: *(uint*)p = (uint)v; break;
                        default: *(ulong*)p = (ulong)v; break;
                    }
                    break;
                }
                case 0x3F: r.Byte(); Push((int)(mem->Size >> 16)); break;
                case 0x40: r.Byte(); if (!Bulk(ex, at, BulkKind.MemoryGrow, 0, 0, 1, 1, stack, ref sp, out var g)) return g; break;
                case 0x41: Push(r.S32()); break;
                case 0x42: Push(r.S64()); break;
                case 0x43: Push(r.F32Bits()); break;
                case 0x44: Push((long)r.F64Bits()); break;
                case 0xD0: r.Byte(); Push(0); break;
                case 0xD1: Push(Pop() == 0 ? 1 : 0); break;
                case 0xD2: Push((long)instance.Functions[r.U32()].Ref); break;
                case 0x25: if (!Bulk(ex, at, BulkKind.TableGet, r.U32(), 0, 1, 1, stack, ref sp, out var t1)) return t1; break;
                case 0x26: if (!Bulk(ex, at, BulkKind.TableSet, r.U32(), 0, 2, 0, stack, ref sp, out var t2)) return t2; break;
                case Opcodes.Prefix:
                {
                    uint sub = r.U32();
                    if (sub <= 7) { Push(NumericOps.Unary[0x100 + (int)sub]!(Pop())); break; }
                    var (kind, a, b, operands, results) = sub switch
                    {
                        8 => (BulkKind.MemoryInit, 0u, Seg(r, zero: true), 3, 0),
                        9 => (BulkKind.DataDrop, r.U32(), 0u, 0, 0),
                        10 => (BulkKind.MemoryCopy, Zeros(r, 2), 0u, 3, 0),
                        11 => (BulkKind.MemoryFill, Zeros(r, 1), 0u, 3, 0),
                        12 => TableInit(r),
                        13 => (BulkKind.ElemDrop, r.U32(), 0u, 0, 0),
                        14 => (BulkKind.TableCopy, r.U32(), r.U32(), 3, 0),
                        15 => (BulkKind.TableGrow, r.U32(), 0u, 2, 1),
                        16 => (BulkKind.TableSize, r.U32(), 0u, 0, 1),
                        _ => (BulkKind.TableFill, r.U32(), 0u, 3, 0),
                    };
                    if (!Bulk(ex, at, kind, a, b, operands, results, stack, ref sp, out var t3)) return t3;
                    break;
                }
                default:
                {
                    var (trap, handled) = Numeric(op, stack, ref sp);
                    if (trap != TrapKind.None) return trap;
                    if (!handled) throw new InvalidOperationException($"opcode 0x{op:x2} cannot be interpreted");
                    break;
                }
            }
        }
    }

    private static uint Seg(WasmReader r, bool zero)
    {
        uint s = r.U32();
        if (zero) r.Byte();
        return s;
    }

    private static uint Zeros(WasmReader r, int n)
    {
        for (int i = 0; i < n; i++) r.Byte();
        return 0;
    }

    private static (BulkKind, uint, uint, int, int) TableInit(WasmReader r)
    {
        uint seg = r.U32();
        return (BulkKind.TableInit, r.U32(), seg, 3, 0);
    }

    private bool Bulk(Exchange* ex, int at, BulkKind kind, uint a, uint b, int operands, int results, long[] stack, ref int sp, out TrapKind trap)
    {
        if (!_bulk.TryGetValue(at, out var op)) _bulk[at] = op = new BulkOperation(instance, kind, a, b);
        for (int i = 0; i < operands; i++) ex->Values[i] = stack[sp - operands + i];
        sp -= operands;
        trap = op.Run(ex);
        if (trap != TrapKind.None) return false;
        for (int i = 0; i < results; i++) stack[sp++] = ex->Values[i];
        return true;
    }

    private static TrapKind Call(Exchange* ex, FuncRef* f, FuncType type, long[] stack, ref int sp)
    {
        int np = type.Params.Length, nr = type.Results.Length;
        for (int i = 0; i < np; i++) ex->Values[i] = stack[sp - np + i];
        sp -= np;
        long code = ((delegate* unmanaged<long>)f->Entry)();
        if (code != 0) return (TrapKind)code;
        if (sp + nr > stack.Length) throw new InvalidOperationException("interpreter stack overflow");
        for (int i = 0; i < nr; i++) stack[sp++] = ex->Values[i];
        return TrapKind.None;
    }

    private static (TrapKind, bool) Numeric(byte op, long[] stack, ref int sp)
    {
        if (NumericOps.Binary[op] is { } bin)
        {
            long b = stack[--sp];
            stack[sp - 1] = bin(stack[sp - 1], b);
            return (TrapKind.None, true);
        }
        if (NumericOps.Unary[op] is { } un)
        {
            stack[sp - 1] = un(stack[sp - 1]);
            return (TrapKind.None, true);
        }
        if (op is 0xA7 or (>= 0xBC and <= 0xBF)) return (TrapKind.None, true); // wrap and reinterpretations: the bits are right
        long y = stack[sp - 1];
        switch (op)
        {
            case 0x6D or 0x6E or 0x6F or 0x70:
            {
                int b = (int)y, a = (int)stack[sp - 2];
                if (b == 0) return (TrapKind.DivideByZero, true);
                if (op == 0x6D && b == -1 && a == int.MinValue) return (TrapKind.IntegerOverflow, true);
                sp--;
                stack[sp - 1] = op switch { 0x6D => a / b, 0x6E => (int)((uint)a / (uint)b), 0x6F => b == -1 ? 0 : a % b, _ => (int)((uint)a % (uint)b) };
                return (TrapKind.None, true);
            }
            case 0x7F or 0x80 or 0x81 or 0x82:
            {
                long b = y, a = stack[sp - 2];
                if (b == 0) return (TrapKind.DivideByZero, true);
                if (op == 0x7F && b == -1 && a == long.MinValue) return (TrapKind.IntegerOverflow, true);
                sp--;
                stack[sp - 1] = op switch { 0x7F => a / b, 0x80 => (long)((ulong)a / (ulong)b), 0x81 => b == -1 ? 0 : a % b, _ => (long)((ulong)a % (ulong)b) };
                return (TrapKind.None, true);
            }
            case >= 0xA8 and <= 0xB1 and not (0xAC or 0xAD):
            {
                bool f32 = op is 0xA8 or 0xA9 or 0xAE or 0xAF;
                double v = f32 ? BitConverter.Int32BitsToSingle((int)y) : BitConverter.Int64BitsToDouble(y);
                if (double.IsNaN(v)) return (TrapKind.InvalidConversion, true);
                double t = Math.Truncate(v);
                (double lo, double hi) = op switch
                {
                    0xA8 or 0xAA => (-2147483648.0, 2147483647.0),
                    0xA9 or 0xAB => (0.0, 4294967295.0),
                    0xAE or 0xB0 => (-9223372036854775808.0, 9223372036854775807.0),
                    _ => (0.0, 18446744073709551615.0),
                };
                bool unsigned64 = op is 0xAF or 0xB1, signed64 = op is 0xAE or 0xB0;
                if (t < lo || (signed64 || unsigned64 ? t >= hi : t > hi)) return (TrapKind.IntegerOverflow, true);
                stack[sp - 1] = op switch
                {
                    0xA8 or 0xAA => (int)t,
                    0xA9 or 0xAB => (int)(uint)t,
                    0xAE or 0xB0 => (long)t,
                    _ => (long)(ulong)t,
                };
                return (TrapKind.None, true);
            }
        }
        return (TrapKind.None, false);
    }
}
