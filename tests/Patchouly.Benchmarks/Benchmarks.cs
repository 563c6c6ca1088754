using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using Patchouly.Runtime;

namespace Patchouly.Benchmarks;

/// <summary>
/// Steady-state emitting: one builder, <see cref="FunctionBuilder.Reset"/> between functions, so the pooled buffers
/// are warm. Each result is per emitted stencil (<c>OperationsPerInvoke</c>); Allocated must be 0 B.
/// </summary>
[MemoryDiagnoser]
public class EmitBenchmarks
{
    private const int Units = 100;
    private const int Adds = 1200;

    private FunctionBuilder _builder = null!;
    private BenchStencils.Emitter _emit;

    [GlobalSetup]
    public void Setup()
    {
        _builder = new FunctionBuilder(BenchStencils.Library, 1);
        _emit = new BenchStencils.Emitter(_builder);
        EmitMixed(); // grow the buffers once
    }

    /// <summary>The workload's mix: narrow and wide holes, registers and stack slots, loads, stores, branches, moves, blocks.</summary>
    [Benchmark(Description = "Emit: mixed stencils (ns per stencil)", OperationsPerInvoke = Units * Workload.EmitsPerUnit)]
    public void EmitMixed()
    {
        _builder.Reset();
        var exit = _builder.NewBlock();
        for (int i = 0; i < Units; i++) Workload.EmitUnit(_builder, _emit, exit, i);
    }

    /// <summary>Arithmetic with random register and stack locations: hundreds of different variants, as a real JIT emits.</summary>
    [Benchmark(Description = "Emit: random locations, many variants (ns per stencil)", OperationsPerInvoke = Adds)]
    public void EmitRandomLocations()
    {
        _builder.Reset();
        var triples = _triples;
        for (int i = 0; i < Adds; i++) Workload.EmitRandom(_emit, triples[(_round + i) & (triples.Length - 1)], i);
        _round += Adds;
    }

    private readonly (Location A, Location B, Location C)[] _triples = Workload.RandomTriples(4096, 42);
    private int _round;

    /// <summary>The cheapest case: a register-only stencil with no holes.</summary>
    [Benchmark(Description = "Emit: Add r0, r1 -> r2 (ns per stencil)", OperationsPerInvoke = Adds)]
    public void EmitRegisterAdd()
    {
        _builder.Reset();
        var r0 = Workload.R0; var r1 = Workload.R1; var r2 = Workload.R2;
        for (int i = 0; i < Adds; i++) _emit.Add(r0, r1, r2);
    }
}

/// <summary>
/// <see cref="FunctionBuilder.Compile"/> alone (layout, entry shim, branch and call resolution, <c>mmap</c>, copy,
/// <c>mprotect</c>, the map for disassembly), per KiB of code: each invocation compiles 1 MiB of code in functions of
/// 4 KiB, 64 KiB or 1 MiB, emitted beforehand in the iteration setup. The functions are freed in the cleanup.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(15)]
public class CompileBenchmarks
{
    private const int KiBPerInvoke = 1024;

    private readonly List<FunctionBuilder> _builders = new();
    private readonly List<CompiledFunction> _functions = new();

    private void Prepare(int functionKiB)
    {
        _builders.Clear();
        _builders.AddRange(PrepareFunctions(functionKiB));
    }

    /// <summary>Builders of 1 MiB of code in functions of <paramref name="functionKiB"/> KiB, emitted and ready to compile.</summary>
    public static List<FunctionBuilder> PrepareFunctions(int functionKiB)
    {
        var builders = new List<FunctionBuilder>();
        for (int i = 0; i < KiBPerInvoke / functionKiB; i++)
        {
            var b = new FunctionBuilder(BenchStencils.Library, 1);
            var e = new BenchStencils.Emitter(b);
            var exit = b.NewBlock();
            for (int unit = 0; b.CodeSize < functionKiB * 1024 - 64; unit++) Workload.EmitUnit(b, e, exit, unit);
            e.Return(Workload.R1);
            b.StartBlock(exit);
            e.ReturnConst(-1);
            builders.Add(b);
        }
        return builders;
    }

    [IterationSetup(Target = nameof(Compile4KiBFunctions))]
    public void Setup4() => Prepare(4);

    [IterationSetup(Target = nameof(Compile64KiBFunctions))]
    public void Setup64() => Prepare(64);

