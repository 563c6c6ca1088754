using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Native vs managed: every stencil of <see cref="DiffStencils"/> is JIT-compiled in every placement of its operands
/// (three registers and stack slots; the output also in a slot an input uses) and run on deterministic edge and random
/// inputs; the C# method itself, run as ordinary .NET code on the same values, gives the expected word. Doubles that
/// are NaN on both sides count as equal; every other result must match bit for bit.
/// </summary>
public unsafe class DifferentialTests
{
    /// <summary>Inputs run per compiled function.</summary>
    private const int InputsPerFunction = 4;

    /// <summary>The corpus must be at least this big (issue 14).</summary>
    private const int MinimumCases = 5000;

    private static readonly Location[] s_registers = [Location.Register(0), Location.Register(1), Location.Register(2)];

    /// <summary>One stencil method and how its parameters map to inputs, holes, targets and outputs.</summary>
    public sealed record Shape(MethodInfo Method, ParameterInfo[] Inputs, ParameterInfo[] Holes, int Targets, Type? Result)
    {
        public string Name => Method.Name;

        public static Shape Of(MethodInfo m)
        {
            var ps = m.GetParameters();
            var inputs = ps.Where(p => !p.IsOut && p.ParameterType != typeof(Target) && p.GetCustomAttribute<HoleAttribute>() is null).ToArray();
            var holes = ps.Where(p => p.GetCustomAttribute<HoleAttribute>() is not null).ToArray();
            int targets = ps.Count(p => p.ParameterType == typeof(Target));
            var outs = ps.Where(p => p.IsOut).ToArray();
            if (outs.Length > 1) throw new NotSupportedException($"{m.Name}: more than one out parameter");
            Type? result = m.ReturnType == typeof(Target) ? outs.FirstOrDefault()?.ParameterType.GetElementType() : m.ReturnType;
            return new Shape(m, inputs, holes, targets, result);
        }
    }

    /// <summary>Every stencil of the corpus except the harness's own Const and Return.</summary>
    public static Shape[] Stencils { get; } = typeof(DiffStencils).GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Where(m => m.GetCustomAttribute<StencilAttribute>() is not null && m.Name is not ("Const" or "Return"))
        .OrderBy(m => m.Name, StringComparer.Ordinal).Select(Shape.Of).ToArray();

    public static TheoryData<string> StencilNames() => new(Stencils.Select(s => s.Name));

    /// <summary>Every stencil with every table target that runs here (<see cref="RunnableTables"/>).</summary>
    public static IEnumerable<object?[]> TargetsAndStencils() => RunnableTables.Cross(Stencils.Select(s => new object?[] { s.Name }));

    /// <summary>Every placement of the inputs (distinct registers, or distinct stack slots) and of the output.</summary>
    public static List<(Location[] Inputs, Location Output)> Placements(int inputs, bool hasOutput)
    {
        var result = new List<(Location[], Location)>();
        var codes = new int[inputs];
        int count = (int)Math.Pow(4, inputs);
        for (int n = 0; n < count; n++)
        {
            int rest = n;
            for (int i = 0; i < inputs; i++) { codes[i] = rest % 4; rest /= 4; }
            var used = codes.Where(c => c < 3).ToArray();
            if (used.Distinct().Count() != used.Length) continue;
            var locations = codes.Select((c, i) => c < 3 ? s_registers[c] : Location.Stack(i)).ToArray();
            if (!hasOutput) { result.Add((locations, default)); continue; }
            foreach (var r in s_registers) result.Add((locations, r));
            // A slot of its own, and (alternately) a slot that an input is read from.
            result.Add((locations, n % 2 == 0 ? Location.Stack(3) : locations.FirstOrDefault(l => l.IsStack, Location.Stack(3))));
        }
        return result;
    }

    /// <summary>How many cases the corpus runs for <paramref name="s"/>.</summary>
    public static int PlannedCases(Shape s) => Placements(s.Inputs.Length, s.Result is not null).Count * InputsPerFunction;

