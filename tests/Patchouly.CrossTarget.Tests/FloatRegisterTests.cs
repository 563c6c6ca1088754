using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Float registers (<see cref="FloatRegisterStencils"/>, <c>FloatRegisters = 3</c>): every stencil JIT-compiled in every
/// placement of its values (float-class values in float registers f0..f2 or slots, integer values in r0..r2 or slots)
/// and run on edge and random inputs natively (x86-64 here, AArch64 under qemu, win-x64 under wine) and on the managed
/// engines, against its C# method. A <c>float</c> result read out of a float register counts by its low 32 bits
/// (the bits above are unspecified); NaNs agree with NaNs.
/// </summary>
public class FloatRegisterTests
{
    private const int InputsPerFunction = 3;
    private const long FallThrough = 0x0F0F_0F0F_0F0F_0F0F;
    private const long TargetMarker = unchecked((long)0xDEAD_BEEF_0000_0000UL);

    private static readonly string[] s_plumbing = ["Const", "ConstDouble", "Return", "ReturnDoubleBits"];

    public static DifferentialTests.Shape[] Stencils { get; } = typeof(FloatRegisterStencils).GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Where(m => m.GetCustomAttribute<StencilAttribute>() is not null && !s_plumbing.Contains(m.Name))
        .OrderBy(m => m.Name, StringComparer.Ordinal).Select(OfMethod).ToArray();

    public static IEnumerable<object?[]> TargetsAndStencils() => RunnableTables.Cross(Stencils.Select(s => new object?[] { s.Name }));

    public static IEnumerable<object?[]> EnginesAndStencils() =>
        new[] { ExecutionEngine.Managed, ExecutionEngine.Interpreter }.SelectMany(e => Stencils.Select(s => new object?[] { e, s.Name }));

    private static bool IsFloat(Type t) => t == typeof(double) || t == typeof(float);

    /// <summary>The shape of a stencil (any number of out parameters: <see cref="DifferentialTests.Shape"/> takes at most one).</summary>
    private static DifferentialTests.Shape OfMethod(MethodInfo m)
    {
        var ps = m.GetParameters();
        var inputs = ps.Where(p => !p.IsOut && p.ParameterType != typeof(Target) && p.GetCustomAttribute<HoleAttribute>() is null).ToArray();
        var holes = ps.Where(p => p.GetCustomAttribute<HoleAttribute>() is not null).ToArray();
        return new DifferentialTests.Shape(m, inputs, holes, ps.Count(p => p.ParameterType == typeof(Target)), m.ReturnType == typeof(void) ? null : m.ReturnType);
    }

    /// <summary>The output types: the return value (unless void or a Target), then the out parameters.</summary>
    private static Type[] Outputs(DifferentialTests.Shape s) =>
        (s.Method.ReturnType == typeof(void) || s.Method.ReturnType == typeof(Target) ? [] : new[] { s.Method.ReturnType })
        .Concat(s.Method.GetParameters().Where(p => p.IsOut).Select(p => p.ParameterType.GetElementType()!)).ToArray();

    private static Location At(Type type, int code, int slot) =>
        code == 3 ? Location.Stack(slot) : IsFloat(type) ? Location.FloatRegister(code) : Location.Register(code);

    /// <summary>Every placement of the inputs (distinct locations) and of the outputs (distinct from each other).</summary>
    public static List<(Location[] Inputs, Location[] Outputs)> Placements(Type[] inputs, Type[] outputs)
    {
        var result = new List<(Location[], Location[])>();
        int inCount = (int)Math.Pow(4, inputs.Length), outCount = (int)Math.Pow(4, outputs.Length);
        for (int n = 0; n < inCount; n++)
        {
            var ins = new Location[inputs.Length];
            for (int i = 0, rest = n; i < inputs.Length; i++, rest /= 4) ins[i] = At(inputs[i], rest % 4, i);
            if (ins.Distinct().Count() != ins.Length) continue;
            for (int m = 0; m < outCount; m++)
            {
                var outs = new Location[outputs.Length];
                for (int o = 0, rest = m; o < outputs.Length; o++, rest /= 4) outs[o] = At(outputs[o], rest % 4, 8 + o);
                if (outs.Distinct().Count() != outs.Length) continue;
                result.Add((ins, outs));
            }
        }
        return result;
    }

