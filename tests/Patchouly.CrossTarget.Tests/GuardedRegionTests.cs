using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Patchouly.Runtime;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// <see cref="GuardedRegions"/> on the process's platform, with <see cref="GuardStencils"/> compiled by clang for it:
/// a JIT function that faults on a registered region returns the region's code (loads and stores, again and again, in
/// nested JIT functions and callbacks, on several threads at once), and faults that are not the handler's still reach
/// .NET (a <see cref="NullReferenceException"/> in managed code, also inside a callback called from JIT code).
/// </summary>
public unsafe partial class GuardedRegionTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1);
    private const int Page = 1 << 16;     // one accessible 64 KiB page, then no access
    private const int Reserved = 1 << 24; // 16 MiB reserved

    [ThreadStatic] private static CompiledFunction? t_inner;
    [ThreadStatic] private static int t_nullReferences;

    /// <summary>A reservation of <see cref="Reserved"/> bytes whose first <see cref="Page"/> is read-write.</summary>
    private sealed class Reservation : IDisposable
    {
        public byte* Base { get; }

        public Reservation()
        {
            if (OperatingSystem.IsWindows())
            {
                Base = (byte*)VirtualAlloc(null, Reserved, 0x2000 /* MEM_RESERVE */, 0x01 /* PAGE_NOACCESS */);
                Assert.True(Base != null && VirtualAlloc(Base, Page, 0x1000 /* MEM_COMMIT */, 0x04 /* PAGE_READWRITE */) != null);
            }
            else
            {
                Base = (byte*)Mmap(null, Reserved, 0, 0x22 | 0x4000 /* MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE */, -1, 0);
                Assert.True(Base != (byte*)-1 && Mprotect(Base, Page, 3) == 0);
            }
        }

        public void Dispose()
        {
            if (OperatingSystem.IsWindows()) VirtualFree(Base, 0, 0x8000 /* MEM_RELEASE */);
            else Munmap(Base, Reserved);
        }
    }

    private static FunctionBuilder Builder() => new(GuardStencils.Library, 1);

    /// <summary><c>f(offset) = *(long*)(region + offset) + 1</c>.</summary>
    private static CompiledFunction Load(byte* region)
    {
        var b = Builder();
        var e = new GuardStencils.Emitter(b);
        e.LoadAt(R0, region, R1);
        e.AddImm(R1, 1, R0);
        e.Return(R0);
        return b.Compile();
    }

    /// <summary><c>f(offset) = (*(long*)(region + offset) = offset) + 2</c>.</summary>
    private static CompiledFunction Store(byte* region)
    {
        var b = Builder();
        var e = new GuardStencils.Emitter(b);
        e.StoreAt(R0, R0, region);
        e.AddImm(R0, 2, R0);
        e.Return(R0);
        return b.Compile();
    }

    /// <summary><c>f(x) = callback(x) + 5</c>.</summary>
    private static CompiledFunction CallingBack(delegate* unmanaged<long, long> callback)
    {
        var b = Builder();
        var e = new GuardStencils.Emitter(b);
        e.CallHost(R0, callback, R1);
        e.AddImm(R1, 5, R0);
        e.Return(R0);
        return b.Compile();
    }

    [UnmanagedCallersOnly]
    private static long CallInner(long x) => t_inner!.Invoke(x) * 10;

    [UnmanagedCallersOnly]
    private static long ThrowNullReferenceAndCatch(long x)
    {
        try
        {
            return Dereference(null) + x;
        }
        catch (NullReferenceException)
        {
            t_nullReferences++;
            return x;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Dereference(string? text) => text!.Length;

    [Fact]
    public void A_fault_on_a_registered_region_returns_the_exit_code()
    {
        Assert.True(GuardedRegions.IsSupported, "linux-x64, linux-arm64 and win-x64 have a fault handler");
        using var memory = new Reservation();
        using var region = GuardedRegions.Register((nint)memory.Base, Reserved, exitCode: -77);
        using var load = Load(memory.Base);
        using var store = Store(memory.Base);
        *(long*)(memory.Base + 8) = 41;
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(42, load.Invoke(8));
            Assert.Equal(-77, load.Invoke(Page));               // the first byte without access
            Assert.Equal(-77, load.Invoke(Page - 4));           // straddles the boundary
            Assert.Equal(-77, load.Invoke(Reserved - 8));       // the last word
            Assert.Equal(16 + 2, store.Invoke(16));
            Assert.Equal(16, *(long*)(memory.Base + 16));
            Assert.Equal(-77, store.Invoke(Page + 8 * i));
        }
        Assert.Equal(42, load.Invoke(8)); // the function and its frame are still fine
    }

    [Fact]
    public void Each_region_has_its_own_code_and_a_disposed_region_is_not_handled_any_more()
    {
        using var a = new Reservation();
        using var b = new Reservation();
        using var inA = Load(a.Base);
        using var inB = Load(b.Base);
        var regionA = GuardedRegions.Register((nint)a.Base, Reserved, 1);
        using (GuardedRegions.Register((nint)b.Base, Reserved, 2))
        {
            Assert.Equal(1, inA.Invoke(Page));
            Assert.Equal(2, inB.Invoke(Page));
            regionA.Dispose();
            regionA.Dispose();
            Assert.True(regionA.IsDisposed);
            using var again = GuardedRegions.Register((nint)a.Base + Page, Reserved - Page, 3); // reuses the free entry
            Assert.Equal(3, inA.Invoke(Page));
            Assert.Equal(2, inB.Invoke(Page));
        }
    }

    [Fact]
    public void Managed_null_references_are_still_dotnet_exceptions_after_the_handler_is_installed()
    {
        using var memory = new Reservation();
        using var region = GuardedRegions.Register((nint)memory.Base, Reserved, 9);
        for (int i = 0; i < 100; i++)
            Assert.Throws<NullReferenceException>(() => Dereference(null));
        // Inside a callback that JIT code calls: the fault is in managed code, .NET turns it into the exception.
        using var f = CallingBack(&ThrowNullReferenceAndCatch);
        t_nullReferences = 0;
        for (long x = 0; x < 50; x++) Assert.Equal(x + 5, f.Invoke(x));
        Assert.Equal(50, t_nullReferences);
    }

    [Fact]
    public void A_fault_exits_only_the_innermost_jit_function()
    {
        using var memory = new Reservation();
        using var region = GuardedRegions.Register((nint)memory.Base, Reserved, 100);
        *(long*)memory.Base = 6;
        using var inner = Load(memory.Base);
        using var outer = CallingBack(&CallInner); // outer(x) = inner(x) * 10 + 5, through a managed callback
        t_inner = inner;
        Assert.Equal(7 * 10 + 5, outer.Invoke(0));
        Assert.Equal(100 * 10 + 5, outer.Invoke(Page)); // inner faulted and returned 100; outer went on
        Assert.Equal(7 * 10 + 5, outer.Invoke(0));

        // Functions of a module calling each other through their slots: the callee's fault returns to the caller.
        var module = new JitModule(GuardStencils.Library);
        var callee = module.DefineFunction(1, "callee");
        var caller = module.DefineFunction(1, "caller");
        var ce = new GuardStencils.Emitter(callee);
        ce.LoadAt(R0, memory.Base, R1);
        ce.Return(R1);
        var cr = new GuardStencils.Emitter(caller);
        cr.CallSlot(R0, (delegate* unmanaged<long, long>*)module.SlotAddress(callee), R1);
        cr.AddImm(R1, 1000, R0);
        cr.Return(R0);
        using var compiled = module.Compile();
        var call = compiled.GetFunction("caller");
        Assert.Equal(6 + 1000, call.Invoke(0));
        Assert.Equal(100 + 1000, call.Invoke(Page));
        Assert.Equal(6 + 1000, call.Invoke(0));
    }

    [Fact]
    public void Faults_on_several_threads_at_once_each_return_their_code()
    {
        const int threads = 4;
        var memories = new Reservation[threads];
        var regions = new GuardedRegion[threads];
        var functions = new CompiledFunction[threads];
        try
        {
            for (int t = 0; t < threads; t++)
            {
                memories[t] = new Reservation();
                regions[t] = GuardedRegions.Register((nint)memories[t].Base, Reserved, 1000 + t);
                functions[t] = Load(memories[t].Base);
                *(long*)memories[t].Base = t;
            }
            int failures = 0;
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int id = t;
                workers[t] = new Thread(() =>
                {
                    for (int i = 0; i < 2000; i++)
                    {
                        if (functions[id].Invoke(0) != id + 1) Interlocked.Increment(ref failures);
                        if (functions[id].Invoke(Page + 8L * (i % 1000)) != 1000 + id) Interlocked.Increment(ref failures);
                        if (i % 200 == 0)
                            try { Dereference(null); Interlocked.Increment(ref failures); }
                            catch (NullReferenceException) { }
                    }
                });
                workers[t].Start();
            }
            foreach (var w in workers) w.Join();
            Assert.Equal(0, failures);
        }
        finally
        {
            for (int t = 0; t < threads; t++)
            {
                functions[t]?.Dispose();
                regions[t]?.Dispose();
                memories[t]?.Dispose();
            }
        }
    }

    /// <summary>The argument of <see cref="Program.Main"/> that runs <see cref="FaultUnhandled"/> in a child process.</summary>
    public const string UnhandledFaultMode = "--guarded-region-unhandled-fault";

    /// <summary>
    /// In a child process: with a region registered and the handler installed, makes a fault the handler must pass on
    /// (<paramref name="mode"/> "jit": JIT code on an unregistered address; "managed": managed code on a registered one).
    /// .NET's handler then ends the process; printing "swallowed" means the fault was not passed on.
    /// </summary>
    public static int FaultUnhandled(string mode)
    {
        var registered = new Reservation();
        var unregistered = new Reservation();
        using var region = GuardedRegions.Register((nint)registered.Base, Reserved, 5);
        using var check = Load(registered.Base);
        Assert.Equal(5, check.Invoke(Page)); // the handler works
        Console.WriteLine("installed");
        Console.Out.Flush();
        long value = mode == "jit" ? Load(unregistered.Base).Invoke(Page) : *(long*)(registered.Base + Page);
        Console.WriteLine($"swallowed {value}");
        return 0;
    }

    [Theory]
    [InlineData("jit")]
    [InlineData("managed")]
    public void A_fault_the_handler_does_not_own_still_ends_the_process(string mode)
    {
        // A child process of this test executable; only natively on Linux x86-64 (qemu-user cannot start a child of
        // another architecture, and wine's crash reporting can hang).
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        string exe = System.IO.Path.Combine(AppContext.BaseDirectory, "Patchouly.CrossTarget.Tests");
        Assert.True(System.IO.File.Exists(exe), $"{exe} is missing");
        var psi = new System.Diagnostics.ProcessStartInfo(exe, [UnhandledFaultMode, mode])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        using var child = System.Diagnostics.Process.Start(psi)!;
        string stdout = child.StandardOutput.ReadToEnd(); // the crash report on stderr is small: read after
        string stderr = child.StandardError.ReadToEnd();
        Assert.True(child.WaitForExit(60_000), "the child did not end");
        Assert.Contains("installed", stdout);
        Assert.DoesNotContain("swallowed", stdout);
        Assert.True(child.ExitCode != 0, $"exit code 0; stderr: {stderr}");
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GuardedRegions.Register(0, 4096, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GuardedRegions.Register(4096, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GuardedRegions.Register(-4096, 8192, 1));
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("kernel32", EntryPoint = "VirtualAlloc")]
    private static partial void* VirtualAlloc(void* address, nuint size, uint type, uint protect);

    [LibraryImport("kernel32", EntryPoint = "VirtualFree")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool VirtualFree(void* address, nuint size, uint type);
}
