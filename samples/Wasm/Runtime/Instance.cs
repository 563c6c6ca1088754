using System;
using System.Collections.Generic;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>Resolves an import to a <see cref="Function"/>, <see cref="Table"/>, <see cref="Memory"/> or <see cref="GlobalCell"/> (null: unknown).</summary>
public delegate object? ImportResolver(string module, string name);

/// <summary>Compiles an instance's defined functions, setting their <see cref="FuncRef.Entry"/> (the JIT, or another engine).</summary>
public delegate object? InstanceCompiler(Instance instance);

/// <summary>
/// An instantiated module: its functions, tables, memories and globals (imports first), exports, and the state of
/// its segments. Instantiation follows the spec: resolve imports, create the module's objects, compile, apply
/// the active element then data segments, run the start function. The instance lives in a <see cref="Store"/>, which
/// owns its objects and code, and imports only objects of that store.
/// </summary>
public sealed unsafe class Instance
{
    private readonly ulong[]?[] _elements;
    private readonly bool[] _dataDropped;

    /// <summary>The module.</summary>
    public WasmModule Module { get; }

    /// <summary>The store that owns the instance's objects and code.</summary>
    public Store Store { get; }

    /// <summary>Every function (imported first).</summary>
    public Function[] Functions { get; }

    /// <summary>Every table.</summary>
    public Table[] Tables { get; }

    /// <summary>Every memory.</summary>
    public Memory[] Memories { get; }

    /// <summary>Every global.</summary>
    public GlobalCell[] Globals { get; }

    /// <summary>Exports by name.</summary>
    public Dictionary<string, object> Exports { get; } = new(StringComparer.Ordinal);

    /// <summary>What the compiler returned (the JIT's <see cref="Jit.JitCode"/>): kept alive with the instance, disposed with the store when disposable.</summary>
    public object? Code { get; private set; }

    /// <summary>Time spent compiling, in seconds.</summary>
    public double CompileSeconds { get; private set; }

    private Instance(Store store, WasmModule m, ImportResolver imports)
    {
        Module = m;
        Store = store;
        Functions = new Function[m.Functions.Count];
        Tables = new Table[m.Tables.Count];
        Memories = new Memory[m.Memories.Count];
        Globals = new GlobalCell[m.GlobalTypes.Count];
        int fi = 0, ti = 0, mi = 0, gi = 0;
        foreach (var imp in m.Imports)
        {
            object? v = imports(imp.Module, imp.Name);
            WasmException Unlinkable(string why) => new(WasmErrorKind.Unlinkable, "import", -1, $"{why}: {imp.Module}.{imp.Name}");
            if (v is null) throw Unlinkable("unknown import");
            var owner = v switch { Function f => f.Store, Table t => t.Store, Memory mem => mem.Store, GlobalCell g => g.Store, _ => store };
            store.CheckSame(owner, $"import {imp.Module}.{imp.Name}");
            switch (imp.Kind)
            {
                case ExternKind.Func:
                    if (v is not Function f || !f.Type.Equals(m.Types[(int)imp.TypeIndex])) throw Unlinkable("incompatible import type");
                    Functions[fi++] = f;
                    break;
                case ExternKind.Table:
                    if (v is not Table t || t.ElementType != imp.Table.Element || t.Length < imp.Table.Limits.Min
                        || imp.Table.Limits.Max is uint tmax && (t.Max is not uint have || have > tmax))
                        throw Unlinkable("incompatible import type");
                    Tables[ti++] = t;
                    break;
                case ExternKind.Memory:
                    if (v is not Memory mem || mem.Pages < imp.Memory.Min
                        || imp.Memory.Max is uint mmax && (!mem.HasMax || mem.MaxPages > mmax))
                        throw Unlinkable("incompatible import type");
                    Memories[mi++] = mem;
                    break;
                default:
                    if (v is not GlobalCell g || g.Type != imp.Global) throw Unlinkable("incompatible import type");
                    Globals[gi++] = g;
                    break;
            }
        }
        store.Add(this);
        for (int i = fi; i < Functions.Length; i++)
            Functions[i] = new Function(store, m.FunctionType(i)) { Instance = this, Index = i };
        for (int i = ti; i < Tables.Length; i++) Tables[i] = new Table(store, m.Tables[i]);
        for (int i = mi; i < Memories.Length; i++) Memories[i] = new Memory(store, m.Memories[i]);
        for (int i = gi; i < Globals.Length; i++)
            Globals[i] = new GlobalCell(store, m.GlobalTypes[i], Eval(m.Globals[i - gi].Init));
        foreach (var x in m.Exports)
        {
            Exports[x.Name] = x.Kind switch
            {
                ExternKind.Func => Functions[x.Index],
                ExternKind.Table => Tables[x.Index],
                ExternKind.Memory => Memories[x.Index],
                _ => Globals[x.Index],
            };
        }
        _elements = new ulong[]?[m.Elements.Count];
        for (int i = 0; i < _elements.Length; i++)
        {
            var seg = m.Elements[i];
            var values = new ulong[seg.Items.Length];
            for (int k = 0; k < values.Length; k++) values[k] = (ulong)Eval(seg.Items[k]);
            _elements[i] = values;
        }
        _dataDropped = new bool[m.Data.Count];
    }