    [Fact]
    public void The_corpus_has_at_least_5000_cases_and_covers_every_kind_of_operand()
    {
        int total = Stencils.Sum(PlannedCases);
        Assert.True(total >= MinimumCases, $"{total} cases");
        Assert.Contains(Stencils, s => s.Inputs.Any(p => p.ParameterType == typeof(double)));
        Assert.Contains(Stencils, s => s.Inputs.Any(p => p.ParameterType == typeof(float)));
        Assert.Contains(Stencils, s => s.Inputs.Any(p => p.ParameterType == typeof(int)));
        Assert.Contains(Stencils, s => s.Holes.Any(p => p.ParameterType == typeof(long)));
        Assert.Contains(Stencils, s => s.Holes.Any(p => p.ParameterType == typeof(double)));
        Assert.Contains(Stencils, s => s.Targets == 2);
        Assert.Contains(Stencils, s => s.Inputs.Length == 3);
        Assert.Equal(Stencils.Length, ((IEnumerable<object[]>)StencilNames()).Count());
        Console.WriteLine($"differential corpus: {Stencils.Length} stencils, {total} cases");
    }

    [Fact]
    public void The_library_is_the_one_built_for_this_process()
    {
        var expected = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? TargetArchitecture.Arm64 : TargetArchitecture.X64;
        Assert.Equal(expected, DiffStencils.Library.Architecture);
    }

