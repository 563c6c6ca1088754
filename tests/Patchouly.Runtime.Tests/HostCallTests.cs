using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Calls from JIT code to host functions whose addresses are hole values.</summary>
[Collection(nameof(ProcessWideCollection))]
public class HostCallTests
{
    private const long TwoGiB = 1L << 31;

    [UnmanagedCallersOnly]
    private static long Triple(long x)
    {
        // Managed work that allocates and collects, so a misaligned or corrupted frame would show.
        string text = string.Create(CultureInfo.InvariantCulture, $"value {x}");
        var list = new List<string> { text, text + "!" };
        GC.Collect(0);
        return x * 3 + list[1].Length - text.Length - 1;
    }

    [UnmanagedCallersOnly]
    private static long Negate(long x) => -x;

    /// <summary>A placement hint in free address space more than 4 GiB away from <paramref name="address"/>.</summary>
    private static nint Far(nint address) => MemoryMaps.FreeAddressFarFrom(address);

    private static long Distance(nint a, nint b) => Math.Abs((long)a - (long)b);

    /// <summary>
    /// Compiles the function <paramref name="build"/> makes, placed within 2 GiB of <paramref name="callee"/>
    /// (<paramref name="far"/>: more than 4 GiB away). A placement hint is only a hint: other tests of the process map
    /// memory concurrently and may take the free range chosen from /proc/self/maps before this mapping is made, so a
    /// missed placement is retried with a fresh hint (and fails the test only if it keeps missing).
    /// </summary>
    private static CompiledFunction CompilePlaced(Func<FunctionBuilder> build, nint callee, bool far)
    {
        for (int attempt = 0; ; attempt++)
        {
            var f = build().CompileNear(far ? Far(callee) : MemoryMaps.FreeAddressNear(callee));
            nint entry = f.EntryPoint;
            long distance = Distance(callee, entry);
            if (far ? distance > TwoGiB + (1L << 24) : distance < TwoGiB - (1L << 24)) return f;
            f.Dispose();
            Assert.True(attempt < 8, $"the kernel placed the code at 0x{entry:x}, {(far ? "near" : "far from")} 0x{callee:x}, on 9 attempts");
        }
    }

    [Fact]
    public unsafe void ManagedCallbackThroughCallRel32()
    {
        delegate* unmanaged<long, long> triple = &Triple;
        using var f = Compile(e =>
        {
            e.CallHost(R0, triple, R1);
            e.CallHost(R1, triple, S(2));
            e.Return(S(2));
        }, parameters: 1);
        Assert.Equal(9 * 5, f.Invoke(5));
        Assert.Contains("; CallHost [r0 -> r1] narrow", f.Disassemble());
        long distance = Distance((nint)triple, f.EntryPoint);
        if (distance < TwoGiB - (1 << 20)) Assert.Equal(0, f.TrampolineCount);
        if (distance > TwoGiB + (1 << 20)) Assert.Equal(1, f.TrampolineCount); // both calls share one
    }

    [Fact]
    public unsafe void FarCalleeGoesThroughASharedTrampoline()
    {
        delegate* unmanaged<long, long> triple = &Triple;
        delegate* unmanaged<long, long> negate = &Negate;
        using var f = CompilePlaced(() =>
        {
            var b = Builder(1);
            var e = new TestEmitter(b);
            e.CallHost(R0, triple, R1);
            e.CallHost(R1, negate, R2);
            e.CallHost(R2, triple, R0);
            e.Return(R0);
            return b;
        }, (nint)triple, far: true);
        Assert.True(Distance((nint)triple, f.EntryPoint) > TwoGiB, $"the kernel did not honour the placement hint (code at 0x{f.EntryPoint:x}, callee at 0x{(nint)triple:x})");
        int expected = 1 + (Distance((nint)negate, f.EntryPoint) > TwoGiB ? 1 : 0);
        Assert.Equal(expected, f.TrampolineCount);
        Assert.Equal(-9 * 7, f.Invoke(7));
        string text = f.Disassemble();
        Assert.Contains("trampoline0:", text);
        Assert.Contains("call trampoline0", text);
        Assert.Contains($"dq 0x{(ulong)triple:x}", text);
    }

    [Fact]
    public unsafe void NearCalleeIsCalledDirectlyAndTheStackIsAligned()
    {
        using var probe = NativeCode.Load(NativeCode.StackAlignmentProbe, MemoryMaps.RoomyAddress());
        var fn = (delegate* unmanaged<long, long>)probe.Address;
        using var f = CompilePlaced(() =>
        {
            var b = Builder(1);
            var e = new TestEmitter(b);
            e.CallHost(R0, fn, S(0));
            e.Return(S(0));
            return b;
        }, probe.Address, far: false);
        Assert.True(Distance(probe.Address, f.EntryPoint) < TwoGiB, "the kernel placed the code far away");
        Assert.Equal(0, f.TrampolineCount);
        Assert.Equal((21L << 4) | 8, f.Invoke(21));
    }

