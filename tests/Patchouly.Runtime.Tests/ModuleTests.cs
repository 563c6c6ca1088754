using System;
using System.Linq;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>Several functions in one allocation, calling each other through the module's slot table.</summary>
public unsafe class ModuleTests
{
    /// <summary><c>f(n) = n == 0 ? atZero : other(n - 1)</c>, calling <paramref name="other"/> through its slot.</summary>
    private static void EmitParity(JitModule module, FunctionBuilder f, FunctionBuilder other, long atZero)
    {
        var e = new TestEmitter(f);
        var zero = f.NewBlock();
        e.JumpIfZero(R0, zero);
        e.AddImm8(R0, -1, R0);
        e.CallSlot(R0, module.SlotAddress(other), R0);
        e.Return(R0);
        f.StartBlock(zero);
        e.ReturnConst(atZero);
    }

    [Fact]
    public void EvenAndOddAreMutuallyRecursive()
    {
        var module = new JitModule(TestStencils.Library);
        var even = module.DefineFunction(1, "even");
        var odd = module.DefineFunction(1, "odd");
        EmitParity(module, even, odd, 1); // even calls odd, which is emitted later
        EmitParity(module, odd, even, 0);
        using var compiled = module.Compile();

        var isEven = compiled.GetFunction(even);
        var isOdd = compiled.GetFunction("odd");
        Assert.Same(isEven, compiled[0]);
        Assert.Same(isOdd, compiled.Functions[1]);
        Assert.Same(compiled, isEven.Module);
        foreach (long n in new long[] { 0, 1, 2, 7, 10, 501, 1000 })
        {
            Assert.Equal(n % 2 == 0 ? 1 : 0, isEven.Invoke(n));
            Assert.Equal(n % 2 == 1 ? 1 : 0, isOdd.Invoke(n));
        }
        Assert.True(module.IsCompiled);
        Assert.True(even.IsCompiled && odd.IsCompiled);
    }

    [Fact]
    public void OneAllocationHoldsEveryFunctionAndSlotsHoldTheEntryPoints()
    {
        var module = new JitModule(TestStencils.Library);
        var a = module.DefineFunction(1);
        var b = module.DefineFunction(1);
        Assert.Equal("f0", a.Name);
        Assert.Equal("f1", b.Name);
        Assert.Same(module, a.Module);
        Assert.Equal([a, b], module.Functions);
        nint slotA = module.SlotAddress(a), slotB = module.SlotAddress(b);
        Assert.Equal(8, Math.Abs(slotB - slotA));
        Assert.Equal(0, *(nint*)slotA); // filled by Compile

        new TestEmitter(a).CallSlot(R0, slotB, R1);
        new TestEmitter(a).AddImm8(R1, 1, R1);
        new TestEmitter(a).Return(R1);
        new TestEmitter(b).AddImm8(R0, 10, R0);
        new TestEmitter(b).Return(R0);
        using var compiled = module.Compile();

        Assert.Equal(compiled[0].EntryPoint, *(nint*)slotA);
        Assert.Equal(compiled[1].EntryPoint, *(nint*)slotB);
        Assert.Equal(compiled.Address, compiled[0].EntryPoint);
        Assert.True(compiled[1].EntryPoint > compiled[0].EntryPoint);
        Assert.True(compiled[1].EntryPoint < compiled.Address + compiled.Code.Length);
        Assert.Equal(0, (compiled[1].EntryPoint - compiled.Address) % 16);
        Assert.Equal([Memory.CodeFile.IsEnabled ? "r-xs" : "r-xp"], MemoryMaps.Permissions(compiled.Address, compiled.Code.Length).Distinct());
        Assert.DoesNotContain(MemoryMaps.Permissions(slotA, 8), p => p.Contains('x')); // the slot table is data
        Assert.Equal(14, compiled[0].Invoke(3));
        Assert.Equal(13, compiled[1].Invoke(3));

        // Each function's view: its entry shim and body, within the module's code.
        var f = compiled[1];
        Assert.Equal(compiled.Code.Slice((int)(f.EntryPoint - compiled.Address), f.Code.Length).ToArray(), f.Code.ToArray());
        Assert.Equal(0x55, f.Code[0]); // push rbp
        string text = compiled.Disassemble();
        Assert.Contains("; function f0", text);
        Assert.Contains("; function f1", text);
        Assert.Contains("; CallSlot [r0 -> r1] wide", text);
        Assert.Contains("call [rax]", text.Replace("qword ", "", StringComparison.Ordinal));
        Assert.Contains("f1", compiled[1].ToString());
    }

