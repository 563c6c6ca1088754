using System;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Runtime;
using Patchouly.Samples.Wasm.Validation;

namespace Patchouly.Samples.Wasm.Engines;

/// <summary>A module loaded by an engine, ready to call; disposing it frees its instance (its store: code, memory, tables).</summary>
public interface ILoadedModule : IDisposable
{
    /// <summary>The type of the exported function <paramref name="export"/> (from our decoder).</summary>
    FuncType TypeOf(string export);

    /// <summary>Calls <paramref name="export"/> with the arguments' bits; returns the results' bits or throws <see cref="TrapException"/> (<see cref="ObjectDisposedException"/> once disposed).</summary>
    long[] Invoke(string export, long[] arguments);

    /// <summary>Seconds spent compiling (the engine's own decode, validation and compilation).</summary>
    double CompileSeconds { get; }
}

/// <summary>An execution engine. All engines share our decoder (the exports' types come from it).</summary>
public abstract class Engine
{
    /// <summary>The engine's name on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>Decodes, validates, compiles and instantiates a module without imports.</summary>
    public abstract ILoadedModule Load(byte[] bytes);

    /// <summary>The engine called <paramref name="name"/>: jit, wasmtime or interp (null when unknown).</summary>
    public static Engine? Create(string name) => name switch
    {
        "jit" => new JitEngine(),
        "wasmtime" => new WasmtimeEngine(),
        "interp" => new Interp.InterpEngine(),
        _ => null,
    };

    /// <summary>The type of an exported function of <paramref name="m"/>.</summary>
    internal static FuncType ExportType(WasmModule m, string export)
    {
        foreach (var x in m.Exports)
            if (x.Name == export && x.Kind == ExternKind.Func) return m.FunctionType((int)x.Index);
        throw new System.Collections.Generic.KeyNotFoundException($"no exported function '{export}'");
    }
}

/// <summary>An engine built on our runtime (<see cref="Instance"/>): the JIT and the interpreter.</summary>
public abstract class InstanceEngine : Engine
{
    /// <summary>Compiles an instance's functions (sets their entries).</summary>
    protected abstract object? Compile(Instance instance);

    /// <summary>Instantiates <paramref name="module"/> (decoded and validated) in <paramref name="store"/>, with imports (of that store) from <paramref name="imports"/>.</summary>
    public Instance Instantiate(Store store, WasmModule module, ImportResolver imports) => Instance.Instantiate(store, module, imports, Compile);

    /// <inheritdoc />
    public override ILoadedModule Load(byte[] bytes)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var m = ModuleDecoder.Decode(bytes);
        Validator.Validate(m);
        var store = new Store();
        try
        {
            var inst = Instantiate(store, m, (_, _) => null);
            return new Loaded(store, inst, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>An instance that owns its store.</summary>
    private sealed class Loaded(Store store, Instance instance, double seconds) : ILoadedModule
    {
        public double CompileSeconds => seconds;
        public FuncType TypeOf(string export) => instance.GetFunction(export).Type;
        public long[] Invoke(string export, long[] arguments) => instance.GetFunction(export).Invoke(arguments);
        public void Dispose() => store.Dispose();
    }
}

/// <summary>The Patchouly copy-and-patch JIT; with <paramref name="disassemblable"/>, the code keeps what disassembling it needs (see <see cref="Jit.JitCompiler.Compile(Instance, int, bool)"/>).</summary>
public sealed class JitEngine(bool disassemblable = false) : InstanceEngine
{
    /// <inheritdoc />
    public override string Name => "jit";

    /// <inheritdoc />
    protected override object? Compile(Instance instance) => Jit.JitCompiler.Compile(instance, BodyBatches.Threads, disassemblable);
}
