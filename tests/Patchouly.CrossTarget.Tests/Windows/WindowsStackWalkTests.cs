using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Patchouly.Runtime.Memory;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.CrossTarget.Tests.Windows;

/// <summary>
/// Windows x64 only (compiled into the win-x64 build of this project): the system's unwinder walks through JIT frames.
/// Three functions of a module call each other, <c>h → f → g</c>; g first calls a native stub that jumps to
/// <c>RtlCaptureContext</c> (so the context captured is g's, right after that call), then a managed callback that walks
/// the stack from that context with <c>RtlLookupFunctionEntry</c> and <c>RtlVirtualUnwind</c>, while every frame is
/// still live. With the unwind information the runtime registers, the walk must go from g to the exact function that
/// called it (f), then to h, then out of the JIT code. Without it (the registration switched off), the same walk is lost
/// after the first frame: the test can fail.
/// </summary>
[Collection(nameof(WindowsUnwindCollection))]
public unsafe class WindowsStackWalkTests
{
    private const int ContextSize = 1232, ContextRsp = 0x98, ContextRip = 0xF8;

    private static byte* s_context;
    private static (ulong Start, ulong End)[] s_ranges = [];
    private static List<(ulong Rip, ulong Rsp, int Function)>? s_frames;

    /// <summary>The libraries to walk through: the hand-made one and the clang-built one (its win-x64 tables).</summary>
    public static TheoryData<string> Libraries() => new() { "hand-made", "clang" };

