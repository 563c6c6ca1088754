using System;
using System.Collections.Generic;

namespace Patchouly.Runtime.Managed;

/// <summary>Where a program is cut into chunks (<see cref="Partition"/>) and where each chunk can be entered
/// (<see cref="Entered"/>).</summary>
internal static class ChunkPlan
{
    /// <summary>The stencils one method gets, about (<c>PATCHOULY_MANAGED_CHUNK</c>, else 400; cuts go between a quarter of and
    /// twice this many stencils apart).</summary>
    public static readonly int ChunkSteps = int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_MANAGED_CHUNK"), out int n) && n > 0 ? n : 400;

    /// <summary>
    /// Chunk boundaries: 0, …, the number of steps. Control crossing a cut leaves a chunk (the locations are stored,
    /// the next chunk is called and loads them), so cuts go where the loops are least nested: each cut is made at the
    /// block start, between a quarter of and two chunks from the previous cut, that the fewest loops span,
    /// counting a loop nested d deep as 8^d (a loop is a backward jump's range; a forward jump across counts 1/length).
    /// </summary>
    public static List<int> Partition(ManagedProgram program, bool[] blockStart)
    {
        int count = program.Steps.Length;
        var bounds = new List<int> { 0 };
        if (count <= ChunkSteps)
        {
            bounds.Add(count);
            return bounds;
        }
        var steps = program.Steps;
        var loops = new List<(int From, int To)>();
        var delta = new double[count + 2];
        for (int s = 0; s < count; s++)
        {
            var f = program.FamilyOf(steps[s]);
            for (int t = 0; t < f.Targets; t++)
            {
                int to = program.TargetStep(steps[s], t);
                if (to < 0) continue;
                if (to <= s) loops.Add((to, s));
                else
                {
                    double w = 1.0 / (to - s);
                    delta[s + 1] += w;
                    delta[to + 1] -= w;
                }
            }
        }
        // A loop's depth: how many loops span its first step (itself included).
        var spanning = new int[count + 2];
        foreach (var (lo, hi) in loops)
        {
            spanning[lo]++;
            spanning[hi + 1]--;
        }
        for (int p = 1; p <= count; p++) spanning[p] += spanning[p - 1];
        foreach (var (lo, hi) in loops)
        {
            double w = Math.Pow(8, Math.Min(spanning[lo], 12));
            delta[lo + 1] += w;
            delta[hi + 1] -= w;
        }
        var cost = new double[count + 1];
        double running = 0;
        for (int p = 0; p <= count; p++)
        {
            running += delta[p];
            cost[p] = running;
        }
        int start = 0;
        while (count - start > ChunkSteps)
        {
            int cut = Math.Min(count, start + ChunkSteps);
            double best = double.MaxValue;
            for (int p = Math.Min(count - 1, start + ChunkSteps * 2); p > start + ChunkSteps / 4; p--)
            {
                if (!blockStart[p]) continue;
                if (cost[p] < best * 0.999) (best, cut) = (cost[p], p);
            }
            bounds.Add(cut);
            start = cut;
        }
        bounds.Add(count);
        return bounds;
    }

    /// <summary>The steps a chunk can be entered at: each chunk's first step and the targets of jumps from other chunks.
    /// Only these get an entry in the chunk's entry switch (every entry is an edge into the method's loops, which keeps
    /// RyuJIT from treating them as loops).</summary>
    public static bool[] Entered(ManagedProgram program, List<int> bounds)
    {
        var steps = program.Steps;
        var entered = new bool[steps.Length + 1];
        var chunkOf = new int[steps.Length + 1];
        for (int c = 0; c + 1 < bounds.Count; c++)
        {
            entered[bounds[c]] = true;
            chunkOf.AsSpan(bounds[c], bounds[c + 1] - bounds[c]).Fill(c);
        }
        chunkOf[steps.Length] = -1;
        for (int s = 0; s < steps.Length; s++)
        {
            var f = program.FamilyOf(steps[s]);
            for (int t = 0; t < f.Targets; t++)
            {
                int to = program.TargetStep(steps[s], t);
                if (to >= 0 && chunkOf[to] != chunkOf[s]) entered[to] = true;
            }
        }
        return entered;
    }
}
