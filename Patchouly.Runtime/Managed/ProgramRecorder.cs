using System;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>
/// Records what a builder emits, for the managed engine: each stencil's family, locations, hole values and target
/// blocks, and the blocks' positions. Pooled storage (a reused builder records without allocating). A mutable struct:
/// keep it in a field.
/// </summary>
internal struct ProgramRecorder
{
    private PooledList<ManagedStep> _steps;
    private PooledList<Location> _locations;
    private PooledList<ulong> _holes;
    private PooledList<int> _targets;
    private PooledList<(int Block, int Step)> _blockStarts;

    /// <summary>The number of stencils recorded.</summary>
    public readonly int Count => _steps.Count;

    /// <summary>The family index of the last stencil, or -1.</summary>
    public readonly int LastFamily => _steps.Count == 0 ? -1 : _steps[_steps.Count - 1].Family;

    public void Add(int family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs, ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets)
    {
        int locations = _locations.AddRange(inputs);
        _locations.AddRange(outputs);
        int holeStart = _holes.AddRange(holes);
        int targetStart = _targets.Count;
        foreach (var t in targets) _targets.Add(t.Id);
        _steps.Add(new ManagedStep(family, locations, holeStart, targetStart));
    }

    public void StartBlock(int block) => _blockStarts.Add((block, _steps.Count));

    /// <summary>Per block (of <paramref name="blockCount"/>): the step it starts at (or -1), and the first stencil that
    /// has it as a target (or -1).</summary>
    public readonly (int[] Starts, int[] FirstTargeting) Blocks(int blockCount)
    {
        var starts = new int[blockCount];
        var first = new int[blockCount];
        starts.AsSpan().Fill(-1);
        first.AsSpan().Fill(-1);
        foreach (var (b, step) in _blockStarts.AsSpan())
            if ((uint)b < (uint)blockCount) starts[b] = step;
        var steps = _steps.AsSpan();
        var targets = _targets.AsSpan();
        for (int s = 0; s < steps.Length; s++)
        {
            int end = s + 1 < steps.Length ? steps[s + 1].Targets : targets.Length;
            for (int t = steps[s].Targets; t < end; t++)
                if ((uint)targets[t] < (uint)blockCount && first[targets[t]] < 0) first[targets[t]] = s;
        }
        return (starts, first);
    }

    /// <summary>The family of stencil <paramref name="step"/>.</summary>
    public readonly int FamilyAt(int step) => _steps[step].Family;

    public readonly ManagedProgram ToProgram(StencilLibrary library, string name, int parameterCount, int frameSlots, int blockCount)
    {
        var (starts, _) = Blocks(blockCount);
        return new ManagedProgram(library, name, parameterCount, frameSlots, _steps.ToArray(), _locations.ToArray(),
            _holes.ToArray(), _targets.ToArray(), starts);
    }

    public void Clear()
    {
        _steps.Clear();
        _locations.Clear();
        _holes.Clear();
        _targets.Clear();
        _blockStarts.Clear();
    }

    public void Release()
    {
        _steps.Release();
        _locations.Release();
        _holes.Release();
        _targets.Release();
        _blockStarts.Release();
    }
}
