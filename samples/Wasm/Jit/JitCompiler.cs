using System;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Jit;

/// <summary>
/// The Patchouly engine's compiler: every defined function of an instance becomes a function of one
/// <see cref="JitModule"/> (one executable allocation), entered through its C-ABI entry shim; the entries are then
/// stored in the functions' <see cref="FuncRef"/>s, which is what calls go through.
/// </summary>
public static unsafe class JitCompiler
{
    /// <summary>Compiles <paramref name="instance"/>'s functions; returns the <see cref="CompiledModule"/> (null when there are none).</summary>
    public static CompiledModule? Compile(Instance instance)
    {
        var m = instance.Module;
        if (m.Bodies.Count == 0) return null;
        foreach (var t in m.Types)
            if (t.Params.Length > Exchange.Capacity || t.Results.Length > Exchange.Capacity)
                throw new WasmException(WasmErrorKind.ImplementationLimit, "type", -1, $"more than {Exchange.Capacity} parameters or results");
        var module = new JitModule(WasmStencils.Library);
        var builders = new FunctionBuilder[m.Bodies.Count];
        for (int i = 0; i < builders.Length; i++)
        {
            int index = m.ImportedFunctions + i;
            builders[i] = module.DefineFunction(0, $"f{index}");
            try
            {
                new FunctionCompiler(instance, index, builders[i]).Compile();
            }
            catch (Exception e) when (e is FrameTooLargeException or StencilEmitException)
            {
                // The only ways a valid function gets here: a frame beyond FunctionBuilder.MaxStackSlots (locals plus
                // the operand stack's depth), or code beyond FunctionBuilder's size limit.
                throw new WasmException(WasmErrorKind.ImplementationLimit, $"code[{i}]", -1, $"function {index} is too large for the JIT: {e.Message}");
            }
        }
        var compiled = module.Compile();
        for (int i = 0; i < builders.Length; i++)
            instance.Functions[m.ImportedFunctions + i].Ref->Entry = compiled.GetFunction(builders[i]).EntryPoint;
        return compiled;
    }
}