    [Theory]
    [MemberData(nameof(TargetsAndStencils))]
    public void Native_code_agrees_with_the_csharp_method(string target, string name)
    {
        var s = Stencils.Single(x => x.Name == name);
        var values = new EdgeValues(0xC0FFEEUL ^ (ulong)name.Aggregate(17L, (h, c) => h * 31 + c));
        var library = RunnableTables.Of(DiffStencils.Library, target);
        Assert.Equal(target, TableTarget.FromTriple(library.Target)!.RuntimeIdentifier);
        var family = library.GetFamily(name);
        long* memory = stackalloc long[32];
        for (int i = 0; i < 32; i++) memory[i] = unchecked((long)values.NextBits());
        int cases = 0;
        var mismatches = new List<string>();
        foreach (var (inputLocations, output) in Placements(s.Inputs.Length, s.Result is not null))
        {
            // A stencil that reads memory gets an index into the buffer (16 words either side of the pointer).
            bool indexes = s.Inputs.Any(p => p.ParameterType.IsPointer);
            var holes = s.Holes.Select(h => indexes ? (uint)(values.Next(32) - 16) : NextHole(values, h.ParameterType)).ToArray();
            using var function = Compile(s, family, inputLocations, output, holes);
            for (int k = 0; k < InputsPerFunction; k++)
            {
                var words = s.Inputs.Select(p => p.ParameterType.IsPointer ? (ulong)(nuint)(memory + 16) : values.NextWord(p.ParameterType)).ToArray();
                ulong expected = Managed(s, words, holes);
                long[] args = words.Select(w => unchecked((long)w)).ToArray();
                ulong actual = unchecked((ulong)(args.Length switch
                {
                    0 => function.Invoke(),
                    1 => function.Invoke(args[0]),
                    2 => function.Invoke(args[0], args[1]),
                    3 => function.Invoke(args[0], args[1], args[2]),
                    _ => throw new NotSupportedException(),
                }));
                cases++;
                if (!Agree(s.Result, expected, actual) && mismatches.Count < 10)
                    mismatches.Add($"{name}({string.Join(", ", words.Select((w, i) => Show(s.Inputs[i].ParameterType, w)))}; holes {string.Join(", ", holes.Select(h => $"0x{h:x}"))}) " +
                                   $"in [{string.Join(", ", inputLocations)}] -> {output}: native 0x{actual:x16}, C# 0x{expected:x16}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.Equal(PlannedCases(s), cases);
    }

    /// <summary>Parameters to home slots 4.., then to their placement (so no parameter register is overwritten too early).</summary>
    private static CompiledFunction Compile(Shape s, StencilFamily family, Location[] inputs, Location output, ulong[] holes)
    {
        var builder = new FunctionBuilder(family.Library, s.Inputs.Length);
        var emit = new DiffStencils.Emitter(builder);
        for (int i = 0; i < inputs.Length; i++) builder.Move(Location.Register(i), Location.Stack(4 + i));
        for (int i = 0; i < inputs.Length; i++) builder.Move(Location.Stack(4 + i), inputs[i]);
        var blocks = Enumerable.Range(0, s.Targets).Select(_ => builder.NewBlock()).ToArray();
        Location[] outputs = s.Result is null ? [] : [output];
        builder.Emit(family, inputs, outputs, holes, blocks);
        if (s.Result is null) emit.Const(FallThrough, Location.Register(0));
        emit.Return(s.Result is null ? Location.Register(0) : output);
        for (int t = 0; t < blocks.Length; t++)
        {
            builder.StartBlock(blocks[t]);
            emit.Const(TargetMarker(t), Location.Register(1));
            emit.Return(Location.Register(1));
        }
        return builder.Compile();
    }

    private const long FallThrough = 0x0F0F_0F0F_0F0F_0F0F;

    private static long TargetMarker(int target) => unchecked((long)0xDEAD_BEEF_0000_0000UL) + target;

    /// <summary>Runs the C# method; the word the native function returns in the same situation.</summary>
    private static ulong Managed(Shape s, ulong[] inputs, ulong[] holes)
    {
        var ps = s.Method.GetParameters();
        var (returned, args) = CallCSharp(s, inputs, holes);
        if (s.Method.ReturnType != typeof(Target)) return EdgeValues.Unbox(returned!);
        var taken = (Target)returned!;
        if (!taken.IsNext) return unchecked((ulong)TargetMarker(taken.Id));
        return s.Result is null ? FallThrough : EdgeValues.Unbox(args[Array.FindIndex(ps, p => p.IsOut)]!);
    }

    /// <summary>
    /// Calls the stencil's C# method with <paramref name="inputs"/> and <paramref name="holes"/> (as words) in parameter
    /// order, targets numbered from 0; returns what it returned and its arguments (the out parameters filled in).
    /// </summary>
    internal static (object? Returned, object?[] Args) CallCSharp(Shape s, ulong[] inputs, ulong[] holes)
    {
        var ps = s.Method.GetParameters();
        var args = new object?[ps.Length];
        int input = 0, hole = 0, target = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            var p = ps[i];
            if (p.IsOut) args[i] = null;
            else if (p.ParameterType == typeof(Target)) args[i] = new Target(target++);
            else if (p.GetCustomAttribute<HoleAttribute>() is not null) args[i] = EdgeValues.Box(p.ParameterType, holes[hole++]);
            else if (p.ParameterType.IsPointer) args[i] = Pointer.Box((void*)(nuint)inputs[input++], p.ParameterType);
            else args[i] = EdgeValues.Box(p.ParameterType, inputs[input++]);
        }
        return (s.Method.Invoke(null, args), args);
    }

    /// <summary>A hole value: narrow (fits 32 bits) or wide, of the hole's type.</summary>
    private static ulong NextHole(EdgeValues values, Type type)
    {
        if (type == typeof(byte)) return (ulong)values.Next(70);
        if (type == typeof(int) && values.Next(3) == 0) return (uint)(values.Next(64) - 32);
        if (type == typeof(long) && values.Next(3) == 0) return unchecked((ulong)(long)(values.Next(2001) - 1000));
        return EdgeValues.HoleWord(type, values.NextWord(type));
    }

    private static bool Agree(Type? type, ulong expected, ulong actual)
    {
        if (expected == actual) return true;
        if (type == typeof(double)) return double.IsNaN(BitConverter.UInt64BitsToDouble(expected)) && double.IsNaN(BitConverter.UInt64BitsToDouble(actual));
        if (type == typeof(float))
            return actual >> 32 == 0 && float.IsNaN(BitConverter.UInt32BitsToSingle((uint)expected)) && float.IsNaN(BitConverter.UInt32BitsToSingle((uint)actual));
        return false;
    }

    private static string Show(Type type, ulong word)
    {
        var sb = new StringBuilder($"0x{word:x}");
        if (type == typeof(double)) sb.Append($"={BitConverter.UInt64BitsToDouble(word):R}");
        else if (type == typeof(float)) sb.Append($"={BitConverter.UInt32BitsToSingle((uint)word):R}");
        return sb.ToString();
    }
}
