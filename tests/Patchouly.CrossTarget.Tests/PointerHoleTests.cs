using System;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Stencils that dereference a data-pointer hole (<see cref="PointerHoleStencils"/>), on the process's platform: the
/// narrow variant is selected for an address below 2 GiB and the wide one for an address above 4 GiB (where the
/// target's narrow holes are 32-bit immediates), and both read and write the memory the hole points to.
/// </summary>
public unsafe class PointerHoleTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), S0 = Location.Stack(0);

    /// <summary>Whether a narrow hole of <paramref name="target"/> takes any 64-bit value (osx-arm64 loads every hole from a GOT entry).</summary>
    private static bool NarrowTakesAnyValue(string target) => target == TableTarget.OsxArm64.RuntimeIdentifier;

    private static string Expected(string target, bool high) => high && !NarrowTakesAnyValue(target) ? "wide" : "narrow";

    public static TheoryData<string, bool> TargetsAndAddresses()
    {
        var rows = new TheoryData<string, bool>();
        foreach (var rid in RunnableTables.RuntimeIdentifiers)
        {
            rows.Add(rid, false);
            rows.Add(rid, true);
        }
        return rows;
    }

    private static FixedAddressMemory Memory(bool high) => high ? FixedAddressMemory.High() : FixedAddressMemory.Low();

    [Theory, MemberData(nameof(TargetsAndAddresses))]
    public void Get_and_set_through_a_pointer_hole_pick_the_variant_the_address_fits(string target, bool high)
    {
        using var memory = Memory(high);
        long* cell = (long*)memory.Pointer;
        *cell = 0x1234_5678_9ABC;
        var b = new FunctionBuilder(RunnableTables.Of(PointerHoleStencils.Library, target), 1);
        var e = new PointerHoleStencils.Emitter(b);
        foreach (var to in new[] { R1, S0 })
        {
            e.Get(cell, to);                  // old value
            e.Set(R0, cell + 1);              // the argument into the next cell
            e.Set(to, cell + 2);
        }
        e.Get(cell + 2, R0);
        e.Return(R0);
        using var f = b.Compile();
        Assert.Equal(0x1234_5678_9ABC, f.Invoke(-77));
        Assert.Equal(-77, cell[1]);
        Assert.Equal(0x1234_5678_9ABC, cell[2]);
        string listing = f.Disassemble();
        string variant = Expected(target, high);
        Assert.Contains($"; Get [-> r1] {variant}", listing);
        Assert.Contains($"; Get [-> s0] {variant}", listing);
        Assert.Contains($"; Set [r0] {variant}", listing);
    }

    [Theory, MemberData(nameof(TargetsAndAddresses))]
    public void An_indexed_load_through_a_pointer_hole_reads_the_right_cell(string target, bool high)
    {
        using var memory = Memory(high);
        long* cells = (long*)memory.Pointer;
        for (int i = 0; i < 16; i++) cells[i] = i * 1000 + 7;
        var b = new FunctionBuilder(RunnableTables.Of(PointerHoleStencils.Library, target), 1);
        var e = new PointerHoleStencils.Emitter(b);
        e.GetAt(R0, cells, R1);
        e.Return(R1);
        using var f = b.Compile();
        for (long i = 0; i < 16; i++) Assert.Equal(i * 1000 + 7, f.Invoke(i));
        Assert.Contains($"; GetAt [r0 -> r1] {Expected(target, high)}", f.Disassemble());
    }

    [Theory, MemberData(nameof(TargetsAndAddresses))]
    public void A_bounds_checked_load_through_a_struct_hole_takes_both_paths(string target, bool high)
    {
        using var memory = Memory(high);
        var span = (PointerHoleStencils.Span*)memory.Pointer;
        long* items = (long*)(memory.Pointer + 64);
        for (int i = 0; i < 5; i++) items[i] = -i * 11;
        span->Items = items;
        span->Length = 5;
        var b = new FunctionBuilder(RunnableTables.Of(PointerHoleStencils.Library, target), 1);
        var e = new PointerHoleStencils.Emitter(b);
        var outOfRange = b.NewBlock();
        e.LoadChecked(R0, span, outOfRange, R1);
        e.Return(R1);
        b.StartBlock(outOfRange);
        e.Const(12345, R0);
        e.Return(R0);
        using var f = b.Compile();
        for (long i = 0; i < 5; i++) Assert.Equal(-i * 11, f.Invoke(i));
        Assert.Equal(12345, f.Invoke(5));
        Assert.Equal(12345, f.Invoke(-1));
        Assert.Contains($"; LoadChecked [r0 -> r1] {Expected(target, high)}", f.Disassemble());
    }
}
