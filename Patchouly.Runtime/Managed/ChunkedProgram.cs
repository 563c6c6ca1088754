using System;

namespace Patchouly.Runtime.Managed;

/// <summary>One piece of a program compiled to IL: runs from its entry number <c>entry</c> (see <see cref="ChunkedProgram"/>) until control leaves the piece, and returns
/// the step to continue at (<see cref="ChunkedProgram.Returned"/> when a returning stencil ended the function).</summary>
internal unsafe delegate int ChunkMethod(long* state, int entry);

/// <summary>Runs a program compiled to chunks: the state array (registers, stack slots, the result) and the calls from chunk to chunk.</summary>
internal sealed unsafe class ChunkedProgram
{
    /// <summary>What a chunk returns after a returning stencil stored the result.</summary>
    public const int Returned = -1;

    /// <summary>What a chunk returns when asked to start at a step it cannot enter (a bug).</summary>
    public const int BadEntry = -2;

    private readonly ManagedProgram _program;
    private readonly ChunkMethod[] _chunks;
    private readonly int[] _chunkOf;
    private readonly int[] _entryOf;
    private readonly int _stateSize;
    private readonly int _resultIndex;

    /// <summary>A program's chunks.</summary>
    /// <param name="program">The program.</param>
    /// <param name="chunks">Its chunks' methods.</param>
    /// <param name="bounds">Where each chunk starts, then the number of steps.</param>
    /// <param name="entered">Per step, whether it is an entry of its chunk; a chunk numbers its entries in step order.</param>
    public ChunkedProgram(ManagedProgram program, ChunkMethod[] chunks, int[] bounds, bool[] entered)
    {
        _program = program;
        _chunks = chunks;
        _chunkOf = new int[program.Steps.Length];
        for (int c = 0; c + 1 < bounds.Length; c++)
            _chunkOf.AsSpan(bounds[c], bounds[c + 1] - bounds[c]).Fill(c);
        _entryOf = new int[program.Steps.Length];
        for (int c = 0; c + 1 < bounds.Length; c++)
            for (int s = bounds[c], n = 0; s < bounds[c + 1]; s++)
                _entryOf[s] = entered[s] ? n++ : -1;
        _resultIndex = ResultIndex(program);
        _stateSize = _resultIndex + 1 + program.Library.FloatRegisters + program.Library.MoveFloatRegisters;
    }

    /// <summary>The state array: registers, then stack slots, then the result, then the float registers.</summary>
    public static int ResultIndex(ManagedProgram program) => program.Library.Registers + program.Library.MoveRegisters + program.FrameSlots;

    public long Run(long a0, long a1, long a2, long a3, long a4, long a5)
    {
        Span<long> state = _stateSize <= 256 ? stackalloc long[_stateSize] : new long[_stateSize];
        state.Clear();
        ReadOnlySpan<long> arguments = [a0, a1, a2, a3, a4, a5];
        for (int a = 0; a < _program.ParameterCount; a++) state[a] = arguments[a];
        int steps = _program.Steps.Length;
        fixed (long* s = state)
        {
            int step = 0, chunk = 0, entry = 0;
            var chunks = _chunks;
            while (true)
            {
                int next = chunks[chunk](s, entry);
                if (next < 0)
                {
                    if (next == Returned) return s[_resultIndex];
                    throw new InvalidOperationException($"Internal error: chunk {chunk} of function {_program.Name} cannot start at step {step}.");
                }
                if (next >= steps) ManagedCode.ThrowRanOffEnd(_program.Name);
                step = next;
                chunk = _chunkOf[step];
                entry = _entryOf[step];
            }
        }
    }
}
