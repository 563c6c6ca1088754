using System;
using System.Globalization;
using Patchouly.Runtime.Managed;

namespace Patchouly.Runtime;

// A function compiled by the managed engine: no machine code, a delegate (or an interpreter) instead.
public sealed partial class CompiledFunction
{
    private readonly ManagedCode? _managed;

    /// <summary>A function of the managed engine (of <paramref name="module"/> when not null).</summary>
    internal CompiledFunction(ManagedCode code, CompiledModule? module)
    {
        _managed = code;
        _memory = null!;
        _map = null!;
        _image = [];
        Library = code.Program.Library;
        ParameterCount = code.Program.ParameterCount;
        FrameSlots = code.Program.FrameSlots;
        Module = module;
    }

    /// <summary>
    /// The engine the function runs on: <see cref="ExecutionEngine.Native"/> (machine code), or
    /// <see cref="ExecutionEngine.Managed"/> / <see cref="ExecutionEngine.Interpreter"/> (.NET code; then <see cref="Code"/> is
    /// empty and <see cref="Disassemble"/> lists the stencils). See <see cref="EngineReason"/> for why.
    /// </summary>
    public ExecutionEngine Engine => _managed?.Engine ?? ExecutionEngine.Native;

    /// <summary>
    /// Why the function runs on the managed engine: the library has no native code for this platform
    /// (<see cref="Tables.StencilLibrary.NativeUnavailableReason"/>), or the builder asked for it; null for native code.
    /// </summary>
    public string? EngineReason => _managed is null ? null
        : Library.NativeUnavailableReason
          ?? (_managed.WithoutDynamicCode
              ? "The managed engine was selected and this runtime does not support dynamic code, so the program is interpreted."
              : _managed.Engine == ExecutionEngine.Interpreter
                  ? "The interpreter was selected (FunctionBuilder.Engine, JitModule.Engine or PATCHOULY_ENGINE)."
                  : "The managed engine was selected (FunctionBuilder.Engine, JitModule.Engine or PATCHOULY_ENGINE).");

    /// <summary>The managed code, or null for native code.</summary>
    internal ManagedCode? ManagedCode => _managed;

    private nint ManagedEntryPoint
    {
        get
        {
            ObjectDisposedException.ThrowIf(_managed!.Lifetime.IsDisposed, this);
            return _managed.NativeEntry;
        }
    }

    private string ManagedDescription =>
        string.Create(CultureInfo.InvariantCulture, $"{Library.Name} function {Name} ({_managed!.Engine.ToString().ToLowerInvariant()} engine, {_managed.Program.Steps.Length} stencils, {ParameterCount} parameters, {FrameSlots} stack slots)");

    /// <summary>Disposes a managed function (true), or does nothing for native code (false).</summary>
    private bool DisposeManaged()
    {
        _managed?.Lifetime.Dispose();
        return _managed is not null;
    }
}
