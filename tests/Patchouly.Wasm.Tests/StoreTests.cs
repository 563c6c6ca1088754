using System;
using System.IO;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Interp;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Wasm.Tests;

/// <summary>Runs alone: the leak test reads process-wide counters (the registry, LowMemory, the mappings).</summary>
[CollectionDefinition(nameof(StoreTests), DisableParallelization = true)]
public class StoreCollection;

/// <summary>The lifetime of instances: a <see cref="Store"/> owns them and frees everything when disposed.</summary>
[Collection(nameof(StoreTests))]
public unsafe class StoreTests
{
    /// <summary>A host import, a memory without maximum (a 4 GiB reservation), a table, bulk operations (registered C# operations).</summary>
    private const string BulkWat = """
        (module
          (import "env" "h" (func $h (param i32) (result i32)))
          (memory 1)
          (table 2 funcref)
          (elem (i32.const 0) $run)
          (func $run (export "run") (param i32) (result i32)
            (memory.fill (i32.const 0) (local.get 0) (i32.const 100))
            (memory.copy (i32.const 200) (i32.const 0) (i32.const 100))
            (call $h (i32.add (i32.load8_u (i32.const 250)) (table.size 0)))))
        """;

    private static readonly Lazy<WasmModule> Bulk = new(() => Module(BulkWat));

    private static WasmModule Module(string wat)
    {
        var m = ModuleDecoder.Decode(CachedLocalTests.Assemble(wat));
        Validator.Validate(m);
        return m;
    }

    private static readonly FuncType IntToInt = new([ValType.I32], [ValType.I32]);

    private static Instance LoadBulk(Store store, InstanceEngine engine)
    {
        var h = Function.FromHost(store, IntToInt, (a, r) => r[0] = a[0] * 2);
        return engine.Instantiate(store, Bulk.Value, (module, name) => module == "env" && name == "h" ? h : null);
    }

