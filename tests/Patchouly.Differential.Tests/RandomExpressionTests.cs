using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Linq;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>
/// Random expression stencils, compiled once per test run into one library (Registers = 2), each checked natively
/// against its managed self on random inputs with edge values, in random register/stack placements, with narrow and
/// wide hole values. Case count: PATCHOULY_DIFF_CASES (default 30,000); seed: PATCHOULY_DIFF_SEED (default fixed).
/// </summary>
public class RandomExpressionTests
{
    private readonly ITestOutputHelper _output;

    public RandomExpressionTests(ITestOutputHelper output) => _output = output;

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : fallback;

    [Fact]
    public void Random_expression_stencils_agree_with_managed_code()
    {
        int seed = EnvInt("PATCHOULY_DIFF_SEED", 20250611);
        int stencils = EnvInt("PATCHOULY_DIFF_STENCILS", 240);
        int cases = EnvInt("PATCHOULY_DIFF_CASES", 30000);
        var clock = Stopwatch.StartNew();
        string source = new RandomStencils(seed).Library(stencils);
        // A stencil whose code needs a constant pool is a build failure (PATCH2004) for a valid stencil: the test fails on it
        // (with the stencils that do), as on any mismatch. The build compiles with -mno-implicit-float, so clang no longer
        // makes vector constants of its own; the translator hides the float constants and bit casts it writes.
        Harness harness;
        try
        {
            harness = Harness.Create([source], functions: Callees.Functions());
        }
        catch (ConstantPoolException e)
        {
            throw new Xunit.Sdk.XunitException($"the build rejected {e.Stencils.Count} stencils for a constant pool: {string.Join(", ", e.Stencils)}\n{e.Message}");
        }
        using var _ = harness;
        _output.WriteLine($"built {harness.Stencils.Count} stencils, {harness.Built.Source.Variants.Count} variants in {clock.ElapsedMilliseconds} ms (clang {harness.Built.ClangMilliseconds} ms); C in {harness.Built.Directory}");
        const int inputsPerFunction = 5;
        int functionsPerStencil = Math.Max(1, (cases + harness.Stencils.Count * inputsPerFunction - 1) / (harness.Stencils.Count * inputsPerFunction));
        clock.Restart();
        // PATCHOULY_DIFF_ONLY: a regular expression selecting stencils by name (to reproduce a failure).
        string? only = Environment.GetEnvironmentVariable("PATCHOULY_DIFF_ONLY");
        var outcome = harness.RunAll(seed, functionsPerStencil, inputsPerFunction,
            only is null ? null : s => System.Text.RegularExpressions.Regex.IsMatch(s.Name, "^(" + only + ")$"));
        _output.WriteLine(outcome.Summary + $" in {clock.ElapsedMilliseconds} ms");
        _output.WriteLine($"{harness.JitDisagreements.Count} cases where the optimizing .NET JIT disagrees with unoptimized C# (not Patchouly's):");
        foreach (var d in harness.JitDisagreements.Distinct().Take(10)) _output.WriteLine("  " + d);
        Assert.True(outcome.MismatchedCases == 0, outcome.Report());
        if (only is null) Assert.True(outcome.Cases >= cases * 9 / 10, outcome.Summary);
    }
}

/// <summary>The callees of the random stencils' function-pointer inputs and holes (<see cref="RandomStencils.FunctionPointers"/>):
/// managed code both sides call through the same address.</summary>
internal static unsafe class Callees
{
    [UnmanagedCallersOnly]
    private static long Fl(long a, long b) => unchecked(a * 31 + (b ^ (b >>> 7)));

    [UnmanagedCallersOnly]
    private static double Fd(double x, int n) => x * 0.5 + n;

    [UnmanagedCallersOnly]
    private static void Fp(long* p, long v) => *p = unchecked(*p * 7 + v);

    public static Dictionary<string, nint> Functions() => new()
    {
        ["fl"] = (nint)(delegate* unmanaged<long, long, long>)&Fl,
        ["fd"] = (nint)(delegate* unmanaged<double, int, double>)&Fd,
        ["fp"] = (nint)(delegate* unmanaged<long*, long, void>)&Fp,
    };
}
