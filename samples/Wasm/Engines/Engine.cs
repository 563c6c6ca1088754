using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Engines;

/// <summary>An execution engine: instantiates decoded, validated modules and calls their functions.</summary>
public abstract class Engine
{
    /// <summary>The engine's name on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>Instantiates <paramref name="module"/> with imports from <paramref name="imports"/>.</summary>
    public abstract Instance Instantiate(WasmModule module, ImportResolver imports);

    /// <summary>Calls <paramref name="f"/>; returns the results' bits or throws <see cref="TrapException"/>.</summary>
    public virtual long[] Invoke(Function f, long[] arguments) => f.Invoke(arguments);

    /// <summary>The engine called <paramref name="name"/> (jit, interp).</summary>
    public static Engine? Create(string name) => name switch
    {
        "jit" => new JitEngine(),
        _ => null,
    };
}

/// <summary>The Patchouly copy-and-patch JIT.</summary>
public sealed class JitEngine : Engine
{
    /// <inheritdoc />
    public override string Name => "jit";

    /// <inheritdoc />
    public override Instance Instantiate(WasmModule module, ImportResolver imports) =>
        Instance.Instantiate(module, imports, i => Jit.JitCompiler.Compile(i));
}
