using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Managed;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

// The managed engine's side of the builder: recording the emitted program, libraries without native code, and
// compiling to managed code.
public sealed partial class FunctionBuilder
{
    /// <summary>The blob of a library without native code: only the shared "missing" record (and the copy slack).</summary>
    private static readonly byte[] s_managedOnlyBlob = new byte[64];

    private ProgramRecorder _program;
    private bool _recording;
    private ExecutionEngine _engine;

    /// <summary>
    /// The engine <see cref="Compile"/> uses: <see cref="ExecutionEngine.Native"/> (the default: copied and patched
    /// machine code), <see cref="ExecutionEngine.Managed"/> (the same program as .NET code: each stencil is a call of its
    /// C# method, so a debugger steps through the stencils' source) or <see cref="ExecutionEngine.Interpreter"/>. A library
    /// without native code for this platform (<see cref="StencilLibrary.HasNativeCode"/> false) always runs managed.
    /// Set it before emitting; the environment variable <c>PATCHOULY_ENGINE</c> (<c>native</c>, <c>managed</c>,
    /// <c>interpreter</c>) sets the default. A function of a <see cref="JitModule"/> uses the module's engine.
    /// </summary>
    /// <exception cref="StencilEmitException">Stencils were already emitted, the builder was compiled, or it is a function of a module.</exception>
    /// <exception cref="NotSupportedException">A managed engine was asked for, but the library has no managed code (hand-made tables).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Not an <see cref="ExecutionEngine"/> value.</exception>
    public ExecutionEngine Engine
    {
        get => _engine;
        set
        {
            ThrowIfCompiled();
            if (_module is not null)
                throw new StencilEmitException($"Function {DisplayName} belongs to a JitModule; set the module's Engine.");
            SetEngine(value);
        }
    }

    /// <summary>Sets the engine (the module's, for its functions).</summary>
    internal void SetEngine(ExecutionEngine value)
    {
        if (value is < ExecutionEngine.Native or > ExecutionEngine.Interpreter)
            throw new ArgumentOutOfRangeException(nameof(value), value, "Not an ExecutionEngine.");
        if (value == _engine) return;
        if (_log.Count != 0 || _program.Count != 0)
            throw new StencilEmitException($"Set the Engine of function {DisplayName} before emitting stencils.");
        if (value != ExecutionEngine.Native && !_library.HasManagedCode)
            throw new NotSupportedException($"Stencil library {_library.Name} has no managed code (its tables were not generated from [Stencil] methods), so it runs natively only.");
        _engine = value;
        _recording = value != ExecutionEngine.Native || _library.IsManagedOnly;
    }

    /// <summary>Called by the constructor: the default engine.</summary>
    private void InitializeEngine()
    {
        _recording = _library.IsManagedOnly;
        var engine = ManagedEngine.DefaultEngine;
        if (engine != ExecutionEngine.Native && _library.HasManagedCode) SetEngine(engine);
    }

    private bool _compileNative;

    /// <summary>True when <see cref="Compile"/> runs the managed engine.</summary>
    internal bool UsesManagedEngine => !_compileNative && (_engine != ExecutionEngine.Native || _library.IsManagedOnly);

    /// <summary>Compiles to native code whatever the engine (the oracle's other side).</summary>
    internal CompiledFunction CompileNative()
    {
        _compileNative = true;
        try
        {
            return Compile();
        }
        finally
        {
            _compileNative = false;
        }
    }

    /// <summary>The engine the managed compile uses.</summary>
    internal ExecutionEngine ManagedKind => _engine == ExecutionEngine.Native ? ExecutionEngine.Managed : _engine;

    /// <summary>Records a committed stencil (the builder records only for the managed engine).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Record(int family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs, ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets) =>
        _program.Add(family, inputs, outputs, holes, targets);

    /// <summary>Records where a block starts.</summary>
    private void RecordBlockStart(int block) => _program.StartBlock(block);

    /// <summary>
    /// The emit of a library without native code, at the end of the slow path (everything about the call has been
    /// checked; no variant exists): records the stencil.
    /// </summary>
    private void EmitManagedOnly(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets, int maxSlot)
    {
        _program.Add(family.Index, inputs, outputs, holes, targets);
        if (maxSlot >= _frameSlots) _frameSlots = maxSlot + 1;
    }

    /// <summary>The recorded program, checked as <see cref="Compile"/> checks a native one (same exceptions and messages).</summary>
    internal ManagedProgram PrepareManaged()
    {
        if (_library.IsManagedOnly) CheckCompleteManagedOnly();
        else
        {
            CheckComplete();
            FunctionLinker.CheckFrameSize(_library, _frameSlots);
        }
        return _program.ToProgram(_library, DisplayName, _parameterCount, _frameSlots, _blocks.Count);
    }

    /// <summary>Compiles the recorded program with the managed engine.</summary>
    private CompiledFunction CompileManaged()
    {
        var program = PrepareManaged();
        var code = ManagedCompiler.Compile(program, ManagedKind);
        var function = new CompiledFunction(code, null);
        MarkCompiledManaged();
        ManagedEngine.ReportFallback(_library);
        return function;
    }

    /// <summary>Marks the builder compiled by the managed engine (no map takes the log) and returns its storage to the pool.</summary>
    internal void MarkCompiledManaged()
    {
        _compiled = true;
        ReleaseStorage();
    }

    /// <summary>
    /// <see cref="CheckComplete"/> for a library without native code, which has no code to look at: a stencil that
    /// always continues (one that does not return a <see cref="Patchouly.Target"/>) cannot end the function.
    /// </summary>
    private void CheckCompleteManagedOnly()
    {
        if (_program.Count == 0)
            throw new FunctionCompileException("The function has no code: emit at least a returning stencil before Compile.");
        var managed = _library.Managed!;
        int lastFamily = _program.LastFamily;
        var last = _library.FamilyArray[lastFamily];
        bool fallsThrough = last.Kind == StencilFamilyKind.Move
            || (last.Kind == StencilFamilyKind.Normal && !managed.ReturnsTarget(lastFamily));
        if (fallsThrough)
            throw new FunctionCompileException(
                $"Control runs off the end of the function after stencil {last.Name}: the last stencil continues to the next code, but there is none (end with a returning stencil or a jump).",
                null, last.Name);
        var (starts, firstTargeting) = _program.Blocks(_blocks.Count);
        for (int b = 0; b < _blocks.Count; b++)
        {
            int start = starts[b];
            int by = firstTargeting[b];
            if (by < 0) continue;
            string stencil = _library.FamilyArray[_program.FamilyAt(by)].Name;
            if (start == _program.Count)
                throw new FunctionCompileException(
                    $"Block B{b} is started at the very end of the function with no code after it, but stencil {stencil} jumps to it; control would run off the end.",
                    new Block(_id, b), stencil);
        }
        for (int b = 0; b < _blocks.Count; b++)
        {
            int by = firstTargeting[b];
            if (by >= 0 && !_blocks[b].Started)
            {
                string stencil = _library.FamilyArray[_program.FamilyAt(by)].Name;
                throw new FunctionCompileException(
                    $"Block B{b} is jumped to by stencil {stencil} (stencil {by.ToString(CultureInfo.InvariantCulture)} of the function) but was never started.",
                    new Block(_id, b), stencil);
            }
        }
    }

    /// <summary>The listing of a function of a library without native code (it has no machine code to disassemble).</summary>
    private string DisassembleManaged()
    {
        ThrowIfCompiled();
        return PrepareManaged().Describe();
    }
}