    [Fact]
    public unsafe void FarNativeCalleeThroughTheTrampolineSeesAnAlignedStack()
    {
        using var probe = NativeCode.Load(NativeCode.StackAlignmentProbe, MemoryMaps.RoomyAddress());
        var fn = (delegate* unmanaged<long, long>)probe.Address;
        using var f = CompilePlaced(() =>
        {
            var b = Builder(1);
            var e = new TestEmitter(b);
            e.CallHost(R0, fn, R2);
            e.Return(R2);
            return b;
        }, probe.Address, far: true);
        Assert.True(Distance(probe.Address, f.EntryPoint) > TwoGiB, "the kernel did not honour the placement hint");
        Assert.Equal(1, f.TrampolineCount);
        Assert.Equal((3L << 4) | 8, f.Invoke(3));
    }

    [Fact]
    public unsafe void WideCallThroughARegister()
    {
        // CallHostAbs's narrow variant takes only addresses below 4 GiB (mov eax, imm32); others need movabs + call rax.
        delegate* unmanaged<long, long> triple = &Triple;
        using var probe = NativeCode.Load(NativeCode.StackAlignmentProbe, MemoryMaps.RoomyAddress());
        var fn = (delegate* unmanaged<long, long>)probe.Address;
        using var f = Compile(e =>
        {
            e.CallHostAbs(R0, triple, R1);
            e.CallHostAbs(R1, fn, R1);
            e.Return(R1);
        }, parameters: 1);
        Assert.Equal((12L << 4) | 8, f.Invoke(4));
        string text = f.Disassemble();
        Assert.Contains($"; CallHostAbs [r0 -> r1] {((ulong)triple > uint.MaxValue ? "wide" : "narrow")}", text);
        Assert.Contains($"; CallHostAbs [r1 -> r1] {((ulong)fn > uint.MaxValue ? "wide" : "narrow")}", text);
        Assert.Equal(0, f.TrampolineCount);
    }

    [Fact]
    public unsafe void TailCallToAHostFunction()
    {
        using var probe = NativeCode.Load(NativeCode.StackAlignmentProbe, MemoryMaps.RoomyAddress());
        var fn = (delegate* unmanaged<long, long>)probe.Address;
        foreach (bool far in new[] { false, true })
        {
            using var f = CompilePlaced(() =>
            {
                var b = Builder(1);
                var e = new TestEmitter(b);
                e.AddImm8(R0, 1, R1);
                e.TailCallHost(R1, fn);
                return b;
            }, probe.Address, far);
            Assert.Equal(far ? 1 : 0, f.TrampolineCount);
            Assert.Equal((6L << 4) | 8, f.Invoke(5));
        }
    }

    private static readonly ManualResetEventSlim s_entered = new();
    private static readonly ManualResetEventSlim s_release = new();

    [UnmanagedCallersOnly]
    private static long Blocking(long x)
    {
        s_entered.Set();
        s_release.Wait(TimeSpan.FromSeconds(30));
        return x + 1;
    }

    private static unsafe CompiledFunction CompileBlockingCall()
    {
        delegate* unmanaged<long, long> blocking = &Blocking;
        return Compile(e =>
        {
            e.CallHost(R0, blocking, R0);
            e.Return(R0);
        }, parameters: 1);
    }

    [Fact]
    public async Task DisposeWhileRunningIsDeferredUntilTheCallReturns()
    {
        var f = CompileBlockingCall();
        nint address = f.EntryPoint;
        var running = Task.Run(() => f.Invoke(41));
        Assert.True(s_entered.Wait(TimeSpan.FromSeconds(30)));
        f.Dispose();
        Assert.True(f.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => f.Invoke(1));
        Assert.NotEmpty(MemoryMaps.Permissions(address, 1)); // still mapped: the running call holds it
        if (f.Memory.IsFileBacked) Assert.False(MemoryMaps.HoldsOnlyTraps(address, 16)); // and its code is still there
        s_release.Set();
        Assert.Equal(42, await running);
        Assert.DoesNotContain("r-xp", MemoryMaps.Permissions(address, 1)); // unmapped once the call returned
        if (f.Memory.IsFileBacked) Assert.True(MemoryMaps.HoldsOnlyTraps(address, 16)); // or, in the code file, filled with int3
    }
}