    /// <summary>
    /// Instantiates a validated module in <paramref name="store"/>, compiling it with <paramref name="compiler"/>.
    /// What a failed instantiation created stays in the store until it is disposed (a table it shares may refer to it).
    /// </summary>
    /// <exception cref="CrossStoreException">An import belongs to another store.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public static Instance Instantiate(Store store, WasmModule module, ImportResolver imports, InstanceCompiler compiler)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(imports);
        ArgumentNullException.ThrowIfNull(compiler);
        store.ThrowIfDisposed();
        var inst = new Instance(store, module, imports);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        inst.Code = compiler(inst);
        if (inst.Code is IDisposable code)
        {
            try { store.AddCode(code); }
            catch (ObjectDisposedException)
            {
                code.Dispose();
                throw;
            }
        }
        inst.CompileSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        var m = module;
        for (uint i = 0; i < m.Elements.Count; i++)
        {
            var seg = m.Elements[(int)i];
            if (seg.Mode == SegmentMode.Active)
            {
                var trap = inst.InitTable(i, seg.Table, (uint)inst.Eval(seg.Offset), 0, (uint)seg.Items.Length);
                if (trap != TrapKind.None) throw new WasmException(WasmErrorKind.Uninstantiable, "element", seg.Offset.Offset, TrapException.Describe(trap));
            }
            if (seg.Mode != SegmentMode.Passive) inst.DropElements(i);
        }
        for (uint i = 0; i < m.Data.Count; i++)
        {
            var seg = m.Data[(int)i];
            if (seg.Mode != SegmentMode.Active) continue;
            var trap = inst.InitMemory(i, seg.Memory, (uint)inst.Eval(seg.Offset), 0, (uint)seg.Bytes.Length);
            if (trap != TrapKind.None) throw new WasmException(WasmErrorKind.Uninstantiable, "data", seg.Offset.Offset, TrapException.Describe(trap));
            inst.DropData(i);
        }
        if (m.Start is uint s)
        {
            try { inst.Functions[s].Invoke(); }
            catch (TrapException t) { throw new WasmException(WasmErrorKind.Uninstantiable, "start", -1, t.Message); }
        }
        return inst;
    }

    /// <summary>The value of a constant expression.</summary>
    public long Eval(ConstExpr e) => e.Kind switch
    {
        ConstKind.GlobalGet => Globals[e.Value].Value,
        ConstKind.RefNull => 0,
        ConstKind.RefFunc => (long)Functions[e.Value].Ref,
        _ => (long)e.Value,
    };

    /// <summary>memory.init: copies data segment <paramref name="segment"/> into memory <paramref name="memory"/>.</summary>
    public TrapKind InitMemory(uint segment, uint memory, uint dst, uint src, uint n)
    {
        var bytes = _dataDropped[segment] ? [] : Module.Data[(int)segment].Bytes;
        var mem = Memories[memory];
        if ((ulong)src + n > (ulong)bytes.Length || !mem.InBounds(dst, n)) return TrapKind.MemoryOutOfBounds;
        bytes.AsSpan((int)src, (int)n).CopyTo(mem.Slice(dst, (int)n));
        return TrapKind.None;
    }

    /// <summary>data.drop.</summary>
    public void DropData(uint segment) => _dataDropped[segment] = true;

    /// <summary>table.init: copies element segment <paramref name="segment"/> into table <paramref name="table"/>.</summary>
    public TrapKind InitTable(uint segment, uint table, uint dst, uint src, uint n)
    {
        var values = _elements[segment] ?? [];
        var t = Tables[table];
        if ((ulong)src + n > (ulong)values.Length || (ulong)dst + n > t.Length) return TrapKind.TableOutOfBounds;
        for (uint k = 0; k < n; k++) t[dst + k] = values[src + k];
        return TrapKind.None;
    }

    /// <summary>elem.drop.</summary>
    public void DropElements(uint segment) => _elements[segment] = null;

    /// <summary>The exported function <paramref name="name"/>.</summary>
    public Function GetFunction(string name) =>
        Exports.TryGetValue(name, out var v) && v is Function f ? f : throw new KeyNotFoundException($"no exported function '{name}'");
}
