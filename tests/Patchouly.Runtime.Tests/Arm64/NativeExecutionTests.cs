using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// Runs functions of the hand-made library of the process's own architecture (<see cref="Arm64TestStencils"/> in an
/// arm64 process, <see cref="TestStencils"/> in an x86-64 one) through the same families, so these tests execute the
/// arm64 runtime when the test assembly runs on arm64 (natively or under qemu). On arm64 each test also runs the
/// Mach-O form of the library (<see cref="Arm64TestStencils.GotLibrary"/>: GOT loads for holes, slots and the frame size).
/// </summary>
[Collection(nameof(TargetTestsCollection))]
public unsafe class NativeExecutionTests
{
    private static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>The forms of the process's library: the ELF form, and on arm64 also the Mach-O (GOT) form.</summary>
    public static TheoryData<bool> Forms() => IsArm64 ? new TheoryData<bool> { false, true } : new TheoryData<bool> { false };

    private static StencilLibrary LibraryOf(bool got) =>
        IsArm64 ? (got ? Arm64TestStencils.GotLibrary : Arm64TestStencils.Library) : TestStencils.Library;

    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2);

    /// <summary><c>long f(long x) =&gt; x + x</c> in the process's machine code.</summary>
    private static byte[] DoubleCode =>
        IsArm64 ? [.. BitConverter.GetBytes(A64.Add(0, 0, 0)), .. BitConverter.GetBytes(A64.Ret)] : NativeCode.Double;

    private static void Emit(FunctionBuilder b, string family, Location[] inputs, Location[] outputs, ulong[]? holes = null, Block[]? targets = null) =>
        b.Emit(b.Library.GetFamily(family), inputs, outputs, holes ?? [], targets ?? []);

    [UnmanagedCallersOnly]
    private static long Square(long x) => x * x;

    [Theory]
    [MemberData(nameof(Forms))]
    public void LoopWithBackwardAndForwardBranchesAndStackSlots(bool got)
    {
        // sum = 0; while (n != 0) { sum += n; n -= 1; } return sum + 2^40, with sum in a high stack slot.
        var b = new FunctionBuilder(LibraryOf(got), 1);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        Emit(b, "Const", [], [Location.Stack(4000)], [0]);
        b.StartBlock(loop, 16);
        Emit(b, "JumpIfZero", [R0], [], targets: [done]);
        Emit(b, "Add", [Location.Stack(4000), R0], [Location.Stack(4000)]);
        Emit(b, "AddImm", [R0], [R0], [unchecked((ulong)-1L)]);
        b.Jump(loop);
        b.StartBlock(done);
        Emit(b, "AddImm", [Location.Stack(4000)], [R1], [1UL << 40]);
        Emit(b, "Return", [R1], []);
        using var f = b.Compile();
        Assert.Equal(4001, f.FrameSlots);
        Assert.Equal(5050 + (1L << 40), f.Invoke(100));
        Assert.Equal(1L << 40, f.Invoke(0));
        // 2^40 needs the wide movz/movk form; a GOT load takes any value, so the Mach-O form stays narrow.
        Assert.Contains($"; AddImm [s4000 -> r1] {(got ? "narrow" : "wide")}", f.Disassemble());
    }

    [Theory]
    [InlineData(10, true)]
    [InlineData(10, false)]
    [InlineData(0, true)]
    [InlineData(0, false)]
    [InlineData(-1, true)]
    [InlineData(-1, false)]
    [InlineData(300, true)]
    [InlineData(300, false)]
    public void LoopsWhoseTwoTargetBranchIsInvertedTakeBothDirections(long n, bool lessIsLoop)
    {
        // r1 = 0; r2 = 0; goto test; loop: r2 += 1; r1 += r2;
        // test: while (r2 < n) [lessIsLoop], or until (n < r2) [else]; return r1. The exit block follows the test, so
        // the test's branch pair becomes one conditional branch back to the loop (see the golden inversion tests).
        var b = new FunctionBuilder(LibraryOf(false), 1);
        var loop = b.NewBlock();
        var test = b.NewBlock();
        var exit = b.NewBlock();
        Emit(b, "Const", [], [R1], [0]);
        Emit(b, "Const", [], [R2], [0]);
        b.Jump(test);
        b.StartBlock(loop);
        Emit(b, "AddImm", [R2], [R2], [1]);
        Emit(b, "Add", [R1, R2], [R1]);
        b.StartBlock(test);
        if (lessIsLoop) Emit(b, "BranchLess", [R2, R0], [], targets: [loop, exit]);
        else Emit(b, "BranchLess", [R0, R2], [], targets: [exit, loop]);
        b.StartBlock(exit);
        Emit(b, "Return", [R1], []);
        using var f = b.Compile();
        long count = lessIsLoop ? System.Math.Max(n, 0) : n + 1;
        Assert.Equal(count <= 0 ? 0 : count * (count + 1) / 2, f.Invoke(n));
    }

    [Theory]
    [InlineData(10, 100, 55)]
    [InlineData(10, 20, -1)]
    [InlineData(0, 0, 0)]
    public void LoopWithAColdExitInItsBody(long n, long limit, long expected)
    {
        // sum = 0; while (n != 0) { if (limit < sum) return -1; sum += n; n -= 1; } return sum, the failure path cold.
        var b = new FunctionBuilder(LibraryOf(false), 2);
        var loop = b.NewBlock();
        var done = b.NewBlock();
        var tooBig = b.NewBlock(cold: true);
        var next = b.NewBlock();
        Emit(b, "Const", [], [R2], [0]);
        b.StartBlock(loop, 16);
        Emit(b, "JumpIfZero", [R0], [], targets: [done]);
        Emit(b, "BranchLess", [R1, R2], [], targets: [tooBig, next]);
        b.StartBlock(tooBig);
        Emit(b, "ReturnConst", [], [], [unchecked((ulong)-1L)]);
        b.StartBlock(next);
        Emit(b, "Add", [R2, R0], [R2]);
        Emit(b, "AddImm", [R0], [R0], [unchecked((ulong)-1L)]);
        b.Jump(loop);
        b.StartBlock(done);
        Emit(b, "Return", [R2], []);
        using var f = b.Compile();
        Assert.Equal(expected, f.Invoke(n, limit));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void ConditionalExitsAndWideConstants(bool got)
    {
        var b = new FunctionBuilder(LibraryOf(got), 2);
        var nonzero = b.NewBlock();
        Emit(b, "JumpIfNotZero", [R1], [], targets: [nonzero]);
        Emit(b, "ReturnConst", [], [], [0x1122334455667788UL]);
        b.StartBlock(nonzero);
        Emit(b, "Sub", [R0, R1], [R2]);
        Emit(b, "Return", [R2], []);
        using var f = b.Compile();
        Assert.Equal(0x1122334455667788L, f.Invoke(5, 0));
        Assert.Equal(-2, f.Invoke(5, 7));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void HostCallsNearAndThroughAFarJump(bool got)
    {
        delegate* unmanaged<long, long> square = &Square;
        using var native = NativeCode.Load(DoubleCode);
        foreach (bool far in new[] { false, true })
        {
            var b = new FunctionBuilder(LibraryOf(got), 1);
            Emit(b, "CallHost", [R0], [R1], [(ulong)native.Address]);
            Emit(b, "CallHost", [R1], [R2], [(ulong)(nint)square]);
            Emit(b, "Return", [R2], []);
            nint hint = far ? MemoryMaps.FreeAddressFarFrom(native.Address) : MemoryMaps.FreeAddressNear(native.Address);
            using var f = b.CompileNear(hint);
            Assert.Equal(36, f.Invoke(3));
            long distance = Math.Abs((long)f.EntryPoint - native.Address);
            if (far) Assert.True(distance > 1L << 32, $"placed {distance} bytes away");
            if (far)
            {
                string text = f.Disassemble();
                Assert.Contains(IsArm64 ? "veneer0:" : "trampoline0:", text);
                Assert.Contains((IsArm64 ? ".quad 0x" : "dq 0x") + ((ulong)native.Address).ToString("x"), text);
            }
            // The near callee is called directly; only it is placed by the test (Square, a managed
            // [UnmanagedCallersOnly] stub, may lie anywhere and may need a far jump of its own).
            if (!far && distance < (100 << 20))
                Assert.DoesNotContain((IsArm64 ? ".quad 0x" : "dq 0x") + ((ulong)native.Address).ToString("x"), f.Disassemble());
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void EveryExecutableRangeIsFlushedBeforeItIsMadeExecutable(bool got)
    {
        var events = new List<string>();
        var flushed = new List<(nint, nuint)>();
        InstructionCache.FlushObserver = (address, length) =>
        {
            flushed.Add((address, length));
            events.Add("flush");
        };
        ExecutableMemory.StageObserver = (_, stage) => events.Add(stage);
        CompiledFunction f;
        try
        {
            var b = new FunctionBuilder(LibraryOf(got));
            Emit(b, "ReturnConst", [], [], [7]);
            f = b.Compile();
        }
        finally
        {
            InstructionCache.FlushObserver = null;
            ExecutableMemory.StageObserver = null;
        }
        using (f)
        {
            Assert.Equal(["mapped", "written", "flush", "executable"], events);
            var (address, length) = Assert.Single(flushed);
            Assert.Equal(f.EntryPoint, address);
            Assert.Equal((nuint)Environment.SystemPageSize, length);
            Assert.Equal(7, f.Invoke());
        }
    }
}
