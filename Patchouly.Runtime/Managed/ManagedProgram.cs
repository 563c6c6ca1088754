using System;
using System.Globalization;
using System.Text;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>One emitted stencil of a <see cref="ManagedProgram"/>.</summary>
/// <param name="Family">The family's index in the library.</param>
/// <param name="Locations">Where its first location (inputs, then outputs) is in <see cref="ManagedProgram.Locations"/>.</param>
/// <param name="Holes">Where its first hole value is in <see cref="ManagedProgram.Holes"/>.</param>
/// <param name="Targets">Where its first target block is in <see cref="ManagedProgram.Targets"/>.</param>
internal readonly record struct ManagedStep(int Family, int Locations, int Holes, int Targets);

/// <summary>
/// The program a <see cref="FunctionBuilder"/> emitted, as the managed engine runs it: the stencils in emit order with
/// their locations, hole values and target blocks, and where each block starts. Immutable.
/// </summary>
internal sealed class ManagedProgram
{
    public ManagedProgram(StencilLibrary library, string name, int parameterCount, int frameSlots, ManagedStep[] steps,
        Location[] locations, ulong[] holes, int[] targets, int[] blockStarts)
    {
        Library = library;
        Stencils = library.Managed ?? throw new InvalidOperationException($"Stencil library {library.Name} has no managed code.");
        Name = name;
        ParameterCount = parameterCount;
        FrameSlots = frameSlots;
        Steps = steps;
        Locations = locations;
        Holes = holes;
        Targets = targets;
        BlockStarts = blockStarts;
    }

    public StencilLibrary Library { get; }
    public ManagedStencils Stencils { get; }
    public string Name { get; }
    public int ParameterCount { get; }
    public int FrameSlots { get; }
    public ManagedStep[] Steps { get; }
    public Location[] Locations { get; }
    public ulong[] Holes { get; }
    /// <summary>Block ids.</summary>
    public int[] Targets { get; }
    /// <summary>Per block id, the step it starts at (<see cref="Steps"/>.Length: after the last one), or -1 when it was never started.</summary>
    public int[] BlockStarts { get; }

    public StencilFamily FamilyOf(in ManagedStep step) => Library.FamilyArray[step.Family];

    /// <summary>The step a target of <paramref name="step"/> continues at.</summary>
    public int TargetStep(in ManagedStep step, int target) => BlockStarts[Targets[step.Targets + target]];

    /// <summary>A listing: one line per stencil with its locations, holes and targets, and block labels.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append("; ").Append(Library.Name).Append(" function ").Append(Name).Append(" (managed: ")
          .Append(ParameterCount.ToString(CultureInfo.InvariantCulture)).Append(" parameters, ")
          .Append(FrameSlots.ToString(CultureInfo.InvariantCulture)).Append(" stack slots)\n");
        var labels = new System.Collections.Generic.List<int>?[Steps.Length + 1];
        for (int b = 0; b < BlockStarts.Length; b++)
            if (BlockStarts[b] >= 0) (labels[BlockStarts[b]] ??= new()).Add(b);
        for (int i = 0; i <= Steps.Length; i++)
        {
            if (labels[i] is { } here)
                foreach (int b in here) sb.Append('B').Append(b.ToString(CultureInfo.InvariantCulture)).Append(":\n");
            if (i == Steps.Length) break;
            var step = Steps[i];
            var f = FamilyOf(step);
            sb.Append("  ").Append(f.Name).Append(' ')
              .Append(FunctionBuilder.DescribeLocations(Locations.AsSpan(step.Locations, f.Inputs), Locations.AsSpan(step.Locations + f.Inputs, f.Outputs)));
            for (int h = 0; h < f.Holes; h++)
                sb.Append(h == 0 ? " holes " : ", ").Append("0x").Append(Holes[step.Holes + h].ToString("x", CultureInfo.InvariantCulture));
            for (int t = 0; t < f.Targets; t++)
                sb.Append(t == 0 ? " -> " : ", ").Append('B').Append(Targets[step.Targets + t].ToString(CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
