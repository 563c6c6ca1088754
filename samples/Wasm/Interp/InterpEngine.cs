using Patchouly.Samples.Wasm.Engines;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Interp;

/// <summary>
/// The interpreter engine: each defined function's entry is a small native thunk (the <c>HostThunk</c> stencil) that
/// calls its <see cref="InterpretedFunction"/>, so interpreted functions are called exactly like compiled ones.
/// </summary>
public sealed unsafe class InterpEngine : InstanceEngine
{
    /// <inheritdoc />
    public override string Name => "interp";

    /// <inheritdoc />
    protected override object? Compile(Instance instance)
    {
        var m = instance.Module;
        for (int i = m.ImportedFunctions; i < instance.Functions.Length; i++)
            instance.Functions[i].Ref->Entry = WasmRuntime.OperationThunk(new InterpretedFunction(instance, i));
        return null;
    }
}
