using System;
using System.Collections.Generic;

namespace Patchouly.Samples.Wasm.Decoding;

/// <summary>
/// Decodes the binary format (WebAssembly 2.0 without SIMD) into a <see cref="WasmModule"/>. Function bodies are
/// checked for their framing (size, locals) here; their instructions are decoded by the validator. Any violation is
/// a <see cref="WasmException"/> of kind <see cref="WasmErrorKind.Malformed"/>.
/// </summary>
public static class ModuleDecoder
{
    /// <summary>The most locals a function may declare (an implementation limit).</summary>
    public const int MaxLocals = 50_000;

    private static readonly string[] SectionNames =
        ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"];

    // The order sections must appear in (custom sections excepted): datacount comes between element and code.
    private static int Order(byte id) => id switch { 12 => 10, 10 => 11, 11 => 12, _ => id };

    /// <summary>Decodes <paramref name="bytes"/>.</summary>
    public static WasmModule Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var r = new WasmReader(bytes, 0, bytes.Length);
        var m = new WasmModule { Bytes = bytes };
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0x61 || bytes[2] != 0x73 || bytes[3] != 0x6D)
            throw r.Malformed("magic header not detected");
        r.Position = 4;
        if (bytes.Length < 8) throw r.Malformed("unexpected end");
        if (bytes[4] != 1 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) throw r.Malformed("unknown binary version");
        r.Position = 8;
        int lastOrder = 0;
        int functionCount = -1;
        bool sawCode = false;
        while (!r.AtEnd)
        {
            r.Section = "header";
            byte id = r.Byte();
            if (id > 12) throw new WasmException(WasmErrorKind.Malformed, "header", r.Position - 1, "malformed section id");
            r.Section = SectionNames[id];
            uint size = r.U32();
            if (size > r.End - r.Position) throw r.Malformed("unexpected end of section or function");
            int end = r.Position + (int)size;
            if (id != 0)
            {
                if (Order(id) <= lastOrder) throw r.Malformed("unexpected content after last section");
                lastOrder = Order(id);
            }
            var sr = new WasmReader(bytes, r.Position, end) { Section = SectionNames[id] };
            switch (id)
            {
                case 0: sr.Name(); sr.Position = end; break; // custom: the name must be valid UTF-8; the content is ignored
                case 1: ReadTypes(sr, m); break;
                case 2: ReadImports(sr, m); break;
                case 3:
                {
                    uint n = Count(sr);
                    for (uint i = 0; i < n; i++) m.Functions.Add(sr.U32());
                    functionCount = (int)n;
                    break;
                }
                case 4:
                {
                    uint n = Count(sr);
                    for (uint i = 0; i < n; i++) m.Tables.Add(ReadTableType(sr));
                    break;
                }
                case 5:
                {
                    uint n = Count(sr);
                    for (uint i = 0; i < n; i++) m.Memories.Add(ReadLimits(sr, memory: true));
                    break;
                }
                case 6:
                {
                    uint n = Count(sr);
                    for (uint i = 0; i < n; i++)
                    {
                        var type = ReadGlobalType(sr);
                        m.GlobalTypes.Add(type);
                        m.Globals.Add(new Global(type, ReadConstExpr(sr)));
                    }
                    break;
                }
                case 7:
                {
                    uint n = Count(sr);
                    for (uint i = 0; i < n; i++)
                    {
                        string name = sr.Name();
                        byte kind = sr.Byte();
                        if (kind > 3) throw sr.Malformed("malformed export kind");
                        m.Exports.Add(new Export(name, (ExternKind)kind, sr.U32()));
                    }
                    break;
                }
                case 8: m.Start = sr.U32(); break;
                case 9: ReadElements(sr, m); break;
                case 10:
                    ReadCode(sr, m, functionCount < 0 ? 0 : functionCount);
                    sawCode = true;
                    break;
                case 11: ReadData(sr, m); break;
                case 12: m.DataCount = sr.U32(); break;
            }
            if (sr.Position != end) throw sr.Malformed("section size mismatch");
            r.Position = end;
        }
        r.Section = "code";
        int defined = functionCount < 0 ? 0 : functionCount;
        if (!sawCode && defined != 0) throw r.Malformed("function and code section have inconsistent lengths");
        if (m.DataCount is uint dc && dc != m.Data.Count)
        {
            r.Section = "data";
            throw r.Malformed("data count and data section have inconsistent lengths");
        }
        return m;
    }

    private static uint Count(WasmReader r)
    {
        uint n = r.U32();
        // Every item takes at least one byte: a larger count cannot fit (and must not make us allocate).
        if (n > r.End - r.Position) throw r.Malformed("unexpected end of section or function");
        return n;
    }

    private static void ReadTypes(WasmReader r, WasmModule m)
    {
        uint n = Count(r);
        for (uint i = 0; i < n; i++)
        {
            byte form = r.Byte();
            if (form != 0x60) throw new WasmException(WasmErrorKind.Malformed, r.Section, r.Position - 1, "integer representation too long");
            var ps = new ValType[Count(r)];
            for (int k = 0; k < ps.Length; k++) ps[k] = r.ValType();
            var rs = new ValType[Count(r)];
            for (int k = 0; k < rs.Length; k++) rs[k] = r.ValType();
            m.Types.Add(new FuncType(ps, rs));
        }
    }

    private static void ReadImports(WasmReader r, WasmModule m)
    {
        uint n = Count(r);
        for (uint i = 0; i < n; i++)
        {
            string module = r.Name();
            string name = r.Name();
            byte kind = r.Byte();
            switch (kind)
            {
                case 0:
                {
                    uint type = r.U32();
                    m.Imports.Add(new Import(module, name, ExternKind.Func, type, default, default, default));
                    m.Functions.Add(type);
                    m.ImportedFunctions++;
                    break;
                }
                case 1:
                {
                    var t = ReadTableType(r);
                    m.Imports.Add(new Import(module, name, ExternKind.Table, 0, t, default, default));
                    m.Tables.Add(t);
                    m.ImportedTables++;
                    break;
                }
                case 2:
                {
                    var l = ReadLimits(r, memory: true);
                    m.Imports.Add(new Import(module, name, ExternKind.Memory, 0, default, l, default));
                    m.Memories.Add(l);
                    m.ImportedMemories++;
                    break;
                }
                case 3:
                {
                    var g = ReadGlobalType(r);
                    m.Imports.Add(new Import(module, name, ExternKind.Global, 0, default, default, g));
                    m.GlobalTypes.Add(g);
                    m.ImportedGlobals++;
                    break;
                }
                default: throw r.Malformed("malformed import kind");
            }
        }
    }

    private static TableType ReadTableType(WasmReader r)
    {
        var t = r.RefType();
        return new TableType(t, ReadLimits(r, memory: false));
    }

    private static Limits ReadLimits(WasmReader r, bool memory)
    {
        byte flags = r.Byte();
        if (flags > 1) throw r.Malformed(memory ? "integer too large" : "integer too large");
        uint min = r.U32();
        uint? max = flags == 1 ? r.U32() : null;
        return new Limits(min, max);
    }

    private static GlobalType ReadGlobalType(WasmReader r)
    {
        var t = r.ValType();
        byte mut = r.Byte();
        if (mut > 1) throw r.Malformed("malformed mutability");
        return new GlobalType(t, mut == 1);
    }

    /// <summary>A constant expression: one instruction and <c>end</c> (validated later: a wrong opcode here is reported by validation).</summary>
    internal static ConstExpr ReadConstExpr(WasmReader r)
    {
        int start = r.Position;
        byte op = r.Byte();
        ConstExpr e;
        switch (op)
        {
            case 0x41: e = new ConstExpr(ConstKind.I32, (ulong)(uint)r.S32(), start); break;
            case 0x42: e = new ConstExpr(ConstKind.I64, (ulong)r.S64(), start); break;
            case 0x43: e = new ConstExpr(ConstKind.F32, r.F32Bits(), start); break;
            case 0x44: e = new ConstExpr(ConstKind.F64, r.F64Bits(), start); break;
            case 0x23: e = new ConstExpr(ConstKind.GlobalGet, r.U32(), start); break;
            case 0xD0: e = new ConstExpr(ConstKind.RefNull, (ulong)r.RefType(), start); break;
            case 0xD2: e = new ConstExpr(ConstKind.RefFunc, r.U32(), start); break;
            case 0x0B: throw new WasmException(WasmErrorKind.Invalid, r.Section, start, "type mismatch");
            default:
                // A non-constant instruction: skip well-formed ones is not possible without the full decoder, so
                // report it as the spec does for valid encodings of non-constant instructions.
                throw new WasmException(WasmErrorKind.Invalid, r.Section, start, "constant expression required");
        }
        byte endOp = r.Byte();
        if (endOp != 0x0B)
        {
            if (endOp is 0x41 or 0x42 or 0x43 or 0x44 or 0x23 or 0xD0 or 0xD2 or 0x6A or 0x01 or 0x1A)
                throw new WasmException(WasmErrorKind.Invalid, r.Section, r.Position - 1, "type mismatch");
            throw new WasmException(WasmErrorKind.Invalid, r.Section, r.Position - 1, "constant expression required");
        }
        return e;
    }

    private static void ReadElements(WasmReader r, WasmModule m)
    {
        uint n = Count(r);
        for (uint i = 0; i < n; i++)
        {
            uint flags = r.U32();
            if (flags > 7) throw r.Malformed("malformed elements segment kind");
            bool passiveOrDeclarative = (flags & 1) != 0;
            bool explicitTable = (flags & 2) != 0;
            bool exprs = (flags & 4) != 0;
            var mode = !passiveOrDeclarative ? SegmentMode.Active : explicitTable ? SegmentMode.Declarative : SegmentMode.Passive;
            uint table = 0;
            ConstExpr offset = default;
            if (mode == SegmentMode.Active)
            {
                if (explicitTable) table = r.U32();
                offset = ReadConstExpr(r);
            }
            ValType type = ValType.FuncRef;
            if (passiveOrDeclarative || explicitTable)
            {
                if (exprs) type = r.RefType();
                else if (r.Byte() != 0) throw r.Malformed("malformed element kind");
            }
            var items = new ConstExpr[Count(r)];
            for (int k = 0; k < items.Length; k++)
            {
                if (exprs) items[k] = ReadConstExpr(r);
                else
                {
                    int at = r.Position;
                    items[k] = new ConstExpr(ConstKind.RefFunc, r.U32(), at);
                }
            }
            m.Elements.Add(new ElementSegment(mode, table, offset, type, items));
        }
    }

    private static void ReadData(WasmReader r, WasmModule m)
    {
        uint n = Count(r);
        for (uint i = 0; i < n; i++)
        {
            uint flags = r.U32();
            if (flags > 2) throw r.Malformed("malformed data segment kind");
            uint memory = flags == 2 ? r.U32() : 0;
            var mode = flags == 1 ? SegmentMode.Passive : SegmentMode.Active;
            ConstExpr offset = mode == SegmentMode.Active ? ReadConstExpr(r) : default;
            uint length = r.U32();
            m.Data.Add(new DataSegment(mode, memory, offset, r.Take(length).ToArray()));
        }
    }

    private static void ReadCode(WasmReader r, WasmModule m, int functionCount)
    {
        uint n = r.U32();
        if (n != functionCount) throw r.Malformed("function and code section have inconsistent lengths");
        for (int i = 0; i < n; i++)
        {
            uint size = r.U32();
            if (size > r.End - r.Position) throw r.Malformed("unexpected end of section or function");
            int end = r.Position + (int)size;
            var br = WasmReader.ForBody(r.Bytes, r.Position, end, i);
            // The local declarations are read twice: once for their total (checked before anything is allocated), then into the array.
            int declarations = br.Position;
            uint groups = br.U32();
            long total = 0;
            for (uint g = 0; g < groups; g++)
            {
                total += br.U32();
                if (total > uint.MaxValue) throw br.Malformed("too many locals");
                br.ValType();
            }
            if (total > MaxLocals) throw br.Malformed("too many locals");
            var locals = total == 0 ? [] : new ValType[total];
            int code = br.Position;
            br.Position = declarations;
            br.U32();
            for (int k = 0; k < locals.Length;)
            {
                uint count = br.U32();
                var type = br.ValType();
                locals.AsSpan(k, (int)count).Fill(type);
                k += (int)count;
            }
            br.Position = code;
            if (br.Position >= end) throw br.Malformed("unexpected end of section or function");
            if (r.Bytes[end - 1] != 0x0B) throw new WasmException(WasmErrorKind.Malformed, br.Section, end - 1, "END opcode expected");
            m.Bodies.Add(new FunctionBody { TypeIndex = i < m.Functions.Count - m.ImportedFunctions ? m.Functions[m.ImportedFunctions + i] : 0, Locals = locals, CodeStart = br.Position, CodeEnd = end });
            r.Position = end;
        }
    }
}
