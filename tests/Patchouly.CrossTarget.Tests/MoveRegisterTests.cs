using System;
using System.Linq;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Move registers (<see cref="MoveRegisterStencils"/>: r2..r4 and f2..f3 only the built-in moves reach): values parked
/// there survive every stencil (divisions and shifts that need particular machine registers, a call out, a loop), on
/// every target (x86-64 here, AArch64 under qemu, win-x64 under wine) and on the managed engines; only the moves
/// have variants for them; any other stencil given one is a clear error.
/// </summary>
public unsafe class MoveRegisterTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2),
        R3 = Location.Register(3), R4 = Location.Register(4), F0 = Location.FloatRegister(0), F1 = Location.FloatRegister(1),
        F2 = Location.FloatRegister(2), F3 = Location.FloatRegister(3);

    [UnmanagedCallersOnly]
    private static long Scramble(long v) => v ^ 0x5A5A;

    /// <summary>
    /// f(x) keeps x in r2, a counter in r3, 7 in r4, x's bits in f3 and a double sum in f2, and loops ten times over
    /// stencils that only use r0, r1, f0 and f1; returns counter * 1000 + x + (bits of f3) when <paramref name="sum"/>
    /// is false, else the double sum's bits (1.5 + 10 * 1.5).
    /// </summary>
    private static CompiledFunction Compile(StencilLibrary library, ExecutionEngine? engine, bool sum)
    {
        var b = new FunctionBuilder(library, 1);
        if (engine is { } e) b.Engine = e;
        var emit = new MoveRegisterStencils.Emitter(b);
        b.Move(R0, R2);
        emit.Const(0, R0);
        b.Move(R0, R3);
        emit.Const(7, R0);
        b.Move(R0, R4);
        emit.ConstDouble(1.5, F0);
        b.Move(F0, F2);
        b.Move(R2, F3);                                  // integer move register to float move register: the bits
        var loop = b.NewBlock();
        b.StartBlock(loop);
        b.Move(R2, R0);
        b.Move(R4, R1);
        emit.Mul(R0, R1, R0);
        emit.Div(R0, R1, R0);
        emit.Shl(R0, R1, R1);
        emit.CallOut(R1, &Scramble, R0);
        b.Move(F2, F0);
        emit.ConstDouble(1.5, F1);
        emit.AddDouble(F0, F1, F0);
        b.Move(F0, F2);
        b.Move(R3, Location.Stack(3));                   // and through a slot
        b.Move(Location.Stack(3), R0);
        emit.Const(1, R1);
        emit.Add(R0, R1, R0);
        b.Move(R0, R3);
        emit.Const(10, R1);
        emit.IfLess(R0, R1, loop);
        if (sum)
        {
            b.Move(F2, F1);
            emit.ReturnDoubleBits(F1);
        }
        else
        {
            b.Move(R3, R0);
            emit.Const(1000, R1);
            emit.Mul(R0, R1, R0);
            b.Move(R2, R1);
            emit.Add(R0, R1, R0);
            b.Move(F3, R1);                              // float move register to a register
            emit.Add(R0, R1, R0);
            emit.Return(R0);
        }
        return b.Compile();
    }

    private static void Check(StencilLibrary library, ExecutionEngine? engine)
    {
        using var ints = Compile(library, engine, sum: false);
        using var doubles = Compile(library, engine, sum: true);
        foreach (long x in new long[] { 0, 1, -5, 123456789, long.MaxValue / 8 })
            Assert.Equal(unchecked(10 * 1000 + x + x), ints.Invoke(x));
        Assert.Equal(16.5, BitConverter.Int64BitsToDouble(doubles.Invoke(0)));
    }

    [Theory]
    [MemberData(nameof(RunnableTables.Targets), MemberType = typeof(RunnableTables))]
    public void Values_in_move_registers_survive_every_stencil(string target) =>
        Check(RunnableTables.Of(MoveRegisterStencils.Library, target), null);

    [Theory]
    [InlineData(ExecutionEngine.Managed)]
    [InlineData(ExecutionEngine.Interpreter)]
    public void Managed_engines_keep_the_move_registers_too(ExecutionEngine engine) =>
        Check(MoveRegisterStencils.Library, engine);

    [Fact]
    public void Only_the_moves_have_variants_for_the_move_registers()
    {
        var library = MoveRegisterStencils.Library;
        Assert.Equal((2, 3, 2, 2), (library.Registers, library.MoveRegisters, library.FloatRegisters, library.MoveFloatRegisters));
        Assert.Equal(6 * 6, library.MoveFamily.NarrowSlots);                  // r0..r4 or a slot, both sides
        Assert.Equal(5 * 5, library.FloatMoveFamily!.NarrowSlots);             // f0..f3 or a slot
        Assert.Equal(5 * 6, library.FloatToIntMoveFamily!.NarrowSlots);
        Assert.Equal(3 * 3 * 3, library.GetFamily("Add").NarrowSlots);         // as without move registers
        Assert.Equal(3 * 3 * 3, library.GetFamily("AddDouble").NarrowSlots);
        Assert.Equal(5, library.MoveFamily.Registers);
        Assert.Equal(2, library.GetFamily("Add").Registers);
    }

    [Fact]
    public void A_move_register_given_to_another_stencil_is_a_clear_error()
    {
        var builder = new FunctionBuilder(MoveRegisterStencils.Library);
        var emit = new MoveRegisterStencils.Emitter(builder);
        var e = Assert.Throws<StencilEmitException>(() => emit.Add(R2, R0, R1));
        Assert.Contains("r2, a move register", e.Message);
        Assert.Contains("r0..r1", e.Message);
        e = Assert.Throws<StencilEmitException>(() => emit.AddDouble(F0, F1, F3));
        Assert.Contains("f3, a move register", e.Message);
        e = Assert.Throws<StencilEmitException>(() => builder.Move(R0, Location.Register(5)));
        Assert.Contains("r0..r4", e.Message);
        Assert.Throws<ArgumentException>(() => builder.ScratchRegisters = [R3]);
    }

    [Fact]
    public void A_library_with_move_registers_is_a_version_4_blob_that_reads_back_the_same()
    {
        var library = MoveRegisterStencils.Library;
        var contents = new TableBlobContents(library.Name, library.Registers, library.ModelHash, library.Target, "test",
            library.Families.Select(f => new TableBlobFamily(f.Name, f.Kind, f.Inputs, f.Outputs, f.HoleWidths.ToArray(), f.Targets, f.HasWide, f.FirstVariant, f.Signature, f.FloatMask)).ToList(),
            library.Variants.Select(v => v.Bits).ToArray(), library.Relocations.Select(r => r.Bits).ToArray(), library.Code,
            library.FloatRegisters, library.MoveRegisters, library.MoveFloatRegisters);
        byte[] blob = TableBlob.Write(contents);
        Assert.Equal(TableBlob.MoveVersion, BitConverter.ToUInt16(blob, 4));
        var read = TableBlob.Read(blob, "test").CreateLibrary();
        Assert.Equal((3, 2), (read.MoveRegisters, read.MoveFloatRegisters));
        Assert.Equal(library.Families.Select(f => (f.Name, f.NarrowSlots, f.Registers, f.FloatRegisters)),
            read.Families.Select(f => (f.Name, f.NarrowSlots, f.Registers, f.FloatRegisters)));
        // Too many registers with the move registers is refused.
        Assert.Throws<ArgumentOutOfRangeException>(() => TableBlob.Read(TableBlob.Write(contents with { MoveRegisters = 10 }), "test").CreateLibrary());
    }
}
