using System;
using System.IO;
using System.Linq;
using System.Text;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Build.Tasks.Tests.Elf;
using Patchouly.Build.Tasks.Tests.Pipeline;

namespace Patchouly.Build.Tasks.Tests.Targets;

/// <summary>
/// A small fixed library built for every target, compared with a checked-in listing per target (code, relocations,
/// disassembly): any change in what a target's flags, prelude, reader or relocation mapping produce shows up as a diff.
/// The listings are clang 19.1's output; after an intended change (or with another clang) rewrite them with
/// <c>PATCHOULY_UPDATE_GOLDEN=1 dotnet test tests/Patchouly.Build.Tasks.Tests --filter TargetGoldenTests</c> and review the diff.
/// </summary>
public sealed class TargetGoldenTests
{
    private const string Source = """
        using Patchouly;
        namespace G;
        [StencilLibrary(Registers = 2)]
        public static unsafe partial class Golden
        {
            [Stencil] public static long AddConst(long a, [Hole] long c) => a + c;
            [Stencil] public static long CallHost(long a, [Hole] delegate* unmanaged<long, long> f) => f(a);
            [Stencil] public static Target IfZero(long a, Target zero) => a == 0 ? zero : Target.Next;
            [Stencil] public static long LoadCell([Hole] long* cells) => cells[1];
            [Stencil(ReturnsToCaller = true)] public static long Ret(long value) => value;
            [Stencil] public static Target LoadCold(long i, [Hole] long* cells, [Hole] long n, [Target(Cold = true)] Target outOfRange, out long value)
            {
                value = 0;
                if ((ulong)i >= (ulong)n) return outOfRange;
                value = cells[i];
                return Target.Next;
            }
        }
        """;

    /// <summary>A library with float registers: double/float values in the target's floating-point argument registers.</summary>
    private const string FloatSource = """
        using Patchouly;
        namespace G;
        [StencilLibrary(Registers = 2, FloatRegisters = 2)]
        public static unsafe partial class GoldenFloat
        {
            [Stencil] public static double MulAdd(double a, double b) => a * b + a;
            [Stencil] public static float AddF(float a, float b) => a + b;
            [Stencil] public static long Less(double a, double b) => a < b ? 1 : 0;
            [Stencil] public static double FromLong(long a) => a;
        }
        """;

    public static TheoryData<string> Targets => new(BuildTargets.All.Select(t => t.RuntimeIdentifier));

    [Theory, MemberData(nameof(Targets))]
    public void The_float_register_library_compiles_to_the_checked_in_listing(string rid)
    {
        var target = BuildTargets.All.Single(t => t.RuntimeIdentifier == rid);
        var built = TestStencils.Build(FloatSource, target);
        var text = new StringBuilder();
        text.AppendLine($"{rid}: {target.DescribeRegisters(built.Model.Registers, built.Model.FloatRegisters)}");
        // The register-only variants (no stack slot) of every stencil and float move.
        foreach (var v in built.Extracted.Variants.Where(v => v.Family > 0 && !v.Symbol.Split("__").Skip(1).Any(p => p.Split('_').Contains("s"))))
        {
            var family = built.Model.Families[v.Family];
            text.AppendLine($"{v.Symbol}: {v.Code.Length} bytes{(v.Flags.HasFlag(Patchouly.Runtime.Tables.VariantFlags.EndsWithJump) ? ", trailing jump droppable" : "")}");
            foreach (var line in target.Disassemble(v.Code, v.Relocations, family.Holes.Select(h => h.Name).ToList())) text.AppendLine("    " + line);
        }
        Compare(rid, text.ToString(), "float-" + rid + ".txt");
    }

    [Theory, MemberData(nameof(Targets))]
    public void The_fixed_library_compiles_to_the_checked_in_listing(string rid)
    {
        var target = BuildTargets.All.Single(t => t.RuntimeIdentifier == rid);
        var built = TestStencils.Build(Source, target);
        var text = new StringBuilder();
        text.AppendLine($"{rid} ({target.Triple}, {target.ObjectFormat}): {string.Join(" ", target.ClangFlags("O3").Skip(1))}");
        foreach (var v in built.Extracted.Variants.Where(v => v.Symbol.Contains("AddConst") || v.Symbol.Contains("CallHost") || v.Symbol.Contains("IfZero")
                     || v.Symbol.Contains("LoadCell") || v.Symbol.Contains("LoadCold__r0__r1")
                     || v.Symbol.Contains("Ret") || v.Family == 0))
        {
            var family = built.Model.Families[v.Family];
            text.AppendLine($"{v.Symbol}: {v.Code.Length} bytes{(v.Flags.HasFlag(Patchouly.Runtime.Tables.VariantFlags.EndsWithJump) ? ", trailing jump droppable" : "")}");
            text.AppendLine("  " + Convert.ToHexString(v.Code).ToLowerInvariant());
            foreach (var r in v.Relocations) text.AppendLine($"  @{r.Offset:x}: {r.Kind} {r.Patch} {r.Index} {r.Addend:+0;-0;+0}");
            foreach (var line in target.Disassemble(v.Code, v.Relocations, family.Holes.Select(h => h.Name).ToList())) text.AppendLine("    " + line);
        }
        Compare(rid, text.ToString(), rid + ".txt");
    }

    private static void Compare(string rid, string listing, string file)
    {
        string actual = listing.Replace("\r\n", "\n");
        string path = Path.Combine(ElfTestSupport.ProjectDirectory, "Targets", "Golden", file);
        if (Environment.GetEnvironmentVariable("PATCHOULY_UPDATE_GOLDEN") == "1")
            File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"{path} is missing; write it with PATCHOULY_UPDATE_GOLDEN=1 and review it");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected != actual)
        {
            var e = expected.Split('\n');
            var a = actual.Split('\n');
            int i = 0;
            while (i < Math.Min(e.Length, a.Length) && e[i] == a[i]) i++;
            Assert.Fail($"{rid}: the listing differs from {path} at line {i + 1}:\n  expected: {(i < e.Length ? e[i] : "(end)")}\n  actual:   {(i < a.Length ? a[i] : "(end)")}\n"
                + "If the change is intended (or clang is not 19.1), rewrite the golden files with PATCHOULY_UPDATE_GOLDEN=1 and review the diff.");
        }
    }
}
