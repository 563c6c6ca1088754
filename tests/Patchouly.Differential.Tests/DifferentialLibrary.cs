using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>A hand-written stencil library checked stencil by stencil (a base for the test classes).</summary>
public abstract class DifferentialLibrary
{
    private readonly ITestOutputHelper _output;

    protected DifferentialLibrary(ITestOutputHelper output) => _output = output;

    /// <summary>The names of the [Stencil] methods of <paramref name="source"/>, for [MemberData].</summary>
    protected static IEnumerable<object[]> StencilNames(string source) =>
        Regex.Matches(source, @"\[Stencil(?:\([^)]*\))?\]\s*public static [^(]*?\s(\w+)\(")
            .Select(m => new object[] { m.Groups[1].Value });

    /// <summary>Runs <paramref name="name"/> on the given input and hole words, in several random placements.</summary>
    internal void CheckCase(Harness harness, string name, ulong[] inputs, ulong[]? holes = null, int placements = 8, int seed = 99)
    {
        var s = harness[name];
        var random = new Random(seed);
        var inputArgs = inputs.Select((w, i) => harness.ArgFor(s.Inputs[i].Name, s.Inputs[i].Type, w, random)).ToArray();
        var holeArgs = (holes ?? []).Select((w, i) => harness.ArgFor(s.Holes[i].Name, s.Holes[i].Type, s.Holes[i].Type.HoleBits(w), random)).ToArray();
        for (int p = 0; p < placements; p++)
        {
            var placement = harness.RandomPlacement(s, random);
            using var function = harness.Compile(s, holeArgs, placement);
            var mismatches = harness.Run(s, inputArgs, holeArgs, placement, function, random.Next());
            Assert.NotNull(mismatches); // C# must not throw on these inputs
            Assert.True(mismatches!.Count == 0, string.Join("\n", mismatches.Select(m => m.Description)));
        }
        _output.WriteLine($"{name}: {placements} placements agree");
    }

    /// <summary>Runs <paramref name="name"/> natively and as managed code in random placements on random inputs.</summary>
    internal void Check(Harness harness, string name, int functions = 10, int inputs = 10, MemoryFill fill = MemoryFill.Random, int seed = 1234)
    {
        harness.Fill = fill;
        var outcome = harness.RunAll(seed ^ name.Aggregate(17, (h, c) => h * 31 + c), functions, inputs, s => s.Name == name);
        _output.WriteLine(outcome.Summary);
        foreach (var d in harness.JitDisagreements.Where(d => d.Contains(" " + name + "(", StringComparison.Ordinal)).Distinct().Take(5))
            _output.WriteLine("(.NET JIT) " + d);
        Assert.Equal(1, outcome.Stencils);
        Assert.True(outcome.MismatchedCases == 0, outcome.Report());
        Assert.True(outcome.Cases > 0, "every case threw in C#: " + outcome.Summary);
    }
}