    /// <summary>The sum of the sizes of the process's mappings (/proc/self/maps), reservations included.</summary>
    private static long MappedBytes()
    {
        long total = 0;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var range = line.AsSpan(0, line.IndexOf(' '));
            int dash = range.IndexOf('-');
            total += Convert.ToInt64(range[(dash + 1)..].ToString(), 16) - Convert.ToInt64(range[..dash].ToString(), 16);
        }
        return total;
    }

    [Fact]
    public void LoadingAndDisposingManyModulesKeepsMemoryAndTheRegistryBounded()
    {
        const int Loads = 200;
        InstanceEngine[] engines = [new JitEngine(), new InterpEngine()];
        void LoadAndDispose(int i)
        {
            using var store = new Store();
            var inst = LoadBulk(store, engines[i % 2]);
            Assert.Equal(2 * (7 + 2), inst.GetFunction("run").Invoke(7)[0]);
            Assert.True(store.OperationCount > 0);
        }
        for (int i = 0; i < 4; i++) LoadAndDispose(i); // warm up: the runtime's own one-time allocations
        long mapped = MappedBytes(), low = LowMemory.MappedBytes, live = LowMemory.LiveBytes;
        int operations = WasmRuntime.OperationCount;
        for (int i = 0; i < Loads; i++) LoadAndDispose(i);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Each load reserved 4 GiB: kept, 200 loads would map 800 GiB more.
        long grown = MappedBytes() - mapped;
        Assert.True(grown < 16L << 30, $"the process mapped {grown >> 20} MiB more after {Loads} loads and disposals");
        Assert.Equal(operations, WasmRuntime.OperationCount);
        Assert.Equal(live, LowMemory.LiveBytes);
        Assert.Equal(low, LowMemory.MappedBytes);
    }

    [Fact]
    public void LowMemoryReusesFreedBlocks()
    {
        var a = LowMemory.Allocate<FuncRef>();
        a->Entry = 123;
        LowMemory.Free(a);
        var b = LowMemory.Allocate<FuncRef>();
        Assert.True(a == b);
        Assert.Equal(0, b->Entry); // zeroed again
        LowMemory.Free(b);
    }

    /// <summary>
    /// A funcref of instance B stored in instance A's table (by B's element segment) is called after B's last C#
    /// reference is gone and collected: the store keeps B's code and its registered operation (table.size) alive.
    /// </summary>
    [Fact]
    public void AFuncrefOfAnUnreferencedInstanceStillWorksInItsStore()
    {
        var a = Module("""
            (module
              (type $t (func (result i32)))
              (table (export "t") 1 funcref)
              (func (export "call0") (result i32) (call_indirect (type $t) (i32.const 0))))
            """);
        var b = Module("""
            (module
              (import "a" "t" (table 1 funcref))
              (elem (i32.const 0) $g)
              (func $g (result i32) (i32.add (table.size 0) (i32.const 41))))
            """);
        foreach (InstanceEngine engine in new InstanceEngine[] { new JitEngine(), new InterpEngine() })
        {
            using var store = new Store();
            var ia = engine.Instantiate(store, a, (_, _) => null);
            WeakReference InstantiateB()
            {
                var ib = engine.Instantiate(store, b, (m, n) => m == "a" ? ia.Exports[n] : null);
                return new WeakReference(ib);
            }
            var weak = InstantiateB();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.True(weak.IsAlive, "the store keeps its instances");
            Assert.Equal(42, ia.GetFunction("call0").Invoke()[0]);
        }
    }

    [Fact]
    public void UseAfterDisposeThrowsObjectDisposed()
    {
        var store = new Store();
        var inst = LoadBulk(store, new JitEngine());
        var run = inst.GetFunction("run");
        Assert.Equal(18, run.Invoke(7)[0]);
        store.Dispose();
        store.Dispose(); // twice is fine
        Assert.True(store.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => run.Invoke(7));
        Assert.Throws<ObjectDisposedException>(() => inst.Memories[0].Pages);
        Assert.Throws<ObjectDisposedException>(() => inst.Tables[0].Length);
        Assert.Throws<ObjectDisposedException>(() => new GlobalCell(store, new GlobalType(ValType.I32, false), 1));
        Assert.Throws<ObjectDisposedException>(() => Function.FromHost(store, IntToInt, (_, _) => { }));
        Assert.Throws<ObjectDisposedException>(() => LoadBulk(store, new JitEngine()));
        // A loaded module owns its store.
        var loaded = new JitEngine().Load(CachedLocalTests.Assemble("""(module (func (export "f") (result i32) (i32.const 5)))"""));
        Assert.Equal(5, loaded.Invoke("f", [])[0]);
        loaded.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loaded.Invoke("f", []));
    }

    [Fact]
    public void AStoreCannotBeDisposedByItsOwnRunningCode()
    {
        using var store = new Store();
        var m = Module("""
            (module (import "env" "h" (func $h (param i32) (result i32)))
              (func (export "run") (param i32) (result i32) (call $h (local.get 0))))
            """);
        var h = Function.FromHost(store, IntToInt, (a, r) => { store.Dispose(); r[0] = a[0]; });
        var inst = new JitEngine().Instantiate(store, m, (_, _) => h);
        var trap = Assert.Throws<TrapException>(() => inst.GetFunction("run").Invoke(1));
        Assert.IsType<InvalidOperationException>(trap.InnerException);
        Assert.False(store.IsDisposed);
    }

    [Fact]
    public void LinkingAcrossStoresIsATypedError()
    {
        using var one = new Store();
        using var two = new Store();
        var h = Function.FromHost(one, IntToInt, (a, r) => r[0] = a[0]);
        Assert.Throws<CrossStoreException>(() => new JitEngine().Instantiate(two, Bulk.Value, (_, _) => h));
        var tableUser = Module("""(module (import "a" "t" (table 1 funcref)))""");
        var table = new Table(one, new TableType(ValType.FuncRef, new Limits(1, null)));
        Assert.Throws<CrossStoreException>(() => new JitEngine().Instantiate(two, tableUser, (_, _) => table));
        // A funcref of one store passed to a function of another (which could store it in a table).
        var setter = Module("""
            (module (table 1 funcref)
              (func (export "set") (param funcref) (table.set 0 (i32.const 0) (local.get 0))))
            """);
        var inTwo = new JitEngine().Instantiate(two, setter, (_, _) => null);
        var e = Assert.Throws<CrossStoreException>(() => inTwo.GetFunction("set").Invoke((long)h.Ref));
        Assert.Contains("another store", e.Message);
        inTwo.GetFunction("set").Invoke(0); // null is of every store
        var own = Function.FromHost(two, IntToInt, (a, r) => r[0] = a[0]);
        inTwo.GetFunction("set").Invoke((long)own.Ref);
        // A host function returning a funcref of another store traps with the typed error inside.
        var getter = Module("""
            (module (import "env" "r" (func $r (result funcref)))
              (func (export "get") (result funcref) (call $r)))
            """);
        var r = Function.FromHost(two, new FuncType([], [ValType.FuncRef]), (_, res) => res[0] = (long)h.Ref);
        var inst = new JitEngine().Instantiate(two, getter, (_, _) => r);
        var trap = Assert.Throws<TrapException>(() => inst.GetFunction("get").Invoke());
        Assert.IsType<CrossStoreException>(trap.InnerException);
    }

    [Fact]
    public void TableAndGlobalSettersCheckTheirArguments()
    {
        using var one = new Store();
        using var two = new Store();
        var mine = Function.FromHost(one, IntToInt, (a, r) => r[0] = a[0]);
        var theirs = Function.FromHost(two, IntToInt, (a, r) => r[0] = a[0]);
        var table = new Table(one, new TableType(ValType.FuncRef, new Limits(2, 4)));

        table.Set(1, (ulong)mine.Ref);
        Assert.Equal((ulong)mine.Ref, table.Get(1));
        Assert.Equal(0UL, table.Get(0));
        Assert.Throws<CrossStoreException>(() => table.Set(0, (ulong)theirs.Ref));
        Assert.Throws<CrossStoreException>(() => table.Set(0, 0x1234));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Set(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Get(2));
        Assert.Throws<CrossStoreException>(() => table.Grow(1, (ulong)theirs.Ref));
        Assert.Equal(2, table.Grow(1, (ulong)mine.Ref));
        Assert.Equal((ulong)mine.Ref, table.Get(2));
        Assert.Equal(0UL, table.Get(0));

        var externs = new Table(one, new TableType(ValType.ExternRef, new Limits(1, 1)));
        externs.Set(0, 0x1234);
        Assert.Equal(0x1234UL, externs.Get(0));

        var counter = new GlobalCell(one, new GlobalType(ValType.I64, true), 1);
        counter.Value = -7;
        Assert.Equal(-7, counter.Value);
        var constant = new GlobalCell(one, new GlobalType(ValType.I32, false), 5);
        Assert.Throws<InvalidOperationException>(() => constant.Value = 6);
        Assert.Equal(5, constant.Value);
        var reference = new GlobalCell(one, new GlobalType(ValType.FuncRef, true), 0);
        reference.Value = (long)mine.Ref;
        Assert.Throws<CrossStoreException>(() => reference.Value = (long)theirs.Ref);
        Assert.Equal((long)mine.Ref, reference.Value);
    }
}
