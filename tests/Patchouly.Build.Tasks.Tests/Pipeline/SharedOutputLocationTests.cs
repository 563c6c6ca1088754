using Patchouly.Runtime;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>
/// Two outputs of one stencil given the same location (docs/runtime.md, "Two outputs in one location"): the location
/// gets the later output (return value first, then the out parameters in order), whatever order the C# assigns them in.
/// C# would alias the two out parameters instead (the last assignment wins); the test shows both.
/// </summary>
public class SharedOutputLocationTests
{
    private const string Source = """
        using Patchouly;
        namespace T;
        [StencilLibrary(Registers = 3)]
        public static partial class Shared
        {
            // Assigns its outputs in reverse order: the last assignment is to 'first'.
            [Stencil] public static void Reversed(long a, out long first, out long second) { second = a + 1; first = a; }
            [Stencil] public static long WithResult(long a, out long second) { second = a + 1; return a; }
            [Stencil(ReturnsToCaller = true)] public static long Ret(long value) => value;
        }
        """;

    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1), R2 = Location.Register(2);

    [Fact]
    public void The_later_output_wins_in_a_shared_stack_slot_and_through_a_scratch_register()
    {
        var lib = TestStencils.Build(Source).Library;
        foreach (var shared in new[] { Location.Stack(0), R1 })
        {
            var b = new FunctionBuilder(lib, 1) { ScratchRegisters = [R2] }; // r1 + r1 has no variant: moved through r2
            b.Emit(lib.GetFamily("Reversed"), [R0], [shared, shared]);
            b.Emit(lib.GetFamily("Ret"), [shared], []);
            using var f = b.Compile();
            Assert.Equal(8, f.Invoke(7)); // 'second' (a + 1), though the C# assigns 'first' last
        }

        var r = new FunctionBuilder(lib, 1) { ScratchRegisters = [R2] };
        r.Emit(lib.GetFamily("WithResult"), [R0], [R1, R1]); // the return value, then the out parameter
        r.Emit(lib.GetFamily("Ret"), [R1], []);
        using var g = r.Compile();
        Assert.Equal(8, g.Invoke(7));

        // The C# with one variable for both out parameters: they alias, so the last assignment wins.
        Reversed(7, out long x, out x);
        Assert.Equal(7, x);
    }

    private static void Reversed(long a, out long first, out long second) { second = a + 1; first = a; }
}
