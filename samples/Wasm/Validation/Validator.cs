using System;
using System.Collections.Generic;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Validation;

/// <summary>
/// Validates a decoded module (the spec's validation algorithm, WebAssembly 2.0 without SIMD). Instructions are
/// decoded here too, so malformed code (bad opcodes, immediates) is reported as <see cref="WasmErrorKind.Malformed"/>
/// and type errors as <see cref="WasmErrorKind.Invalid"/>, each with the function and byte offset.
/// </summary>
public static class Validator
{
    /// <summary>Validates <paramref name="m"/>, throwing a <see cref="WasmException"/> on the first error (function bodies on <see cref="BodyBatches.Threads"/> threads).</summary>
    public static void Validate(WasmModule m) => Validate(m, BodyBatches.Threads);

    /// <summary>Validates <paramref name="m"/>, the function bodies on up to <paramref name="threads"/> threads; the error is the same whatever their number.</summary>
    public static void Validate(WasmModule m, int threads)
    {
        ArgumentNullException.ThrowIfNull(m);
        WasmException Err(string section, long offset, string message) => new(WasmErrorKind.Invalid, section, offset, message);
        foreach (var t in m.Functions)
            if (t >= m.Types.Count) throw Err("function", -1, "unknown type");
        foreach (var t in m.Tables)
            if (t.Limits.Max is uint max && max < t.Limits.Min) throw Err("table", -1, "size minimum must not be greater than maximum");
        if (m.Memories.Count > 1) throw Err("memory", -1, "multiple memories");
        foreach (var l in m.Memories)
        {
            if (l.Min > 65536 || l.Max > 65536) throw Err("memory", -1, "memory size must be at most 65536 pages (4GiB)");
            if (l.Max is uint max && max < l.Min) throw Err("memory", -1, "size minimum must not be greater than maximum");
        }

        // C.refs: functions that ref.func may name in code.
        var declared = new HashSet<uint>();
        foreach (var g in m.Globals)
            if (g.Init.Kind == ConstKind.RefFunc) declared.Add((uint)g.Init.Value);
        foreach (var e in m.Elements)
            foreach (var item in e.Items)
                if (item.Kind == ConstKind.RefFunc) declared.Add((uint)item.Value);
        foreach (var x in m.Exports)
            if (x.Kind == ExternKind.Func) declared.Add(x.Index);

        for (int i = 0; i < m.Globals.Count; i++)
            CheckConst(m, m.Globals[i].Init, m.Globals[i].Type.Type, "global", m.ImportedGlobals + i);

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var x in m.Exports)
        {
            if (!names.Add(x.Name)) throw Err("export", -1, "duplicate export name");
            int count = x.Kind switch
            {
                ExternKind.Func => m.Functions.Count, ExternKind.Table => m.Tables.Count,
                ExternKind.Memory => m.Memories.Count, _ => m.GlobalTypes.Count,
            };
            if (x.Index >= count) throw Err("export", -1, $"unknown {x.Kind.ToString().ToLowerInvariant()}");
        }
        if (m.Start is uint start)
        {
            if (start >= m.Functions.Count) throw Err("start", -1, "unknown function");
            var st = m.FunctionType((int)start);
            if (st.Params.Length != 0 || st.Results.Length != 0) throw Err("start", -1, "start function");
        }
        foreach (var e in m.Elements)
        {
            if (e.Mode == SegmentMode.Active)
            {
                if (e.Table >= m.Tables.Count) throw Err("element", e.Offset.Offset, "unknown table");
                CheckConst(m, e.Offset, ValType.I32, "element", int.MaxValue);
                if (m.Tables[(int)e.Table].Element != e.Type) throw Err("element", e.Offset.Offset, "type mismatch");
            }
            foreach (var item in e.Items) CheckConst(m, item, e.Type, "element", int.MaxValue);
        }
        foreach (var d in m.Data)
        {
            if (d.Mode == SegmentMode.Active)
            {
                if (d.Memory >= m.Memories.Count) throw Err("data", d.Offset.Offset, "unknown memory");
                CheckConst(m, d.Offset, ValType.I32, "data", int.MaxValue);
            }
        }
        ValidateBodies(m, declared, threads);
    }

    [ThreadStatic] private static FunctionValidator? t_validator;

    /// <summary>The function bodies, on up to <paramref name="threads"/> threads (one validator per thread, reused).</summary>
    private static void ValidateBodies(WasmModule m, HashSet<uint> declared, int threads)
    {
        if (m.Bodies.Count == 0) return;
        var starts = BodyBatches.Split(m);
        BodyBatches.Run(starts, threads, batch =>
        {
            var v = t_validator ??= new FunctionValidator();
            for (int i = starts[batch]; i < starts[batch + 1]; i++)
            {
                try { v.Run(m, i, declared); }
                catch (WasmException e) { throw new BodyFailure(i, e); }
            }
        });
    }

    private static void CheckConst(WasmModule m, ConstExpr e, ValType expected, string section, int globalLimit)
    {
        ValType actual;
        switch (e.Kind)
        {
            case ConstKind.I32: actual = ValType.I32; break;
            case ConstKind.I64: actual = ValType.I64; break;
            case ConstKind.F32: actual = ValType.F32; break;
            case ConstKind.F64: actual = ValType.F64; break;
            case ConstKind.RefNull: actual = (ValType)e.Value; break;
            case ConstKind.RefFunc:
                if (e.Value >= (ulong)m.Functions.Count) throw new WasmException(WasmErrorKind.Invalid, section, e.Offset, "unknown function");
                actual = ValType.FuncRef;
                break;
            default:
                // global.get: only imported globals (2.0), immutable ones.
                if (e.Value >= (ulong)m.GlobalTypes.Count || (int)e.Value >= Math.Min(globalLimit, m.ImportedGlobals) && e.Value >= (ulong)m.ImportedGlobals)
                    throw new WasmException(WasmErrorKind.Invalid, section, e.Offset, "unknown global");
                var g = m.GlobalTypes[(int)e.Value];
                if (g.Mutable) throw new WasmException(WasmErrorKind.Invalid, section, e.Offset, "constant expression required");
                actual = g.Type;
                break;
        }
        if (actual != expected) throw new WasmException(WasmErrorKind.Invalid, section, e.Offset, "type mismatch");
    }
}