    [Fact]
    public void The_library_has_float_registers_and_float_class_values()
    {
        var library = FloatRegisterStencils.Library;
        Assert.Equal(3, library.FloatRegisters);
        Assert.Equal(3u, library.FloatMoveFamily!.FloatMask);
        Assert.Equal(1u, library.FloatToIntMoveFamily!.FloatMask);
        Assert.Equal(2u, library.IntToFloatMoveFamily!.FloatMask);
        Assert.Equal(0b111u, library.GetFamily("AddDouble").FloatMask);
        Assert.Equal(0b011u, library.GetFamily("LessDouble").FloatMask);
        Assert.Equal(0b101u, library.GetFamily("ScaleByLong").FloatMask);
        Assert.Equal(0b011u, library.GetFamily("SplitDouble").FloatMask);
        // 4 codes a value in either class: a binary operation has 4^3 variants, as without float registers.
        Assert.Equal(64, library.GetFamily("AddDouble").NarrowSlots);
        Assert.Equal(0u, library.MoveFamily.FloatMask);
    }

    [Fact]
    public void Float_register_locations_are_their_own_kind()
    {
        var f2 = Location.FloatRegister(2);
        Assert.True(f2.IsFloatRegister);
        Assert.False(f2.IsRegister);
        Assert.False(f2.IsStack);
        Assert.Equal(2, f2.Index);
        Assert.Equal("f2", f2.ToString());
        Assert.NotEqual(Location.Register(2), f2);
        Assert.NotEqual(Location.Stack(2), f2);
        Assert.Equal(2, f2.FloatCode(3));
        Assert.Equal(3, Location.Stack(7).FloatCode(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => f2.Code(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Location.Register(0).FloatCode(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Location.FloatRegister(Location.MaxFloatRegisters));
        Assert.Equal("r1", Location.Register(1).ToString());
        Assert.Equal("s9", Location.Stack(9).ToString());
    }

    [Fact]
    public void A_library_with_float_registers_is_a_version_3_blob_that_reads_back_the_same()
    {
        var library = FloatRegisterStencils.Library;
        var contents = new TableBlobContents(library.Name, library.Registers, library.ModelHash, library.Target, "test",
            library.Families.Select(f => new TableBlobFamily(f.Name, f.Kind, f.Inputs, f.Outputs, f.HoleWidths.ToArray(), f.Targets, f.HasWide, f.FirstVariant, f.Signature, f.FloatMask)).ToList(),
            library.Variants.Select(v => v.Bits).ToArray(), library.Relocations.Select(r => r.Bits).ToArray(), library.Code, library.FloatRegisters);
        byte[] blob = TableBlob.Write(contents);
        Assert.Equal(TableBlob.FloatVersion, BitConverter.ToUInt16(blob, 4));
        var read = TableBlob.Read(blob, "test").CreateLibrary();
        Assert.Equal(3, read.FloatRegisters);
        Assert.Equal(library.Families.Select(f => (f.Name, f.FloatMask, f.NarrowSlots)), read.Families.Select(f => (f.Name, f.FloatMask, f.NarrowSlots)));
        // Without float registers the blob is version 2, and a float mask there is refused.
        var plain = contents with { FloatRegisters = 0, Families = contents.Families.Select(f => f with { FloatMask = 0 }).ToList() };
        Assert.Equal(TableBlob.Version, BitConverter.ToUInt16(TableBlob.Write(plain), 4));
        Assert.Throws<ArgumentException>(() => TableBlob.Write(contents with { FloatRegisters = 0 }));
        // A corrupt mask (a value the family does not have) is a tables error.
        var bad = contents with { Families = contents.Families.Select(f => f.Name == "AddDouble" ? f with { FloatMask = 0b1111 } : f).ToList() };
        Assert.Throws<ArgumentException>(() => TableBlob.Read(TableBlob.Write(bad), "test").CreateLibrary());
    }

    [Fact]
    public void A_float_value_in_an_integer_register_or_an_integer_value_in_a_float_register_is_a_clear_error()
    {
        var builder = new FunctionBuilder(FloatRegisterStencils.Library);
        var emit = new FloatRegisterStencils.Emitter(builder);
        var e = Assert.Throws<StencilEmitException>(() => emit.AddDouble(Location.Register(0), Location.FloatRegister(1), Location.FloatRegister(2)));
        Assert.Contains("float register (f0..f2)", e.Message);
        e = Assert.Throws<StencilEmitException>(() => emit.LongToDouble(Location.FloatRegister(0), Location.FloatRegister(1)));
        Assert.Contains("a float register, but the value is not a float or double", e.Message);
        e = Assert.Throws<StencilEmitException>(() => emit.AddDouble(Location.FloatRegister(3), Location.FloatRegister(1), Location.FloatRegister(2)));
        Assert.Contains("f3", e.Message);
        // The Calc library has no float registers: a float register is not a location there.
        var calc = new FunctionBuilder(Patchouly.Samples.Calc.CalcStencils.Library);
        e = Assert.Throws<StencilEmitException>(() => calc.Move(Location.FloatRegister(0), Location.Register(0)));
        Assert.Contains("no float registers", e.Message);
    }

    [Fact]
    public void Float_registers_are_not_scratch_registers_and_the_register_allocator_hands_them_out_apart()
    {
        var builder = new FunctionBuilder(FloatRegisterStencils.Library);
        var e = Assert.Throws<ArgumentException>(() => builder.ScratchRegisters = [Location.FloatRegister(2)]);
        Assert.Contains("f2, a float register; scratch locations are registers r0..r2", e.Message);

        var allocator = RegisterAllocator.For(builder);
        Assert.Equal(3, allocator.FloatRegisters);
        Assert.Throws<ArgumentException>(() => allocator.Reserve(Location.FloatRegister(0)));
        for (int i = 0; i < 4; i++) allocator.Allocate(); // r0..r2 and slot 0
        Assert.True(allocator.IsAllocated(Location.Stack(0)));
        Assert.False(allocator.IsAllocated(Location.FloatRegister(0)));
        Assert.Throws<InvalidOperationException>(() => allocator.Free(Location.FloatRegister(0)));
        Assert.True(allocator.IsAllocated(Location.Stack(0)), "freeing f0 must not free slot 0");

        Assert.Equal(Location.FloatRegister(0), allocator.AllocateFloat());
        Assert.Equal(Location.FloatRegister(1), allocator.AllocateFloat());
        Assert.Equal(Location.FloatRegister(2), allocator.AllocateFloat());
        Assert.Equal(Location.Stack(1), allocator.AllocateFloat()); // float registers full: the next free slot
        Assert.Equal(Location.Stack(2), allocator.Allocate());       // slots are shared by both kinds
        allocator.Free(Location.FloatRegister(1));
        Assert.True(allocator.IsAllocated(Location.Stack(0)), "freeing f1 must not free slot 1's neighbours");
        Assert.True(allocator.IsAllocated(Location.Stack(1)), "freeing f1 must not free slot 1");
        Assert.Equal(Location.FloatRegister(1), allocator.AllocateFloat());
        Assert.Equal(9, allocator.Allocated);
    }

    [Theory]
    [MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void The_register_allocator_spills_float_values_to_stack_slots_that_the_float_stencils_read(string target)
    {
        // Six doubles alive at once (3 float registers, so 3 in slots), summed pairwise: 0.5 + 1.5 + ... + 5.5 = 18.
        var library = RunnableTables.Of(FloatRegisterStencils.Library, target);
        var builder = new FunctionBuilder(library);
        var emit = new FloatRegisterStencils.Emitter(builder);
        var allocator = RegisterAllocator.For(builder);
        var values = new List<Location>();
        for (int i = 0; i < 6; i++)
        {
            var l = allocator.AllocateFloat();
            emit.ConstDouble(i + 0.5, l);
            values.Add(l);
        }
        Assert.Equal(3, values.Count(l => l.IsStack));
        var sum = values[0];
        for (int i = 1; i < values.Count; i++)
        {
            allocator.Free(values[i]);
            allocator.Free(sum);
            var to = allocator.AllocateFloat();
            emit.AddDouble(sum, values[i], to);
            sum = to;
        }
        emit.ReturnDoubleBits(sum);
        using var function = builder.Compile();
        Assert.Equal(18.0, BitConverter.Int64BitsToDouble(function.Invoke()));
    }

    [Theory]
    [MemberData(nameof(TargetsAndStencils))]
    public void Native_code_agrees_with_the_csharp_method(string target, string name) =>
        Check(RunnableTables.Of(FloatRegisterStencils.Library, target), null, name);

    [Theory]
    [MemberData(nameof(EnginesAndStencils))]
    public void Managed_engines_agree_with_the_csharp_method(ExecutionEngine engine, string name) =>
        Check(FloatRegisterStencils.Library, engine, name, placementsStride: 7);

    [Theory]
    [MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void Values_stay_in_float_registers_across_stencils_and_moves(string target)
    {
        // ((x + 1.5) * x) / 2 with every intermediate in a float register, moved f0 -> f2 -> slot -> f1 and out.
        var library = RunnableTables.Of(FloatRegisterStencils.Library, target);
        var builder = new FunctionBuilder(library, 1);
        var emit = new FloatRegisterStencils.Emitter(builder);
        Location f0 = Location.FloatRegister(0), f1 = Location.FloatRegister(1), f2 = Location.FloatRegister(2);
        builder.Move(Location.Register(0), f0);                        // the argument's bits into f0
        emit.ConstDouble(1.5, f1);
        emit.AddDouble(f0, f1, f2);
        emit.MulDouble(f2, f0, f1);
        builder.Move(f1, f2);
        builder.Move(f2, Location.Stack(5));
        builder.Move(Location.Stack(5), f1);
        emit.MulImmDouble(f1, 0.5, f0);
        emit.ReturnDoubleBits(f0);
        using var function = builder.Compile();
        foreach (double x in new[] { 0.0, 1.0, -3.25, 1e300, double.NaN })
        {
            double expected = (x + 1.5) * x * 0.5;
            double actual = BitConverter.Int64BitsToDouble(function.Invoke(BitConverter.DoubleToInt64Bits(x)));
            Assert.True(expected.Equals(actual), $"x = {x}: {actual}, expected {expected}");
        }
        string listing = builder.Library.Architecture == TargetArchitecture.X64 ? function.Disassemble() : "";
        if (listing.Length > 0) Assert.Contains("f0", listing);
    }

    private static void Check(StencilLibrary library, ExecutionEngine? engine, string name, int placementsStride = 1)
    {
        var s = Stencils.Single(x => x.Name == name);
        var family = library.GetFamily(name);
        var outputs = Outputs(s);
        var values = new EdgeValues(0xF10A7UL ^ (ulong)name.Aggregate(17L, (h, c) => h * 31 + c));
        var mismatches = new List<string>();
        int cases = 0, index = 0;
        foreach (var (ins, outs) in Placements(s.Inputs.Select(p => p.ParameterType).ToArray(), outputs))
        {
            if (index++ % placementsStride != 0) continue;
            var holes = s.Holes.Select(h => EdgeValues.HoleWord(h.ParameterType, values.NextWord(h.ParameterType))).ToArray();
            for (int which = 0; which < Math.Max(1, outs.Length); which++)
            {
                using var function = Compile(library, engine, s, family, ins, outs, which, holes);
                for (int k = 0; k < InputsPerFunction; k++)
                {
                    var words = s.Inputs.Select(p => values.NextWord(p.ParameterType)).ToArray();
                    ulong expected = Managed(s, words, holes, which);
                    long[] a = words.Select(w => unchecked((long)w)).ToArray();
                    ulong actual = unchecked((ulong)(a.Length switch
                    {
                        1 => function.Invoke(a[0]),
                        2 => function.Invoke(a[0], a[1]),
                        3 => function.Invoke(a[0], a[1], a[2]),
                        _ => throw new NotSupportedException(),
                    }));
                    Type? type = outs.Length == 0 ? null : outputs[which];
                    bool fromFloatRegister = outs.Length > 0 && outs[which].IsFloatRegister;
                    cases++;
                    if (!Agree(type, fromFloatRegister, expected, actual) && mismatches.Count < 10)
                        mismatches.Add($"{name}({string.Join(", ", words.Select(w => $"0x{w:x}"))}) in [{string.Join(", ", ins)} -> {string.Join(", ", outs)}] output {which}: got 0x{actual:x16}, C# 0x{expected:x16}");
                }
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(cases > 0);
    }

    private static CompiledFunction Compile(StencilLibrary library, ExecutionEngine? engine, DifferentialTests.Shape s, StencilFamily family,
        Location[] inputs, Location[] outputs, int which, ulong[] holes)
    {
        var builder = new FunctionBuilder(library, s.Inputs.Length);
        if (engine is { } e) builder.Engine = e;
        var emit = new FloatRegisterStencils.Emitter(builder);
        // Arguments (words in r0..) to home slots 4.., then to their placement: a slot -> float register move for floats.
        for (int i = 0; i < inputs.Length; i++) builder.Move(Location.Register(i), Location.Stack(4 + i));
        for (int i = 0; i < inputs.Length; i++) builder.Move(Location.Stack(4 + i), inputs[i]);
        var blocks = Enumerable.Range(0, s.Targets).Select(_ => builder.NewBlock()).ToArray();
        builder.Emit(family, inputs, outputs, holes, blocks);
        if (outputs.Length == 0) emit.Const(FallThrough, Location.Register(0));
        Location result = outputs.Length == 0 ? Location.Register(0) : outputs[which];
        if (result.IsFloatRegister)
        {
            builder.Move(result, Location.Register(0));              // float register -> integer register, its 64 bits
            result = Location.Register(0);
        }
        emit.Return(result);
        for (int t = 0; t < blocks.Length; t++)
        {
            builder.StartBlock(blocks[t]);
            emit.Const(TargetMarker + t, Location.Register(1));
            emit.Return(Location.Register(1));
        }
        return builder.Compile();
    }

    private static ulong Managed(DifferentialTests.Shape s, ulong[] inputs, ulong[] holes, int which)
    {
        var ps = s.Method.GetParameters();
        var (returned, args) = DifferentialTests.CallCSharp(s, inputs, holes);
        if (returned is Target taken && !taken.IsNext) return unchecked((ulong)(TargetMarker + taken.Id));
        var results = new List<object?>();
        if (s.Method.ReturnType != typeof(void) && s.Method.ReturnType != typeof(Target)) results.Add(returned);
        results.AddRange(ps.Select((p, i) => (p, i)).Where(x => x.p.IsOut).Select(x => args[x.i]));
        return results.Count == 0 ? FallThrough : EdgeValues.Unbox(results[which]!);
    }

    private static bool Agree(Type? type, bool fromFloatRegister, ulong expected, ulong actual)
    {
        if (type == typeof(float) && fromFloatRegister) actual &= 0xFFFF_FFFF;   // a float is the register's low 32 bits
        if (expected == actual) return true;
        if (type == typeof(double)) return double.IsNaN(BitConverter.UInt64BitsToDouble(expected)) && double.IsNaN(BitConverter.UInt64BitsToDouble(actual));
        if (type == typeof(float))
            return actual >> 32 == 0 && float.IsNaN(BitConverter.UInt32BitsToSingle((uint)expected)) && float.IsNaN(BitConverter.UInt32BitsToSingle((uint)actual));
        return false;
    }
}
