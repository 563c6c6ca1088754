using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Patchouly.Generators.Tests.Parsing;
using Xunit.Abstractions;

namespace Patchouly.Generators.Tests.Robustness;

/// <summary>
/// The repository's real stencil files, broken at random thousands of times (see <see cref="Mutator"/>), through the
/// generator and the analyzer: nothing throws, and whenever the broken file is still valid C# without PATCH errors,
/// the generated code compiles.
/// </summary>
public class MutationTests(ITestOutputHelper output)
{
    /// <summary>Cases per run (the environment variable PATCHOULY_MUTANTS sets another count, PATCHOULY_MUTANT_OFFSET
    /// another series). Deterministic: case k of seed file i uses seed i * 1_000_000 + offset + k / files.</summary>
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_MUTANTS"), out int n) && n > 0 ? n : 2000;

    private static readonly int Offset = int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_MUTANT_OFFSET"), out int o) ? o : 0;

    /// <summary>Stencils written for this test: helpers, structs, local functions, switch, loops, function pointers.</summary>
    private const string Extra = """
        using System;
        using Patchouly;
        namespace Extra;
        public unsafe struct Pair { public long A; public int B; public Pair* Next; }
        public enum Op : byte { Add, Sub }
        [StencilLibrary(Registers = 3, Optimization = StencilOptimization.Os)]
        public static unsafe partial class ExtraStencils
        {
            private const long K = 7;
            private static long Helper(long a, long b) => a * K + b;
            [Stencil] public static long Add(long a, long b) => a + b;
            [Stencil] public static void Store(long* p, long v, [Hole] int offset) { p[offset] = v; }
            [Stencil] public static long CallHost(long a, [Hole] delegate* unmanaged<long, long> f) => f(a);
            [Stencil] public static Target IfZero(long a, Target zero, Target nonZero) => a == 0 ? zero : nonZero;
            [Stencil] public static Target DivMod(long a, long b, Target fail, out long q, out long r) { q = 0; r = 0; if (b == 0) return fail; q = a / b; r = a % b; return Target.Next; }
            [Stencil(ReturnsToCaller = true)] public static long Ret(long result) => result;
            [Stencil] public static long Walk(Pair* p) { long s = 0; while (p != null) { s += p->A + p->B; p = p->Next; } return s; }
            [Stencil] public static long Apply(long a, [Hole] Op op) { switch (op) { case Op.Add: return Helper(a, 1); default: return Helper(a, -1); } }
            [Stencil] public static double Mix(double a, [Hole] float f, [Hole] bool neg) { double r = a * f; for (int i = 0; i < 3; i++) r += i; return neg ? -r : r; }
            [Stencil] public static ulong Bits(ulong a, [Hole] byte n) => (a << n) | (a >> (64 - n)) ^ (ulong)sizeof(Pair);
        }
        """;

    private static readonly Lazy<IReadOnlyList<(string Name, string Text)>> s_seeds = new(() =>
        new (string Name, string Text)[]
        {
            ("samples/Calc/CalcStencils.cs", RepoFiles.Read("samples/Calc/CalcStencils.cs")),
            ("samples/Bf/BfStencils.cs", RepoFiles.Read("samples/Bf/BfStencils.cs")),
            ("tests/Patchouly.Benchmarks/BenchStencils.cs", RepoFiles.Read("tests/Patchouly.Benchmarks/BenchStencils.cs")),
            ("Extra (MutationTests.cs)", Extra),
        }.SelectMany(f => Split(f.Name, f.Text)).ToList());

    private static IReadOnlyList<(string Name, string Text)> Seeds() => s_seeds.Value;

    /// <summary>Methods per seed: large files are cut into libraries of a few stencils each, keeping every other
    /// member (constants, helpers, nested types), so that each mutant is small and fast to analyse.</summary>
    private const int MethodsPerSeed = 4;

    private static IEnumerable<(string Name, string Text)> Split(string name, string text)
    {
        var root = CSharpSyntaxTree.ParseText(text, RoslynTestHost.ParseOptions).GetRoot();
        var library = root.DescendantNodes().OfType<ClassDeclarationSyntax>().First(c => c.AttributeLists.ToString().Contains("StencilLibrary"));
        var stencils = library.Members.OfType<MethodDeclarationSyntax>().Where(m => m.AttributeLists.ToString().Contains("Stencil")).ToList();
        if (stencils.Count <= MethodsPerSeed)
        {
            yield return (name, text);
            yield break;
        }
        for (int first = 0; first < stencils.Count; first += MethodsPerSeed)
        {
            var keep = stencils.Skip(first).Take(MethodsPerSeed).ToHashSet();
            var members = library.Members.Where(m => m is not MethodDeclarationSyntax method || !stencils.Contains(method) || keep.Contains(method));
            yield return ($"{name} [stencils {first}..{Math.Min(first + MethodsPerSeed, stencils.Count) - 1}]",
                root.ReplaceNode(library, library.WithMembers(SyntaxFactory.List(members))).ToFullString());
        }
    }

    [Fact]
    public void The_seed_files_are_valid_stencils()
    {
        foreach (var (name, text) in Seeds())
        {
            var outcome = RobustnessHarness.Run(text);
            Assert.True(outcome.Crashes.Count == 0 && outcome.Patch.IsEmpty && outcome.UserErrors.IsEmpty && outcome.GeneratedErrors.IsEmpty,
                $"{name}:\n{outcome}");
        }
    }

