using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Runtime;
using Patchouly.Runtime.Managed;
using Patchouly.Runtime.Tables;
using Patchouly.Samples.Calc;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// The managed engine (each stencil a call of its C# method, compiled to IL or interpreted) against the native one, on
/// the process's platform: the Calc sample's random expressions, modules calling each other through their slots, a
/// library without native code, and misuse (the same exceptions and messages as native code).
/// </summary>
public class ManagedEngineTests
{
    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1);

    public static TheoryData<ExecutionEngine> ManagedEngines => [ExecutionEngine.Managed, ExecutionEngine.Interpreter];

    [Fact]
    public void Engine_reason_says_which_engine_was_asked_for()
    {
        var expression = Parser.Parse("a + 1");
        using var native = CalcCompiler.Compile(expression);
        using var managed = CalcCompiler.Compile(expression, engine: ExecutionEngine.Managed);
        using var interpreted = CalcCompiler.Compile(expression, engine: ExecutionEngine.Interpreter);
        Assert.Null(native.Function.EngineReason);
        Assert.Equal("The managed engine was selected (FunctionBuilder.Engine, JitModule.Engine or PATCHOULY_ENGINE).", managed.Function.EngineReason);
        Assert.Equal("The interpreter was selected (FunctionBuilder.Engine, JitModule.Engine or PATCHOULY_ENGINE).", interpreted.Function.EngineReason);
    }

    [Fact]
    public void Calc_random_expressions_agree_on_every_engine()
    {
        var values = new EdgeValues(20261207);
        int compared = 0, differences = 0, exceptions = 0;
        var report = new List<string>();
        for (int i = 0; i < 120; i++)
        {
            string text = CalcTests.RandomExpression(values, depth: 1 + values.Next(6));
            var expression = Parser.Parse(text);
            using var native = CalcCompiler.Compile(expression);
            using var managed = CalcCompiler.Compile(expression, engine: ExecutionEngine.Managed);
            using var interpreted = CalcCompiler.Compile(expression, engine: ExecutionEngine.Interpreter);
            Assert.Equal(ExecutionEngine.Native, native.Function.Engine);
            Assert.Equal(ExecutionEngine.Managed, managed.Function.Engine);
            Assert.Equal(ExecutionEngine.Interpreter, interpreted.Function.Engine);
            for (int j = 0; j < 6; j++)
            {
                var vars = new Dictionary<string, long> { ["a"] = values.NextLong(), ["b"] = values.NextLong(), ["c"] = values.Next(201) - 100 };
                string expected = Outcome(native, vars);
                if (expected.StartsWith("throws", StringComparison.Ordinal)) exceptions++;
                foreach (var other in new[] { managed, interpreted })
                {
                    compared++;
                    string actual = Outcome(other, vars);
                    if (actual != expected)
                    {
                        differences++;
                        report.Add($"{text} with a={vars["a"]} b={vars["b"]} c={vars["c"]}: native {expected}, {other.Function.Engine} {actual}");
                    }
                }
            }
        }
        Assert.True(differences == 0, $"{differences} differences:\n" + string.Join("\n", report.Take(10)));
        Assert.Equal(1440, compared);
        Assert.True(exceptions > 0, "the random expressions should include some divisions by zero");
    }

    private static string Outcome(CompiledExpression compiled, Dictionary<string, long> vars)
    {
        try
        {
            return compiled.Evaluate(vars).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is DivideByZeroException or OverflowException)
        {
            return "throws " + e.GetType().Name;
        }
    }

    /// <summary><c>f(n) = n == 0 ? atZero : other(n - 1)</c>, calling <paramref name="other"/> through its slot.</summary>
    private static unsafe void EmitParity(JitModule module, FunctionBuilder f, FunctionBuilder other, long atZero)
    {
        var e = new ModuleStencils.Emitter(f);
        var zero = f.NewBlock();
        e.IfZero(R0, zero);
        e.AddImm(R0, -1, R0);
        e.CallSlot(R0, (delegate* unmanaged<long, long>*)module.SlotAddress(other), R0);
        e.Return(R0);
        f.StartBlock(zero);
        e.ReturnConst(atZero);
    }

    [Theory]
    [MemberData(nameof(ManagedEngines))]
    public unsafe void Module_functions_call_each_other_through_their_slots(ExecutionEngine engine)
    {
        var module = new JitModule(ModuleStencils.Library) { Engine = engine };
        var even = module.DefineFunction(1, "even");
        var odd = module.DefineFunction(1, "odd");
        Assert.Equal(engine, even.Engine);
        EmitParity(module, even, odd, 1); // even calls odd, which is emitted later
        EmitParity(module, odd, even, 0);
        using var compiled = module.Compile();
        Assert.Equal(engine, compiled.Engine);
        foreach (long n in new long[] { 0, 1, 2, 7, 10, 101 })
        {
            Assert.Equal(n % 2 == 0 ? 1 : 0, compiled.GetFunction("even").Invoke(n));
            Assert.Equal(n % 2 == 1 ? 1 : 0, compiled.GetFunction("odd").Invoke(n));
        }
        // The entry point is a C-ABI function, as for native code.
        var entry = (delegate* unmanaged<long, long>)compiled.GetFunction("odd").EntryPoint;
        Assert.Equal(1, entry(9));
        Assert.Empty(compiled.Code.ToArray());
        Assert.Contains("CallSlot [r0 -> r0]", compiled.GetFunction("even").Disassemble());
        compiled.Dispose();
        Assert.True(compiled.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => compiled.GetFunction("even").Invoke(1));
        Assert.Throws<ObjectDisposedException>(() => compiled.GetFunction("even").EntryPoint);
    }

    [Fact]
    public unsafe void A_managed_function_calls_a_native_one_and_back()
    {
        // A native module function and a managed one, calling each other through raw entry points.
        var nativeModule = new JitModule(ModuleStencils.Library);
        var managedModule = new JitModule(ModuleStencils.Library) { Engine = ExecutionEngine.Managed };
        var n = nativeModule.DefineFunction(1, "n");
        var m = managedModule.DefineFunction(1, "m");
        nint* slot = stackalloc nint[1];
        // m(x) = x == 0 ? 7 : n(x - 1) + 100; n(x) = m(x) + 1 (through slot, filled after compiling).
        var em = new ModuleStencils.Emitter(m);
        var zero = m.NewBlock();
        em.IfZero(R0, zero);
        em.AddImm(R0, -1, R0);
        em.CallSlot(R0, (delegate* unmanaged<long, long>*)nativeModule.SlotAddress(n), R0);
        em.AddImm(R0, 100, R0);
        em.Return(R0);
        m.StartBlock(zero);
        em.ReturnConst(7);
        var en = new ModuleStencils.Emitter(n);
        en.CallSlot(R0, (delegate* unmanaged<long, long>*)slot, R0);
        en.AddImm(R0, 1, R0);
        en.Return(R0);
        using var compiledN = nativeModule.Compile();
        using var compiledM = managedModule.Compile();
        *slot = compiledM.GetFunction("m").EntryPoint;
        Assert.Equal(ExecutionEngine.Native, compiledN.GetFunction("n").Engine);
        Assert.Equal(ExecutionEngine.Managed, compiledM.GetFunction("m").Engine);
        // m(3) = n(2) + 100 = m(2) + 101 = n(1) + 201 = m(1) + 202 = n(0) + 302 = m(0) + 303 = 310
        Assert.Equal(310, compiledM.GetFunction("m").Invoke(3));
    }

    /// <summary>A function that adds 5 to its argument, or returns 42 for 0.</summary>
    private static void EmitSample(FunctionBuilder b)
    {
        var e = new ModuleStencils.Emitter(b);
        var zero = b.NewBlock();
        e.IfZero(R0, zero);
        e.AddImm(R0, 5, R1);
        e.Return(R1);
        b.StartBlock(zero);
        e.ReturnConst(42);
    }

    [Theory]
    [MemberData(nameof(ManagedEngines))]
    public void The_oracle_runs_both_engines_and_finds_them_equal(ExecutionEngine engine)
    {
        var b = new FunctionBuilder(ModuleStencils.Library, 1) { Engine = engine };
        EmitSample(b);
        using var both = EngineOracle.Compile(b);
        Assert.Equal(ExecutionEngine.Native, both.Native.Engine);
        Assert.Equal(engine, both.Managed.Engine);
        foreach (long x in new long[] { 0, 1, -5, long.MaxValue })
        {
            var result = both.Run([x]);
            Assert.True(result.Agree, result.ToString());
            Assert.Equal(x == 0 ? 42 : unchecked(x + 5), result.NativeResult);
        }
    }

    [Fact]
    public void The_oracle_needs_a_recorded_program()
    {
        var b = new FunctionBuilder(ModuleStencils.Library, 1);
        EmitSample(b);
        var e = Assert.Throws<ArgumentException>(() => EngineOracle.Compile(b));
        Assert.Contains("set the builder's Engine to Managed", e.Message);
    }

    [Fact]
    public void A_library_without_native_code_runs_managed_and_says_why_once()
    {
        var managed = ModuleStencils.Library.Managed!;
        var library = ManagedEngine.CreateLibrary(managed, "test: no tables for this platform");
        Assert.False(library.HasNativeCode);
        Assert.True(library.HasManagedCode);
        Assert.Equal("test: no tables for this platform", library.NativeUnavailableReason);
        var reasons = new List<string>();
        EventHandler<ManagedEngineFallbackEventArgs> handler = (_, a) => { if (ReferenceEquals(a.Library, library)) reasons.Add(a.Reason); };
        ManagedEngine.Fallback += handler;
        try
        {
            for (int round = 0; round < 2; round++)
            {
                var b = new FunctionBuilder(library, 1); // Engine stays Native: the library has nothing else
                Assert.Equal(ExecutionEngine.Native, b.Engine);
                var zero = b.NewBlock();
                b.Emit(library.GetFamily("IfZero"), [R0], [], [], [zero]);
                b.Emit(library.GetFamily("AddImm"), [R0], [R1], [5], []);
                b.Emit(library.GetFamily("Return"), [R1], [], [], []);
                b.StartBlock(zero);
                b.Emit(library.GetFamily("ReturnConst"), [], [], [42], []);
                Assert.Equal(0, b.CodeSize);
                Assert.Contains("AddImm [r0 -> r1] holes 0x5", b.Disassemble());
                using var f = b.Compile();
                Assert.Equal(ExecutionEngine.Managed, f.Engine);
                Assert.Equal("test: no tables for this platform", f.EngineReason);
                Assert.Equal(47, f.Invoke(42));
                Assert.Equal(42, f.Invoke(0));
            }
        }
        finally
        {
            ManagedEngine.Fallback -= handler;
        }
        Assert.Equal(["test: no tables for this platform"], reasons);
    }

    [Fact]
    public void A_library_without_native_code_rejects_misuse_with_the_native_exceptions()
    {
        var library = ManagedEngine.CreateLibrary(ModuleStencils.Library.Managed!, "test");
        var native = ModuleStencils.Library;
        foreach (var lib in new[] { native, library })
        {
            var add = lib.GetFamily("AddImm");
            var b = new FunctionBuilder(lib, 1);
            Assert.Throws<StencilEmitException>(() => b.Emit(add, [Location.Register(2)], [R0], [1], []));
            Assert.Throws<StencilEmitException>(() => b.Emit(add, [R0], [R0], [], []));
            Assert.Throws<FunctionCompileException>(() => b.Compile());
            b.Emit(add, [R0], [R0], [1], []);
            var e = Assert.Throws<FunctionCompileException>(() => b.Compile());
            Assert.Contains("Control runs off the end of the function after stencil AddImm", e.Message);
            var never = b.NewBlock();
            b.Emit(lib.GetFamily("IfZero"), [R0], [], [], [never]);
            b.Emit(lib.GetFamily("Return"), [R0], [], [], []);
            var n = Assert.Throws<FunctionCompileException>(() => b.Compile());
            Assert.Equal(never, n.Block);
            Assert.Equal("IfZero", n.Stencil);
            Assert.Contains("was never started", n.Message);
        }
    }

    /// <summary>A misuse, run on a builder of each engine: the same exception type and message.</summary>
    public static TheoryData<string> Misuses => ["empty", "runs off the end", "never started", "started at the end", "bad register", "bad count",
        "foreign block", "emit after compile", "invoke arity", "invoke after dispose", "entry point after dispose", "engine after emit"];

    [Theory]
    [MemberData(nameof(Misuses))]
    public void Misuse_behaves_as_on_the_native_engine(string misuse)
    {
        string expected = Attempt(misuse, ExecutionEngine.Native);
        Assert.StartsWith("threw ", expected);
        Assert.Equal(expected, Attempt(misuse, ExecutionEngine.Managed));
        Assert.Equal(expected, Attempt(misuse, ExecutionEngine.Interpreter));
    }

    private static string Attempt(string misuse, ExecutionEngine engine)
    {
        var b = new FunctionBuilder(ModuleStencils.Library, 1) { Engine = engine, Name = "misuse" };
        var e = new ModuleStencils.Emitter(b);
        try
        {
            switch (misuse)
            {
                case "empty":
                    b.Compile();
                    break;
                case "runs off the end":
                    e.AddImm(R0, 1, R0);
                    b.Compile();
                    break;
                case "never started":
                    e.IfZero(R0, b.NewBlock());
                    e.Return(R0);
                    b.Compile();
                    break;
                case "started at the end":
                {
                    var end = b.NewBlock();
                    e.IfZero(R0, end);
                    e.Return(R0);
                    b.StartBlock(end);
                    b.Compile();
                    break;
                }
                case "bad register":
                    e.AddImm(Location.Register(5), 1, R0);
                    break;
                case "bad count":
                    b.Emit(ModuleStencils.Library.GetFamily("AddImm"), [R0, R1], [R0], [1], []);
                    break;
                case "foreign block":
                    e.IfZero(R0, new FunctionBuilder(ModuleStencils.Library, 1).NewBlock());
                    break;
                case "emit after compile":
                    e.Return(R0);
                    b.Compile().Dispose();
                    e.Return(R0);
                    break;
                case "invoke arity":
                {
                    e.Return(R0);
                    using var f = b.Compile();
                    f.Invoke(1, 2);
                    break;
                }
                case "invoke after dispose":
                {
                    e.Return(R0);
                    var f = b.Compile();
                    f.Dispose();
                    f.Dispose();
                    f.Invoke(1);
                    break;
                }
                case "entry point after dispose":
                {
                    e.Return(R0);
                    var f = b.Compile();
                    f.Dispose();
                    _ = f.EntryPoint;
                    break;
                }
                case "engine after emit":
                    e.Return(R0);
                    b.Engine = engine == ExecutionEngine.Native ? ExecutionEngine.Managed : ExecutionEngine.Native;
                    break;
            }
            return "no exception";
        }
        catch (Exception x)
        {
            // The engine after emit message names the engine change only; the rest must match exactly.
            string message = x is ObjectDisposedException ? x.GetType().Name : x.Message;
            return $"threw {x.GetType().Name}: {message}";
        }
    }

    [Fact]
    public void Small_loop_free_stencils_are_copied_into_the_il_and_the_others_called()
    {
        var library = Patchouly.Samples.Bf.BfStencils.Library;
        var methods = library.Managed!.MethodsFor(library);
        StencilMethod Method(string name) => methods[library.FamilyArray.First(f => f.Name == name).Index]!;
        // Copied: straight-line code and branches that return a target.
        Assert.NotNull(Method("Inc").Body);
        Assert.NotNull(Method("Check").Body);
        Assert.NotNull(Method("LoadAddTest").Body); // an out parameter
        // Called: loops (Scan), calli (Output: a host callback through a function pointer), and returning stencils.
        Assert.Null(Method("Scan").Body);
        Assert.Null(Method("ScanRight").Body);
        Assert.Null(Method("Output").Body);
        Assert.Null(Method("Exit").Body);
        // A copy reads no parameter it is not given: loads only, no stores to targets or outputs.
        foreach (var ins in Method("Check").Body!.Instructions)
            Assert.NotEqual(VariableAccess.StoreArg, StencilBody.Variable(ins).Access);
    }
}
