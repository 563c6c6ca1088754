using System;
using Patchouly.Runtime;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// A target marked <c>[Target(Cold = true)]</c> (<see cref="PointerHoleStencils.LoadCheckedCold"/>, a bounds-checked
/// load like a wasm memory access), on every target: both paths run, and because no output is stored on the way to
/// the cold exit, the exit is one conditional branch, so the stencil is shorter than the same C# with a plain target
/// (<see cref="PointerHoleStencils.LoadChecked"/>).
/// </summary>
public unsafe class ColdTargetTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), S0 = Location.Stack(0);

    public static TheoryData<string, bool> TargetsAndAddresses() => PointerHoleTests.TargetsAndAddresses();

    [Theory, MemberData(nameof(TargetsAndAddresses))]
    public void A_cold_exit_is_taken_and_the_likely_path_loads(string target, bool high)
    {
        using var memory = high ? FixedAddressMemory.High() : FixedAddressMemory.Low();
        var span = Span(memory);
        foreach (var output in new[] { R1, S0 })
        {
            using var f = Compile(target, span, cold: true, output);
            for (long i = 0; i < 5; i++) Assert.Equal(-i * 11, f.Invoke(i));
            Assert.Equal(12345, f.Invoke(5));
            Assert.Equal(12345, f.Invoke(long.MinValue));
        }
    }

    [Theory, MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void A_cold_exit_stores_no_outputs_so_the_stencil_is_shorter(string target)
    {
        var library = RunnableTables.Of(PointerHoleStencils.Library, target);
        var plain = library.GetFamily(nameof(PointerHoleStencils.LoadChecked));
        var cold = library.GetFamily(nameof(PointerHoleStencils.LoadCheckedCold));
        Assert.Equal(plain.VariantSlots, cold.VariantSlots);
        int compared = 0;
        for (int k = 0; k < plain.VariantSlots; k++)
        {
            var p = library.Variants[plain.FirstVariant + k];
            var c = library.Variants[cold.FirstVariant + k];
            if (!p.Exists || !c.Exists) continue;
            compared++;
            Assert.True(c.Length < p.Length, $"{target}, variant {k}: {c.Length} bytes with the cold exit, {p.Length} without");
        }
        Assert.True(compared >= plain.VariantSlots / 2, $"{target}: only {compared} of {plain.VariantSlots} variants exist");
    }

    private static PointerHoleStencils.Span* Span(FixedAddressMemory memory)
    {
        var span = (PointerHoleStencils.Span*)memory.Pointer;
        long* items = (long*)(memory.Pointer + 64);
        for (int i = 0; i < 5; i++) items[i] = -i * 11;
        span->Items = items;
        span->Length = 5;
        return span;
    }

    /// <summary>f(i) = the checked load of item i, or 12345 out of range; the exit block is a cold block.</summary>
    private static CompiledFunction Compile(string target, PointerHoleStencils.Span* span, bool cold, Location output)
    {
        var b = new FunctionBuilder(RunnableTables.Of(PointerHoleStencils.Library, target), 1);
        var e = new PointerHoleStencils.Emitter(b);
        var outOfRange = b.NewBlock(cold: true);
        if (cold) e.LoadCheckedCold(R0, span, outOfRange, output);
        else e.LoadChecked(R0, span, outOfRange, output);
        e.Return(output);
        b.StartBlock(outOfRange);
        e.Const(12345, R0);
        e.Return(R0);
        return b.Compile();
    }
}