    /// <summary>Mutants of the stencil sources embedded in the tests (structs, intrinsics, stackalloc, traps… and
    /// many deliberately wrong stencils): one per source and per seed, 1000 in all.</summary>
    [Fact]
    public void Mutants_of_the_embedded_stencil_sources_never_make_the_generator_or_analyzer_throw()
    {
        var sources = RepoFiles.EmbeddedStencilSources();
        int cases = Math.Max(1000, sources.Count);
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        Parallel.For(0, cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, k =>
        {
            var (where, original) = sources[k % sources.Count];
            int seed = 7_000_000 + Offset + k;
            var (text, description) = Mutator.Mutate(original, seed);
            var outcome = RobustnessHarness.Run(text);
            if (outcome.Crashes.Count > 0)
                failures.Add($"{where} seed {seed} ({description}): threw:\n{string.Join("\n", outcome.Crashes)}\n--- mutant ---\n{text}\n---");
            else if (outcome.UserErrors.IsEmpty && outcome.Patch.IsEmpty && !outcome.GeneratedErrors.IsEmpty)
                failures.Add($"{where} seed {seed} ({description}): valid stencils, but the generated code does not compile:\n{string.Join("\n", outcome.GeneratedErrors)}\n--- mutant ---\n{text}\n---");
        });
        output.WriteLine($"{cases} mutants of {sources.Count} embedded sources in {clock.Elapsed.TotalSeconds:0.0} s; {failures.Count} failures");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases} mutants failed:\n\n" + string.Join("\n\n", failures.OrderBy(f => f).Take(10)));
    }

    [Fact]
    public void All_stencil_files_in_one_compilation_with_concurrent_analysis()
    {
        var files = new (string Path, string Text)[]
        {
            ("CalcStencils.cs", RepoFiles.Read("samples/Calc/CalcStencils.cs")),
            ("BfStencils.cs", RepoFiles.Read("samples/Bf/BfStencils.cs")),
            ("BenchStencils.cs", RepoFiles.Read("tests/Patchouly.Benchmarks/BenchStencils.cs")),
            ("Extra.cs", Extra),
            // One broken library among them: reported, and the others are still generated.
            ("Broken.cs", "using Patchouly; namespace Broken; [StencilLibrary] public static partial class B { [Stencil] public static long A(string s) => 1; }"),
        };
        for (int round = 0; round < 3; round++)
        {
            var outcome = RobustnessHarness.Run(RobustnessHarness.Compile(files), concurrentAnalysis: true);
            Assert.Empty(outcome.Crashes);
            Assert.Empty(outcome.UserErrors);
            Assert.Empty(outcome.GeneratedErrors);
            var d = Assert.Single(outcome.Patch);
            Assert.Equal("PATCH0007", d.Id);
            Assert.Equal("Broken.cs", d.Location.SourceTree!.FilePath);
        }
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new Patchouly.Generators.EmitApi.StencilGenerator()).RunGenerators(RobustnessHarness.Compile(files));
        // Two sources per library; the broken library keeps its emit API, without the broken stencil.
        var sources = driver.GetRunResult().Results.Single().GeneratedSources;
        Assert.Equal(10, sources.Length);
        Assert.DoesNotContain("public void A(", sources.Single(s => s.HintName == "Broken.B.Patchouly.g.cs").SourceText.ToString());
        Assert.Contains("public void Add(", sources.Single(s => s.HintName == "Extra.ExtraStencils.Patchouly.g.cs").SourceText.ToString());
    }

    [Fact]
    public void Mutants_never_make_the_generator_or_analyzer_throw()
    {
        var seeds = Seeds();
        var failures = new ConcurrentBag<string>();
        int validMutants = 0, withPatch = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, Cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, k =>
        {
            int file = k % seeds.Count;
            int seed = file * 1_000_000 + Offset + k / seeds.Count;
            var (text, description) = Mutator.Mutate(seeds[file].Text, seed);
            RobustnessOutcome outcome;
            try
            {
                outcome = RobustnessHarness.Run(text);
            }
            catch (Exception e)
            {
                failures.Add($"{seeds[file].Name} seed {seed} ({description}): the harness itself threw {e}");
                return;
            }
            string? problem = null;
            if (outcome.Crashes.Count > 0)
                problem = "threw:\n" + string.Join("\n", outcome.Crashes);
            else if (outcome.UserErrors.IsEmpty && outcome.Patch.IsEmpty && !outcome.GeneratedErrors.IsEmpty)
                problem = "valid stencils, but the generated code does not compile:\n" + string.Join("\n", outcome.GeneratedErrors);
            if (outcome.UserErrors.IsEmpty) System.Threading.Interlocked.Increment(ref validMutants);
            if (!outcome.Patch.IsEmpty) System.Threading.Interlocked.Increment(ref withPatch);
            if (problem is not null)
                failures.Add($"{seeds[file].Name} seed {seed} ({description}): {problem}\n--- mutant ---\n{text}\n---");
        });
        clock.Stop();
        output.WriteLine($"{Cases} mutants of {seeds.Count} files in {clock.Elapsed.TotalSeconds:0.0} s; {validMutants} still valid C#, {withPatch} with PATCH diagnostics; {failures.Count} failures");
        // The mutants must exercise both halves: broken C# and stencils that are still C# but not valid stencils.
        Assert.InRange(validMutants, Cases / 20, Cases - 1);
        Assert.InRange(withPatch, Cases / 50, Cases - 1);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {Cases} mutants failed:\n\n" + string.Join("\n\n", failures.OrderBy(f => f).Take(15)));
    }
}