    [IterationSetup(Target = nameof(Compile1MiBFunction))]
    public void Setup1024() => Prepare(1024);

    [IterationCleanup]
    public void Cleanup()
    {
        foreach (var f in _functions) f.Dispose();
        _functions.Clear();
    }

    [Benchmark(Description = "Compile: 256 functions of 4 KiB (ns per KiB)", OperationsPerInvoke = KiBPerInvoke)]
    public void Compile4KiBFunctions() => CompileAll();

    [Benchmark(Description = "Compile: 16 functions of 64 KiB (ns per KiB)", OperationsPerInvoke = KiBPerInvoke)]
    public void Compile64KiBFunctions() => CompileAll();

    [Benchmark(Description = "Compile: 1 function of 1 MiB (ns per KiB)", OperationsPerInvoke = KiBPerInvoke)]
    public void Compile1MiBFunction() => CompileAll();

    private void CompileAll()
    {
        foreach (var b in _builders) _functions.Add(b.Compile());
    }
}

/// <summary>
/// <see cref="JitModule.Compile"/> of a module of many small functions (as a Wasm module's): 1,500 functions of 2 KiB,
/// emitted beforehand in the iteration setup, per KiB of code; the module is freed in the cleanup.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(15)]
public class ModuleCompileBenchmarks
{
    /// <summary>Functions per module.</summary>
    public const int Functions = 1500;

    /// <summary>KiB of code per function.</summary>
    public const int FunctionKiB = 2;

    private JitModule _module = null!;
    private CompiledModule? _compiled;

    /// <summary>A module of <see cref="Functions"/> functions of <see cref="FunctionKiB"/> KiB, emitted and ready to compile.</summary>
    public static JitModule PrepareModule()
    {
        var module = new JitModule(BenchStencils.Library);
        for (int i = 0; i < Functions; i++)
        {
            var b = module.DefineFunction(1);
            var e = new BenchStencils.Emitter(b);
            var exit = b.NewBlock();
            for (int unit = 0; b.CodeSize < FunctionKiB * 1024 - 64; unit++) Workload.EmitUnit(b, e, exit, unit);
            e.Return(Workload.R1);
            b.StartBlock(exit);
            e.ReturnConst(-1);
        }
        return module;
    }

    [IterationSetup]
    public void Setup() => _module = PrepareModule();

    [IterationCleanup]
    public void Cleanup()
    {
        _compiled?.Dispose();
        _compiled = null;
    }

    [Benchmark(Description = "JitModule: 1,500 functions of 2 KiB (ns per KiB)", OperationsPerInvoke = Functions * FunctionKiB)]
    public void CompileModule() => _compiled = _module.Compile();
}

/// <summary>A whole 100,000-stencil function from a new builder: emitting, compiling, freeing.</summary>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(10)]
public class LargeFunctionBenchmarks
{
    /// <summary>Stencils per function, counting the final return stencils.</summary>
    public const int Stencils = 100_000;

    [Benchmark(Description = "100,000-stencil function: new builder + emit + compile + free")]
    public nint Function100k()
    {
        var b = new FunctionBuilder(BenchStencils.Library, 1);
        EmitFunction(b);
        using var f = b.Compile();
        // Not f.Code: its first read copies the code into a new managed array (over 1 MB of fresh memory, about as
        // long as emitting), which is reading the code back, not part of making and freeing the function.
        return f.EntryPoint;
    }

    [Benchmark(Description = "100,000-stencil function: emit only (reused builder)")]
    public int Emit100k()
    {
        _reused.Reset();
        EmitFunction(_reused);
        return _reused.CodeSize;
    }

    private readonly FunctionBuilder _reused = new(BenchStencils.Library, 1);

    /// <summary>Emits exactly <see cref="Stencils"/> stencils (units, then adds, then two returns).</summary>
    public static void EmitFunction(FunctionBuilder b)
    {
        var e = new BenchStencils.Emitter(b);
        var exit = b.NewBlock();
        int units = (Stencils - 2) / Workload.EmitsPerUnit;
        for (int i = 0; i < units; i++) Workload.EmitUnit(b, e, exit, i);
        for (int i = units * Workload.EmitsPerUnit; i < Stencils - 2; i++) e.Add(Workload.R1, Workload.R2, Workload.R1);
        e.Return(Workload.R1);
        b.StartBlock(exit);
        e.ReturnConst(-1);
    }
}