    [Fact]
    public void AForwardReferenceToAFunctionDefinedLater()
    {
        var module = new JitModule(TestStencils.Library);
        var main = module.DefineFunction(1, "main");
        var e = new TestEmitter(main);
        // main's body needs helper's slot, but helper is only defined afterwards: define it now, emit it later.
        var helper = module.DefineFunction(1, "helper");
        e.CallSlot(R0, module.SlotAddress(helper), S(0));
        e.CallSlot(S(0), module.SlotAddress(helper), R1);
        e.Return(R1);
        new TestEmitter(helper).Add(R0, R0, R0);
        new TestEmitter(helper).Return(R0);
        using var compiled = module.Compile();
        Assert.Equal(20, compiled.GetFunction(main).Invoke(5));
    }

    [Fact]
    public void ASlotInTheLowTwoGigabytesIsCalledThroughTheNarrowVariant()
    {
        // A slot of our own (RW memory) placed low, holding the entry point of a module function.
        var module = new JitModule(TestStencils.Library);
        var target = module.DefineFunction(1, "target");
        new TestEmitter(target).AddImm8(R0, 5, R0);
        new TestEmitter(target).Return(R0);
        using var compiled = module.Compile();
        using var low = ExecutableMemory.Allocate(8, 0x4000_0000);
        if ((long)low.Address >= int.MaxValue) return; // the kernel did not honour the hint: nothing to test
        MemoryMarshal.Write(low.Writable, compiled[0].EntryPoint);

        var b = Builder(1);
        new TestEmitter(b).CallSlot(R0, low.Address, R2);
        new TestEmitter(b).Return(R2);
        using var f = b.Compile();
        Assert.Equal(12, f.Invoke(7));
        Assert.Contains("; CallSlot [r0 -> r2] narrow", f.Disassemble());
    }

