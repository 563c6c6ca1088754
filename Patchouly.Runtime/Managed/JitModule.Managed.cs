using System;
using Patchouly.Runtime.Managed;

namespace Patchouly.Runtime;

// Modules on the managed engine: each function compiled to .NET code, the slots filled with C-ABI entry points that
// run it, so stencils call module functions through their slots exactly as in native code.
public sealed partial class JitModule
{
    private ExecutionEngine _engine;

    /// <summary>
    /// The engine <see cref="Compile"/> uses for every function of the module (see <see cref="FunctionBuilder.Engine"/>);
    /// set it before defining functions. A library without native code for this platform always runs managed.
    /// </summary>
    /// <exception cref="StencilEmitException">Functions were already defined, or the module was compiled.</exception>
    /// <exception cref="NotSupportedException">A managed engine was asked for, but the library has no managed code.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Not an <see cref="ExecutionEngine"/> value.</exception>
    public ExecutionEngine Engine
    {
        get => _engine;
        set
        {
            ThrowIfCompiled();
            if (value is < ExecutionEngine.Native or > ExecutionEngine.Interpreter)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Not an ExecutionEngine.");
            if (_functions.Count != 0)
                throw new StencilEmitException("Set the module's Engine before defining functions.");
            if (value != ExecutionEngine.Native && !Library.HasManagedCode)
                throw new NotSupportedException($"Stencil library {Library.Name} has no managed code (its tables were not generated from [Stencil] methods), so it runs natively only.");
            _engine = value;
        }
    }

    private void InitializeEngine()
    {
        if (ManagedEngine.DefaultEngine != ExecutionEngine.Native && Library.HasManagedCode) _engine = ManagedEngine.DefaultEngine;
    }

    private bool UsesManagedEngine => _engine != ExecutionEngine.Native || Library.IsManagedOnly;

    private CompiledModule CompileManaged()
    {
        var functions = _functions.ToArray();
        var programs = new ManagedProgram[functions.Length];
        for (int i = 0; i < functions.Length; i++)
        {
            try
            {
                programs[i] = functions[i].PrepareManaged();
            }
            catch (FunctionCompileException e)
            {
                throw new FunctionCompileException($"Function {functions[i].DisplayName} of the module: {e.Message}", e.Block, e.Stencil)
                {
                    Function = functions[i].DisplayName,
                };
            }
        }
        var lifetime = new ManagedLifetime();
        var kind = _engine == ExecutionEngine.Native ? ExecutionEngine.Managed : _engine;
        var code = new ManagedCode[functions.Length];
        for (int i = 0; i < functions.Length; i++) code[i] = ManagedCompiler.Compile(programs[i], kind, lifetime);
        var module = new CompiledModule(Library, code, _slots, lifetime);
        for (int i = 0; i < functions.Length; i++) _slots.Set(i, code[i].NativeEntry);
        lifetime.AddDependent(_slots);
        foreach (var function in functions) function.MarkCompiledManaged();
        _compiled = true;
        ManagedEngine.ReportFallback(Library);
        return module;
    }
}
