using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Every stencil of <see cref="HoleOperationStencils"/> with edge hole values (0, ±1, the 32-bit limits, values at the
/// 64-bit sign-extension boundary, shift counts 0/31/32/63/64/255/256 and negative ones) and edge inputs, through
/// <see cref="FunctionBuilder.Emit(StencilFamily, ReadOnlySpan{Location}, ReadOnlySpan{Location}, ReadOnlySpan{ulong}, ReadOnlySpan{Block})"/>
/// on each target that runs here: the native result must be the C# method's, and on x86-64 the variant (narrow or wide)
/// must be the one the hole's instruction field allows (see <c>X64HoleOperations</c> in the build task).
/// </summary>
public class HoleOperationTests
{
    private static readonly long[] s_int32Holes =
        [0, 1, -1, 2, 5, 31, 32, 33, 63, 64, 127, 128, 255, 256, -128, -129, int.MinValue, int.MaxValue, 1_000_000];

    private static readonly long[] s_int64Holes =
        [0, 1, -1, 3, -1000, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, (long)int.MinValue - 1, uint.MaxValue,
         1L << 32, 0x1234_5678_9ABC, long.MaxValue, long.MinValue];

    private static readonly long[] s_inputs =
        [0, 1, -1, 2, 7, -5, 31, 32, 63, 200, int.MaxValue, int.MinValue, uint.MaxValue, (long)int.MaxValue + 1,
         (long)int.MinValue - 1, 0x1234_5678_9ABC_DEF0, long.MaxValue, long.MinValue];

    private static readonly DifferentialTests.Shape[] s_stencils = typeof(HoleOperationStencils).GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Where(m => m.GetCustomAttribute<StencilAttribute>() is not null && m.Name is not ("Return" or "Const"))
        .OrderBy(m => m.Name, StringComparer.Ordinal).Select(DifferentialTests.Shape.Of).ToArray();

    public static IEnumerable<object?[]> TargetsAndStencils() => RunnableTables.Cross(s_stencils.Select(s => new object?[] { s.Name }));

    private const long FallThrough = 0x0F0F_0F0F_0F0F_0F0F;
    private const long Taken = 0x7A4E;

    [Theory]
    [MemberData(nameof(TargetsAndStencils))]
    public void Native_code_agrees_with_the_csharp_method_for_edge_holes(string target, string name)
    {
        var s = s_stencils.Single(x => x.Name == name);
        var library = RunnableTables.Of(HoleOperationStencils.Library, target);
        var family = library.GetFamily(name);
        var mismatches = new List<string>();
        int n = 0;
        foreach (var holeValues in HoleSets(s))
        {
            ulong[] holes = holeValues.Select((v, i) => EdgeValues.HoleWord(s.Holes[i].ParameterType, EdgeValues.Canonical(s.Holes[i].ParameterType, unchecked((ulong)v)))).ToArray();
            // Alternate register and stack placements (a stack input may become the instruction's memory operand).
            bool stack = n++ % 2 == 1;
            Location input = stack ? Location.Stack(1) : Location.Register(0), output = stack ? Location.Stack(0) : Location.Register(1);
            var builder = new FunctionBuilder(family.Library, 1);
            if (stack) builder.Move(Location.Register(0), input);
            Block taken = builder.NewBlock();
            Location[] outputs = s.Result is null ? [] : [output];
            builder.Emit(family, [input], outputs, holes, s.Targets == 1 ? [taken] : []);
            var emit = new HoleOperationStencils.Emitter(builder);
            if (s.Result is null) emit.Const(FallThrough, output = Location.Register(1));
            emit.Return(output);
            builder.StartBlock(taken);
            emit.Const(Taken, Location.Register(1));
            emit.Return(Location.Register(1));
            using var function = builder.Compile();
            string listing = function.Disassemble();
            if (ExpectedVariant(target, name, holeValues) is { } variant && !listing.Contains($"; {name} [{input}{(s.Result is null ? "" : " -> " + output)}] {variant}"))
                mismatches.Add($"{name} holes [{string.Join(", ", holeValues)}]: expected the {variant} variant:\n{listing}");
            foreach (long a in s_inputs)
            {
                ulong word = EdgeValues.Canonical(s.Inputs[0].ParameterType, unchecked((ulong)a));
                ulong expected = Managed(s, word, holes);
                ulong actual = unchecked((ulong)function.Invoke(unchecked((long)word)));
                if (expected != actual && mismatches.Count < 10)
                    mismatches.Add($"{name}(0x{word:x}; holes [{string.Join(", ", holeValues)}]) in {input} -> {output}: native 0x{actual:x16}, C# 0x{expected:x16}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static IEnumerable<long[]> HoleSets(DifferentialTests.Shape s)
    {
        long[] Values(int i) => s.Holes[i].ParameterType == typeof(long) || s.Holes[i].ParameterType == typeof(ulong) ? s_int64Holes : s_int32Holes;
        if (s.Holes.Length == 1) return Values(0).Select(v => new[] { v });
        // Two holes: every value of the first with a value of the second, and the other way round.
        var first = Values(0);
        var second = Values(1);
        return first.Select((v, i) => new[] { v, second[i % second.Length] })
            .Concat(second.Select((v, i) => new[] { first[(i * 7) % first.Length], v }));
    }

    private static ulong Managed(DifferentialTests.Shape s, ulong input, ulong[] holes)
    {
        var (returned, _) = DifferentialTests.CallCSharp(s, [input], holes);
        if (returned is Target t) return unchecked((ulong)(t.IsNext ? FallThrough : Taken));
        return EdgeValues.Unbox(returned!);
    }

    /// <summary>
    /// The variant x86-64 must pick: on linux-x64 a 64-bit operation's hole is a sign-extended imm32 (narrow for
    /// [-2^31, 2^31)) and a shift count an imm8 (narrow for 0..255); a 32-bit operation's hole is the whole operand
    /// (always narrow). Windows (COFF: no sign-extended or 8-bit relocation) keeps 64-bit operations and shifts in plain C,
    /// whose narrow hole is a zero-extended imm32. No expectation elsewhere or for stencils whose code clang chooses (a
    /// 64-bit addition is clang's lea with a sign-extended field, or an add of a zero-extended mov when the input is in a slot).
    /// </summary>
    private static string? ExpectedVariant(string target, string name, long[] holes)
    {
        bool linux = target == TableTarget.LinuxX64.RuntimeIdentifier, windows = target == TableTarget.WinX64.RuntimeIdentifier;
        if (!linux && !windows) return null;
        static string Of(bool narrow) => narrow ? "narrow" : "wide";
        bool fitsInt32 = holes[0] is >= int.MinValue and <= int.MaxValue;
        bool fitsUInt32 = holes[0] is >= 0 and <= uint.MaxValue;
        bool fitsImm8 = (uint)holes[0] <= 255;
        bool shift = name.StartsWith("Sh", StringComparison.Ordinal) || name.StartsWith("Sar", StringComparison.Ordinal);
        bool is64 = name.EndsWith("64", StringComparison.Ordinal);
        if (name is "AddI64" or "MulAddI64" or "WidenedI64" or "ReassignedI64" or "ShiftThenAddI32" or "SubFromI32") return null;
        if (shift) return Of(windows || fitsImm8);
        if (is64) return Of(linux ? fitsInt32 : fitsUInt32);
        return "narrow";
    }
}