    [Fact]
    public void FunctionsOfAModuleCanBeEmittedOnSeveralThreads()
    {
        // Defined on one thread, emitted in parallel (each builder by one thread at a time), compiled together:
        // f_i(n) = n == 0 ? i : f_(i+1 mod count)(n - 1), so f_0(n) = n mod count.
        const int count = 300;
        var module = new JitModule(TestStencils.Library);
        var functions = Enumerable.Range(0, count).Select(i => module.DefineFunction(1)).ToArray();
        System.Threading.Tasks.Parallel.For(0, count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var f = functions[i];
            var e = new TestEmitter(f);
            var zero = f.NewBlock();
            for (int k = 0; k < 50; k++) e.AddImm8(R0, 0, R0);
            e.JumpIfZero(R0, zero);
            e.AddImm8(R0, -1, R0);
            e.CallSlot(R0, module.SlotAddress(functions[(i + 1) % count]), R0);
            e.Return(R0);
            f.StartBlock(zero);
            e.ReturnConst(i);
        });
        using var compiled = module.Compile();
        foreach (long n in new long[] { 0, 1, 2, 150, 299, 300, 450 })
            Assert.Equal(n % count, compiled[0].Invoke(n));
        for (int i = 0; i < count; i += 37) Assert.Equal(i, compiled[i].Invoke(0));
    }

    [Fact]
    public void DisposingTheModuleUnmapsEveryFunction()
    {
        var module = new JitModule(TestStencils.Library);
        var a = module.DefineFunction();
        new TestEmitter(a).ReturnConst(3);
        var compiled = module.Compile();
        var f = compiled[0];
        f.Dispose(); // the module owns the memory: disposing a function of it does nothing
        Assert.False(f.IsDisposed);
        Assert.Equal(3, f.Invoke());
        Assert.Equal(0x55, f.Code[0]); // read before disposal: the copy is made now and kept
        compiled.Dispose();
        compiled.Dispose();
        Assert.True(compiled.IsDisposed);
        Assert.True(f.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => f.Invoke());
        Assert.Throws<ObjectDisposedException>(() => f.EntryPoint);
        Assert.Equal(0x55, f.Code[0]); // the copy stays readable
        Assert.Equal(compiled.Code[..f.Code.Length].ToArray(), f.Code.ToArray()); // one copy for the whole module
    }

    [Fact]
    public void AReferencedFunctionKeepsTheModuleAlive()
    {
        var f = CompileAndDropModule();
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(f.IsDisposed);
        Assert.Equal(1, f.Invoke(8)); // calls its sibling through the slot table
        GC.KeepAlive(f);

        static CompiledFunction CompileAndDropModule()
        {
            var module = new JitModule(TestStencils.Library);
            var even = module.DefineFunction(1, "even");
            var odd = module.DefineFunction(1, "odd");
            EmitParity(module, even, odd, 1);
            EmitParity(module, odd, even, 0);
            return module.Compile()[0];
        }
    }

    [Fact]
    public void FarHostCallsOfAllFunctionsShareTrampolines()
    {
        using var probe = NativeCode.Load(NativeCode.Double);
        var fn = (delegate* unmanaged<long, long>)probe.Address;
        var module = new JitModule(TestStencils.Library);
        for (int i = 0; i < 3; i++)
        {
            var f = module.DefineFunction(1);
            new TestEmitter(f).CallHost(R0, fn, R1);
            new TestEmitter(f).Return(R1);
        }
        using var compiled = module.CompileNear(MemoryMaps.FreeAddressFarFrom(probe.Address));
        Assert.True(Math.Abs(compiled.Address - probe.Address) > 1L << 31, "the kernel did not honour the placement hint");
        Assert.Equal(1, compiled.TrampolineCount);
        Assert.All(compiled.Functions, f => Assert.Equal(1, f.TrampolineCount));
        Assert.Equal(42, compiled[2].Invoke(21));
        Assert.Contains("call trampoline0", compiled[1].Disassemble());
    }

    [Fact]
    public void FunctionsOfAModuleAreCompiledWithTheModule()
    {
        var module = new JitModule(TestStencils.Library);
        var f = module.DefineFunction(0, "lonely");
        new TestEmitter(f).ReturnConst(1);
        var e = Assert.Throws<StencilEmitException>(() => f.Compile());
        Assert.Contains("lonely", e.Message);
        Assert.Contains("JitModule.Compile", e.Message);
        using var compiled = module.Compile();
        Assert.Equal(1, compiled[0].Invoke());

        Assert.Contains("already compiled", Assert.Throws<StencilEmitException>(() => module.Compile()).Message);
        Assert.Throws<StencilEmitException>(() => module.DefineFunction());
        Assert.Contains("cannot be reset", Assert.Throws<StencilEmitException>(() => f.Reset()).Message);
        Assert.Throws<StencilEmitException>(() => new TestEmitter(f).ReturnConst(2));
    }

    [Fact]
    public void AnIncompleteFunctionIsNamedAndTheModuleCanBeFixed()
    {
        var module = new JitModule(TestStencils.Library);
        var good = module.DefineFunction(1, "good");
        var bad = module.DefineFunction(1, "bad");
        new TestEmitter(good).Return(R0);
        new TestEmitter(bad).AddImm8(R0, 1, R0); // runs off the end
        var error = Assert.Throws<FunctionCompileException>(() => module.Compile());
        Assert.Equal("bad", error.Function);
        Assert.Equal("AddImm8", error.Stencil);
        Assert.Contains("Function bad of the module", error.Message);
        Assert.Contains("runs off the end", error.Message);
        Assert.False(module.IsCompiled);

        new TestEmitter(bad).Return(R0);
        using var compiled = module.Compile();
        Assert.Equal(4, compiled.GetFunction(bad).Invoke(3));
        Assert.Equal(3, compiled.GetFunction(good).Invoke(3));
    }

    [Fact]
    public void MisuseOfModules()
    {
        Assert.Throws<ArgumentNullException>(() => new JitModule(null!));
        var module = new JitModule(TestStencils.Library);
        Assert.Contains("no functions", Assert.Throws<FunctionCompileException>(() => module.Compile()).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => module.DefineFunction(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => module.DefineFunction(-1));
        Assert.Empty(module.Functions);

        var standalone = Builder();
        standalone.Name = "solo";
        var e = Assert.Throws<ArgumentException>(() => module.SlotAddress(standalone));
        Assert.Equal("function", e.ParamName);
        Assert.Contains("solo", e.Message);
        Assert.Contains("not a function of a module", e.Message);
        var other = new JitModule(TestStencils.Library).DefineFunction(0, "stranger");
        Assert.Contains("another module", Assert.Throws<ArgumentException>(() => module.SlotAddress(other)).Message);
        Assert.Throws<ArgumentNullException>(() => module.SlotAddress(null!));

        var f = module.DefineFunction();
        new TestEmitter(f).ReturnConst(1);
        using var compiled = module.Compile();
        Assert.Contains("stranger", Assert.Throws<ArgumentException>(() => compiled.GetFunction(other)).Message);
        Assert.Throws<System.Collections.Generic.KeyNotFoundException>(() => compiled.GetFunction("nobody"));
        Assert.Null(Builder().Module);
    }
}
