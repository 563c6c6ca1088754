using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

/// <summary>
/// Several JIT-compiled functions that call each other, compiled into one executable allocation. Define each function
/// with <see cref="DefineFunction"/> (a <see cref="FunctionBuilder"/>), emit calls to any function of the module
/// through its slot (<see cref="SlotAddress"/>), and <see cref="Compile"/> them all at once.
/// </summary>
/// <remarks>
/// <para>Calls: every function has a slot in a table of entry addresses owned by the module (ordinary read-write
/// native memory, never executable). The slot's address is known as soon as the function is defined, so a stencil can
/// call a function that is defined or emitted later (forward references, mutual recursion): pass
/// <see cref="SlotAddress"/> as a hole to a stencil like
/// <c>[Stencil] long CallSlot(long a, [Hole] delegate* unmanaged&lt;long, long&gt;* slot) =&gt; (*slot)(a);</c>.
/// <see cref="Compile"/> lays out all functions, then fills each slot with its function's entry shim (a C-ABI
/// function), so the call enters the callee like any C caller would.</para>
/// <para>Lifetime: the <see cref="CompiledModule"/> owns the code and the slot table; both are released when it is
/// disposed (or, if never disposed, when neither it nor any of its functions is reachable). A module is not
/// thread-safe.</para>
/// </remarks>
public sealed partial class JitModule
{
    private readonly List<FunctionBuilder> _functions = new();
    private readonly ReadOnlyCollection<FunctionBuilder> _view;
    private readonly SlotTable _slots = new();
    private bool _compiled;

    /// <summary>Creates an empty module of <paramref name="library"/>'s stencils.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="library"/> is null.</exception>
    /// <exception cref="StencilTablesException">The library's entry shim cannot be used.</exception>
    public JitModule(StencilLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        if (!library.IsManagedOnly && library.Plan.EntryError is not null) throw new StencilTablesException(library.Plan.EntryError);
        Library = library;
        _view = _functions.AsReadOnly();
        InitializeEngine();
    }

    /// <summary>The stencil library every function of the module uses.</summary>
    public StencilLibrary Library { get; }

    /// <summary>The functions defined so far, in definition order (which is also their order in the code).</summary>
    public IReadOnlyList<FunctionBuilder> Functions => _view;

    /// <summary>True once <see cref="Compile"/> has succeeded.</summary>
    public bool IsCompiled => _compiled;

    /// <summary>
    /// Whether the compiled functions keep their stencil maps (which stencil and block is where, in what locations),
    /// which <see cref="CompiledFunction.Disassemble"/> and <see cref="CompiledModule.Disassemble"/> read. True by
    /// default. Set it to false before <see cref="Compile"/> for a module that is compiled for running only: the maps
    /// (the builders' stencil logs and block arrays, a few KB per function) then go back to the shared array pools as
    /// soon as the module is linked and its perf map entries are written (<see cref="PerfMap"/>, which still works),
    /// so the next module's builders reuse them instead of allocating, and nothing of them survives into later
    /// garbage collections. Disassembling such a module throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public bool KeepStencilMaps { get; set; } = true;

    /// <summary>The slot table, which also identifies the module's functions once compiled (<see cref="CompiledModule.GetFunction(FunctionBuilder)"/>).</summary>
    internal SlotTable Slots => _slots;

    /// <summary>Defines a new function of the module and returns its builder.</summary>
    /// <param name="parameterCount">How many arguments the function takes (as for <see cref="FunctionBuilder(StencilLibrary, int)"/>).</param>
    /// <param name="name">The function's name, for disassembly and perf maps; <c>f0</c>, <c>f1</c>, … by default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameterCount"/> is out of range.</exception>
    /// <exception cref="StencilEmitException">The module was compiled.</exception>
    public FunctionBuilder DefineFunction(int parameterCount = 0, string? name = null)
    {
        ThrowIfCompiled();
        int index = _functions.Count;
        var function = new FunctionBuilder(Library, parameterCount, this, index, name ?? "f" + index.ToString(CultureInfo.InvariantCulture));
        function.SetEngine(Engine);
        _slots.Add();
        _functions.Add(function);
        return function;
    }

    /// <summary>
    /// The address of <paramref name="function"/>'s slot: 8 bytes that hold the address of its entry shim once the
    /// module is compiled (0 before). Stable for the module's life.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a function of this module.</exception>
    public nint SlotAddress(FunctionBuilder function)
    {
        CheckOwn(function, nameof(function));
        return _slots.AddressOf(function.ModuleIndex);
    }

    /// <summary>
    /// Compiles every function into one executable allocation (entry shim and body of each, in definition order, then
    /// trampolines shared by all), fills the slots, and returns the module. The builders cannot be used afterwards.
    /// </summary>
    /// <exception cref="FunctionCompileException">The module has no functions, or a function is incomplete (see
    /// <see cref="FunctionBuilder.Compile"/>; <see cref="FunctionCompileException.Function"/> names it). Nothing changes:
    /// fix it and compile again.</exception>
    /// <exception cref="StencilEmitException">The module was already compiled.</exception>
    /// <exception cref="ExecutableMemoryException">Mapping or protecting memory failed.</exception>
    /// <exception cref="ArchitectureMismatchException">The library's code is for another instruction set than the process's.</exception>
    /// <exception cref="TargetMismatchException">The library's code is for another operating system's calling convention.</exception>
    public CompiledModule Compile() => CompileNear(0);

    /// <summary>As <see cref="Compile"/>, asking for the code to be placed near <paramref name="addressHint"/> (for tests).</summary>
    internal CompiledModule CompileNear(nint addressHint)
    {
        ThrowIfCompiled();
        if (_functions.Count == 0)
            throw new FunctionCompileException("The module has no functions: define at least one with DefineFunction before Compile.");
        if (UsesManagedEngine) return CompileManaged();
        Targets.ProcessTarget.EnsureRunnable(Library);
        var functions = _functions.ToArray();
        foreach (var function in functions)
        {
            try
            {
                function.PrepareLink();
            }
            catch (FunctionCompileException e)
            {
                throw new FunctionCompileException($"Function {function.DisplayName} of the module: {e.Message}", e.Block, e.Stencil)
                {
                    Function = function.DisplayName,
                };
            }
        }
        var linked = FunctionLinker.Link(Library, functions, addressHint);
        CompiledModule module;
        try
        {
            linked.Memory.AddDependent(_slots);
            module = new CompiledModule(Library, linked, _slots, functions);
            for (int i = 0; i < functions.Length; i++)
                _slots.Set(i, module[i].EntryPoint);
        }
        catch
        {
            linked.Memory.Dispose();
            throw;
        }
        for (int i = 0; i < functions.Length; i++) functions[i].MarkCompiled(linked.Maps[i]);
        _compiled = true;
        PerfMap.Record(linked, module.FunctionArray);
        if (!KeepStencilMaps)
            foreach (var map in linked.Maps) map.Discard();
        return module;
    }

    /// <summary>Checks that <paramref name="function"/> was defined by this module.</summary>
    internal void CheckOwn(FunctionBuilder function, string argument)
    {
        ArgumentNullException.ThrowIfNull(function, argument);
        if (!ReferenceEquals(function.Module, this))
            throw new ArgumentException(
                function.Module is null
                    ? $"Function {function.DisplayName} is not a function of a module; define it with this module's DefineFunction."
                    : $"Function {function.DisplayName} belongs to another module.",
                argument);
    }

    private void ThrowIfCompiled()
    {
        if (_compiled)
            throw new StencilEmitException("The module was already compiled; define functions in a new JitModule.");
    }
}
