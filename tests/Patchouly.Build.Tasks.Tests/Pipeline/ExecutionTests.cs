using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Patchouly.Runtime;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>Stencils compiled by clang from C#, patched by the runtime and executed.</summary>
public unsafe class ExecutionTests
{
    private static BuiltStencils Built => TestStencils.Build(PipelineTests.Arithmetic);

    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2);

    private static FunctionBuilder Builder(int parameters) => new(Built.Library, parameters);

    private static void Emit(FunctionBuilder b, string stencil, Location[] inputs, Location[] outputs, ulong[]? holes = null, Block[]? targets = null) =>
        b.Emit(Built.Library.GetFamily(stencil), inputs, outputs, holes ?? [], targets ?? []);

    [Theory]
    [InlineData(2L, 40L)]
    [InlineData(-5L, 1L << 40)]       // wide hole
    [InlineData(long.MaxValue, 1L)]   // wraps like C#
    [InlineData(7L, -1L)]             // does not fit Abs32: wide
    public void Adds_a_constant(long a, long c)
    {
        var b = Builder(1);
        Emit(b, "AddConst", [R0], [R1], [unchecked((ulong)c)]);
        Emit(b, "Ret", [R1], []);
        using var f = b.Compile();
        Assert.Equal(unchecked(a + c), f.Invoke(a));
    }

    [Fact]
    public void Values_move_through_stack_slots()
    {
        var b = Builder(2);
        Emit(b, "Add", [R0, R1], [Location.Stack(3)]);
        Emit(b, "Const", [], [Location.Stack(0)], [100]);
        Emit(b, "Add", [Location.Stack(3), Location.Stack(0)], [Location.Stack(7)]);
        b.Move(Location.Stack(7), R2);
        Emit(b, "Ret", [R2], []);
        using var f = b.Compile();
        Assert.Equal(8, f.FrameSlots);
        Assert.Equal(103, f.Invoke(1, 2));
    }

    [Fact]
    public void Loads_and_stores_through_pointers()
    {
        long[] data = [10, 20, 30, 40];
        fixed (long* p = data)
        {
            var b = Builder(1);
            Emit(b, "Load", [R0], [R1], [2]);
            Emit(b, "Store", [R0, R1], [], [0]);
            Emit(b, "Load", [R0], [R2], [3]);
            Emit(b, "Ret", [R2], []);
            using var f = b.Compile();
            Assert.Equal(40, f.Invoke((long)p));
        }
        Assert.Equal(30, data[0]);
    }

    [Fact]
    public void A_backward_branch_loop_counts_down()
    {
        // r0 = n; r1 = 0; loop: r1 += r0 (via Add); r0 += -1; if r0 == 0 goto done; goto loop; done: return r1
        var b = Builder(1);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        Emit(b, "Const", [], [R1], [0]);
        b.StartBlock(loop);
        Emit(b, "Add", [R1, R0], [R1]);
        Emit(b, "AddConst", [R0], [R0], [unchecked((ulong)-1L)]);
        Emit(b, "IfZero", [R0], [], [], [done]);
        b.Jump(loop);
        b.StartBlock(done);
        Emit(b, "Ret", [R1], []);
        using var f = b.Compile();
        Assert.Equal(5050, f.Invoke(100));
        Assert.Equal(500000500000, f.Invoke(1000000));
    }

    [Fact]
    public void Branch_and_outputs_of_a_branch_stencil()
    {
        var b = Builder(2);
        var fail = b.NewBlock();
        Emit(b, "DivMod", [R0, R1], [R2, Location.Stack(0)], [], [fail]);
        Emit(b, "Ret", [Location.Stack(0)], []);
        b.StartBlock(fail);
        Emit(b, "RetConst", [], [], [unchecked((ulong)-99L)]);
        using var f = b.Compile();
        Assert.Equal(17 % 5, f.Invoke(17, 5));
        Assert.Equal(-99, f.Invoke(17, 0));
        Assert.Equal(-99, f.Invoke(long.MinValue, -1));
        Assert.Equal(-17 % 5, f.Invoke(-17, 5));
    }

    [UnmanagedCallersOnly]
    private static long Triple(long x) => checked(x * 3);

    [Fact]
    public void Calls_a_host_callback_through_a_function_pointer_hole()
    {
        delegate* unmanaged<long, long> callback = &Triple;
        var b = Builder(1);
        Emit(b, "CallHost", [R0], [R1], [(ulong)(nint)callback]);
        Emit(b, "CallHost", [R1], [R0], [(ulong)(nint)callback]);
        Emit(b, "Ret", [R0], []);
        using var f = b.Compile();
        Assert.Equal(63, f.Invoke(7));
    }
}

