using System;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;
using Patchouly.Samples.Wasm.Decoding;
using Patchouly.Samples.Wasm.Runtime;

namespace Patchouly.Samples.Wasm.Jit;

/// <summary>
/// The Patchouly engine's compiler. The defined functions of an instance are compiled in batches of consecutive
/// functions (<see cref="BodyBatches"/>) on <see cref="BodyBatches.Threads"/> threads; every batch is one
/// <see cref="JitModule"/> (one executable allocation), emitted and linked by one thread, whose functions are entered
/// through their C-ABI entry shims. Every function's entry is then stored in its <see cref="FuncRef"/>, which is what
/// calls go through, so a call does not depend on which batch its callee is in.
/// </summary>
/// <remarks>
/// Batches also keep what builders hold until linking (code, stencil logs) small and short-lived: one module of
/// thousands of functions kept megabytes alive across many garbage collections. A function's code does not depend on
/// the batch or the thread that compiled it, only its address does. The JIT's batches (<see cref="BatchBytes"/>) are
/// smaller than validation's (<see cref="BodyBatches.BatchBytes"/>), see there.
/// </remarks>
public static unsafe class JitCompiler
{
    /// <summary>
    /// The wasm code size of a batch (one <see cref="JitModule"/>). Every builder of a batch holds its lists (code,
    /// stencil log, blocks, fixups) until the batch is linked, rented from the shared array pool, which keeps 32
    /// arrays of a size per core: with 32 KB batches (about 80 functions of the large benchmark module) the pool could
    /// not take half of them back, so every batch allocated them afresh (6.4 of the 11.8 MB a load allocated, and a
    /// gen-0 collection per load); with 16 KB the builders' storage is reused, also with two threads compiling at
    /// once. The cost: about 4.4 bytes of x86-64 code per wasm byte makes a batch about 70 KB of code, which a
    /// target that protects code pages with <c>mprotect</c> maps in the toolkit's 34-page minimum (136 KB); the
    /// toolkit's code file (Linux x86-64) maps it in pages rounded to an eighth of a power of two (80 KB).
    /// </summary>
    public const int BatchBytes = 16 * 1024;

    /// <summary>Compiles <paramref name="instance"/>'s functions on <see cref="BodyBatches.Threads"/> threads; returns the <see cref="JitCode"/> (null when there are none).</summary>
    public static JitCode? Compile(Instance instance) => Compile(instance, BodyBatches.Threads);

    /// <summary>
    /// Compiles <paramref name="instance"/>'s functions on up to <paramref name="threads"/> threads. Only with
    /// <paramref name="disassemblable"/> can the code be disassembled (<see cref="JitCode.Disassemble"/>): otherwise the
    /// builders' stencil maps go back to the pools as soon as a batch is linked (<see cref="JitModule.KeepStencilMaps"/>),
    /// which the next batch reuses, so a compile allocates little and keeps nothing of its builders.
    /// </summary>
    public static JitCode? Compile(Instance instance, int threads, bool disassemblable = false)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var m = instance.Module;
        if (m.Bodies.Count == 0) return null;
        foreach (var t in m.Types)
            if (t.Params.Length > Exchange.Capacity || t.Results.Length > Exchange.Capacity)
                throw new WasmException(WasmErrorKind.ImplementationLimit, "type", -1, $"more than {Exchange.Capacity} parameters or results");
        var starts = BodyBatches.Split(m, BatchBytes);
        var modules = new CompiledModule[starts.Length - 1];
        // Loaded once here and handed to every worker (the first load of the generated library maps its tables).
        StencilLibrary library = Families.Lib;
        BodyBatches.Run(starts, threads, batch => modules[batch] = CompileBatch(instance, library, starts[batch], starts[batch + 1], disassemblable));
        return new JitCode(modules);
    }

    [ThreadStatic] private static FunctionCompiler? t_compiler;

    /// <summary>Compiles bodies <paramref name="first"/> to <paramref name="end"/> (exclusive) into one module and sets their entries.</summary>
    private static CompiledModule CompileBatch(Instance instance, StencilLibrary library, int first, int end, bool disassemblable)
    {
        var m = instance.Module;
        var module = new JitModule(library) { KeepStencilMaps = disassemblable };
        var builders = new FunctionBuilder[end - first];
        for (int i = first; i < end; i++)
        {
            int index = m.ImportedFunctions + i;
            var builder = builders[i - first] = module.DefineFunction(0, "f" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                var compiler = t_compiler ??= new FunctionCompiler();
                compiler.Start(instance, index, builder);
                compiler.Compile();
            }
            catch (Exception e) when (e is FrameTooLargeException or StencilEmitException)
            {
                // The only ways a valid function gets here: a frame beyond FunctionBuilder.MaxStackSlots (locals plus
                // the operand stack's depth), or code beyond FunctionBuilder's size limit.
                throw new BodyFailure(i, new WasmException(WasmErrorKind.ImplementationLimit, $"code[{i}]", -1, $"function {index} is too large for the JIT: {e.Message}"));
            }
            catch (Exception e)
            {
                throw new BodyFailure(i, e);
            }
        }
        var compiled = module.Compile();
        for (int i = first; i < end; i++)
            instance.Functions[m.ImportedFunctions + i].Ref->Entry = compiled[i - first].EntryPoint;
        return compiled;
    }
}

/// <summary>An instance's JIT code: one <see cref="CompiledModule"/> per batch of functions (see <see cref="JitCompiler"/>); its store disposes it.</summary>
public sealed class JitCode(CompiledModule[] modules) : IDisposable
{
    /// <summary>The modules, in function order.</summary>
    public CompiledModule[] Modules { get; } = modules;

    /// <summary>The disassembly of every function, in function order (only for code compiled disassemblable, see <see cref="JitCompiler.Compile(Instance, int, bool)"/>).</summary>
    public string Disassemble() => string.Concat(Array.ConvertAll(Modules, x => x.Disassemble()));

    /// <summary>Unmaps every module's code.</summary>
    public void Dispose()
    {
        foreach (var m in Modules) m.Dispose();
    }
}