    private static StencilLibrary Library(string name) => name == "clang" ? CallbackStencils.Library : TestStencils.Library;

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_unwinder_walks_from_a_host_call_through_every_jit_frame(string library)
    {
        var frames = WalkThroughModule(Library(library));
        Assert.True(frames.Count >= 4, Describe(frames));
        Assert.Equal(2, frames[0].Function); // g, right after its call of the capturing stub
        Assert.Equal(1, frames[1].Function); // f, right after its call of g
        Assert.Equal(0, frames[2].Function); // h, right after its call of f
        Assert.Equal(-1, frames[3].Function); // the managed caller
        Assert.NotEqual(0UL, frames[3].Rip);
        for (int i = 1; i < frames.Count; i++) Assert.True(frames[i].Rsp > frames[i - 1].Rsp, Describe(frames));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Without_the_registration_the_walk_is_lost(string library)
    {
        WindowsFunctionTable.Enabled = false;
        try
        {
            var frames = WalkThroughModule(Library(library));
            Assert.Equal(2, frames[0].Function);
            Assert.False(frames.Count > 1 && frames[1].Function == 1, Describe(frames));
        }
        finally
        {
            WindowsFunctionTable.Enabled = true;
        }
    }

    /// <summary>Compiles h → f → g, runs h, and returns the frames the callback saw (each with its function: 0 h, 1 f, 2 g, -1 none).</summary>
    private static List<(ulong Rip, ulong Rsp, int Function)> WalkThroughModule(StencilLibrary library)
    {
        s_context = (byte*)NativeMemory.AlignedAlloc(ContextSize, 16);
        using var stub = CaptureStub(s_context);
        try
        {
            var module = new JitModule(library);
            var h = module.DefineFunction(1, "h");
            var f = module.DefineFunction(1, "f");
            var g = module.DefineFunction(1, "g");
            var r0 = Location.Register(0);
            void Emit(FunctionBuilder b, string family, ulong hole) => b.Emit(library.GetFamily(family), [r0], [r0], [hole], []);
            Emit(h, "CallSlot", (ulong)module.SlotAddress(f));
            h.Emit(library.GetFamily("Return"), [r0], [], [], []);
            Emit(f, "AddImm", 1);
            Emit(f, "CallSlot", (ulong)module.SlotAddress(g));
            f.Emit(library.GetFamily("Return"), [r0], [], [], []);
            g.Emit(library.GetFamily("CallHost"), [r0], [Location.Register(1)], [(ulong)stub.Address], []); // its result is garbage
            Emit(g, "CallHost", (ulong)(nint)(delegate* unmanaged<long, long>)&WalkFromCapturedContext);
            g.Emit(library.GetFamily("Return"), [r0], [], [], []);
            using var compiled = module.Compile();
            s_ranges = new (ulong, ulong)[3];
            for (int i = 0; i < 3; i++)
            {
                var fn = compiled[i];
                s_ranges[i] = ((ulong)fn.EntryPoint, (ulong)fn.EntryPoint + (ulong)fn.Code.Length);
            }
            s_frames = null;
            Assert.Equal(42, compiled[0].Invoke(41)); // the walking callback returns its argument
            return s_frames ?? throw new InvalidOperationException("the callback did not run");
        }
        finally
        {
            NativeMemory.AlignedFree(s_context);
            s_context = null;
        }
    }

    /// <summary><c>mov rcx, context; mov rax, RtlCaptureContext; jmp rax</c>: captures the context of its caller.</summary>
    private static ExecutableMemory CaptureStub(byte* context)
    {
        nint capture = NativeLibrary.GetExport(NativeLibrary.Load("ntdll.dll"), "RtlCaptureContext");
        var code = new List<byte> { 0x48, 0xB9 };
        code.AddRange(BitConverter.GetBytes((ulong)context));
        code.AddRange([0x48, 0xB8]);
        code.AddRange(BitConverter.GetBytes((ulong)capture));
        code.AddRange([0xFF, 0xE0]);
        var memory = ExecutableMemory.Allocate(code.Count);
        code.ToArray().CopyTo(memory.Writable);
        memory.MakeExecutable();
        return memory;
    }

    [UnmanagedCallersOnly]
    private static long WalkFromCapturedContext(long value)
    {
        var frames = new List<(ulong, ulong, int)>();
        for (int i = 0; i < 8; i++)
        {
            ulong rip = *(ulong*)(s_context + ContextRip), rsp = *(ulong*)(s_context + ContextRsp);
            int function = Array.FindIndex(s_ranges, r => rip >= r.Start && rip < r.End);
            frames.Add((rip, rsp, function));
            if (function < 0) break; // out of the JIT code: the walk's job is done
            ulong imageBase;
            void* entry = RtlLookupFunctionEntry(rip, &imageBase, null);
            if (entry == null)
            {
                // A leaf function, as far as the system knows: the return address is at rsp.
                *(ulong*)(s_context + ContextRip) = *(ulong*)rsp;
                *(ulong*)(s_context + ContextRsp) = rsp + 8;
            }
            else
            {
                void* handlerData;
                ulong establisherFrame;
                RtlVirtualUnwind(0, imageBase, rip, entry, s_context, &handlerData, &establisherFrame, null);
            }
        }
        s_frames = frames;
        return value;
    }

    private static string Describe(List<(ulong Rip, ulong Rsp, int Function)> frames) =>
        string.Join(" <- ", frames.ConvertAll(f => $"{(f.Function switch { 0 => "h", 1 => "f", 2 => "g", _ => "?" })}@0x{f.Rip:x}/0x{f.Rsp:x}"))
        + "; functions " + string.Join(", ", Array.ConvertAll(s_ranges, r => $"0x{r.Start:x}-0x{r.End:x}"));

    [DllImport("ntdll.dll")]
    private static extern void* RtlLookupFunctionEntry(ulong controlPc, ulong* imageBase, void* history);

    [DllImport("ntdll.dll")]
    private static extern void* RtlVirtualUnwind(uint handlerType, ulong imageBase, ulong controlPc, void* functionEntry, void* context,
        void** handlerData, ulong* establisherFrame, void* contextPointers);
}

/// <summary>The stack-walk tests switch the registration off for one test: they do not run in parallel.</summary>
[CollectionDefinition(nameof(WindowsUnwindCollection), DisableParallelization = true)]
public sealed class WindowsUnwindCollection;