/// <summary>float and double inputs, outputs and holes are carried as raw bits in integer registers.</summary>
public class FloatExecutionTests
{
    private const string Source = """
        using Patchouly;
        namespace T;
        [StencilLibrary(Registers = 2)]
        public static partial class Floats
        {
            [Stencil] public static double MulConst(double a, [Hole] double c) => a * c;
            [Stencil] public static double FromLong(long a) => a;
            [Stencil] public static float Half(float a, [Hole] float h) => a * h;
            [Stencil] public static long Truncate(double a) => (long)a;
            [Stencil(ReturnsToCaller = true)] public static double Ret(double value) => value;
            [Stencil(ReturnsToCaller = true)] public static float RetF(float value) => value;
            [Stencil(ReturnsToCaller = true)] public static long RetL(long value) => value;
        }
        """;

    private static readonly Patchouly.Runtime.Location R0 = Patchouly.Runtime.Location.Register(0), R1 = Patchouly.Runtime.Location.Register(1);

    [Theory]
    [InlineData(3L, 2.5)]
    [InlineData(-7L, -0.125)]
    [InlineData(1L << 53, 3.0)]
    public void Doubles_flow_through_registers_and_holes(long a, double c)
    {
        var lib = TestStencils.Build(Source).Library;
        var b = new Patchouly.Runtime.FunctionBuilder(lib, 1);
        b.Emit(lib.GetFamily("FromLong"), [R0], [R1]);
        b.Emit(lib.GetFamily("MulConst"), [R1], [Patchouly.Runtime.Location.Stack(0)], [System.BitConverter.DoubleToUInt64Bits(c)]);
        b.Emit(lib.GetFamily("Ret"), [Patchouly.Runtime.Location.Stack(0)], []);
        using var f = b.Compile();
        Assert.Equal(a * c, System.BitConverter.Int64BitsToDouble(f.Invoke(a)));
        Assert.Equal(a * c, f.Invoke<double>(a)); // the typed form of the same
    }

    [Theory]
    [InlineData(1.5f, 0.5f)]
    [InlineData(-3e38f, 10f)]
    public void Floats_keep_their_bits(float a, float h)
    {
        var lib = TestStencils.Build(Source).Library;
        var b = new Patchouly.Runtime.FunctionBuilder(lib, 1);
        b.Emit(lib.GetFamily("Half"), [R0], [R1], [(ulong)System.BitConverter.SingleToUInt32Bits(h)]);
        b.Emit(lib.GetFamily("RetF"), [R1], []);
        using var f = b.Compile();
        Assert.Equal(a * h, System.BitConverter.Int32BitsToSingle((int)f.Invoke(System.BitConverter.SingleToUInt32Bits(a))));
        Assert.Equal(a * h, f.Invoke<float>(System.BitConverter.SingleToUInt32Bits(a)));
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(-1e300)]
    [InlineData(double.NaN)]
    [InlineData(-2.75)]
    public void Double_to_long_saturates_like_dotnet(double a)
    {
        var lib = TestStencils.Build(Source).Library;
        var b = new Patchouly.Runtime.FunctionBuilder(lib, 1);
        b.Emit(lib.GetFamily("Truncate"), [R0], [R1]);
        b.Emit(lib.GetFamily("RetL"), [R1], []);
        using var f = b.Compile();
        Assert.Equal((long)a, f.Invoke(System.BitConverter.DoubleToInt64Bits(a)));
    }
}
