using System;
using System.Reflection.Emit;
using System.Threading;
using System.Threading.Tasks;

namespace Patchouly.Runtime.Managed;

/// <summary>
/// Compiles a <see cref="ManagedProgram"/> to <see cref="DynamicMethod"/>s. A stencil whose C# method is small and
/// loop-free (<see cref="StencilBody"/>) becomes a copy of the method's IL: inputs read from their locations' locals,
/// holes as constants, <c>return target;</c> a branch to the target's block (a conditional branch to one goes there
/// directly, and the branch to the next stencil is left out). Other stencils become a call of the method (inputs loaded
/// and converted, holes as constants, target <c>t</c> as <c>new Target(t)</c>, outputs converted and stored back), a
/// returned <see cref="Target"/> a <c>switch</c> to the blocks' labels. A returning stencil becomes a return.
/// </summary>
/// <remarks>
/// Copying instead of calling is what makes the engine compile fast: RyuJIT's inliner, once per stencil, was most of
/// the compile time, and a call's returned target needed a <c>switch</c> RyuJIT did not fold. RyuJIT compiles a method
/// with minimal optimisation (values in memory) once it has more than about 2,000 basic blocks or 8,000 local
/// references, so a program is cut into chunks of about <see cref="ChunkPlan.ChunkSteps"/> stencils (400, at most twice that; the
/// environment variable <c>PATCHOULY_MANAGED_CHUNK</c> overrides it) where the fewest loops are cut. Each chunk is a
/// method over a state array (every register location and stack slot): it loads the locations it uses into locals,
/// runs, stores them back when control leaves it and returns the step to continue at; <see cref="ChunkedProgram"/>
/// calls the chunks in turn. Control inside a chunk (the hot loops, usually) uses locals only. The chunks are compiled
/// on up to <see cref="CompileThreads"/> threads, each generated and then called once dry, so that RyuJIT has compiled
/// all of them when <see cref="Compile"/> returns.
/// </remarks>
internal static class IlCompiler
{
    /// <summary>How many threads compile a program's chunks (<c>PATCHOULY_MANAGED_THREADS</c>, else the processor
    /// count, at most 4).</summary>
    public static readonly int CompileThreads = int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_MANAGED_THREADS"), out int t) && t > 0
        ? t : Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Compiles <paramref name="program"/>'s chunks and returns the entry that runs it.</summary>
    public static unsafe ManagedEntry Compile(ManagedProgram program)
    {
        var methods = program.Stencils.MethodsFor(program.Library);
        var blockStart = new bool[program.Steps.Length + 1];
        foreach (int s in program.BlockStarts)
            if (s >= 0) blockStart[s] = true;
        var bounds = ChunkPlan.Partition(program, blockStart);
        var entered = ChunkPlan.Entered(program, bounds);
        var chunks = new ChunkMethod[bounds.Count - 1];
        // The chunks are independent methods: the calling thread and up to CompileThreads - 1 pool threads take them in
        // turn. Each is generated and then called dry (it returns at once), so RyuJIT has compiled every chunk when this
        // returns.
        int taken = -1;
        void Work()
        {
            int c;
            while ((c = Interlocked.Increment(ref taken)) < chunks.Length)
            {
                var chunk = ChunkEmitter.Emit(program, methods, blockStart, entered, c, bounds[c], bounds[c + 1]);
                chunk(null, int.MinValue);
                chunks[c] = chunk;
            }
        }
        int helpers = Math.Min(CompileThreads, chunks.Length) - 1;
        var tasks = helpers > 0 ? new Task[helpers] : [];
        for (int h = 0; h < helpers; h++) tasks[h] = Task.Run(Work);
        Work();
        foreach (var t in tasks) t.GetAwaiter().GetResult(); // waits for the chunks still being compiled; rethrows a failure
        return new ChunkedProgram(program, chunks, bounds.ToArray(), entered).Run;
    }
}
