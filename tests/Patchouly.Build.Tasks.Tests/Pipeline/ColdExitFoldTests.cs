using System;
using System.Linq;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Build.Tasks.Targets.LinuxX64;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Pipeline;

/// <summary>
/// On x86-64, clang 19 never branches conditionally to another function: it leaves a cold exit as
/// <c>jcc over; jmp exit; over:</c> or as <c>jcc stub; …; stub: jmp exit</c>; the build makes either one <c>jcc exit</c>.
/// Checked on what clang really produces, for both x86-64 targets, and run: a checked load, and a loop whose back edge
/// crosses the exit.
/// </summary>
public sealed unsafe class ColdExitFoldTests
{
    private const string Source = """
        using Patchouly;
        namespace C;
        [StencilLibrary(Registers = 2)]
        public static unsafe partial class ColdExits
        {
            [Stencil]
            public static Target LoadChecked(long index, [Hole] long* items, [Hole] long length, [Target(Cold = true)] Target outOfRange, out long value)
            {
                value = 0;
                if ((ulong)index >= (ulong)length) return outOfRange;
                value = items[index];
                return Target.Next;
            }
            /// The sum of items[indices[0..count)], every index checked: the loop's back edge crosses the cold exit.
            [Stencil]
            public static Target SumChecked(long count, [Hole] long* indices, [Hole] long* items, [Target(Cold = true)] Target outOfRange, out long sum)
            {
                sum = 0;
                long s = 0;
                for (long i = 0; i < count; i++)
                {
                    long j = indices[i];
                    if ((ulong)j >= 8) return outOfRange;
                    s += items[j];
                }
                sum = s;
                return Target.Next;
            }
            [Stencil] public static long Const([Hole] long value) => value;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long value) => value;
        }
        """;

    private static readonly Location R0 = Location.Register(0), R1 = Location.Register(1);

    public static TheoryData<string> X64Targets => new(BuildTargets.LinuxX64.RuntimeIdentifier, BuildTargets.WinX64.RuntimeIdentifier);

    [Theory, MemberData(nameof(X64Targets))]
    public void Every_cold_exit_is_one_conditional_jump(string rid)
    {
        var target = BuildTargets.All.Single(t => t.RuntimeIdentifier == rid);
        var built = TestStencils.Build(Source, target);
        int checkedVariants = 0;
        foreach (var family in new[] { "LoadChecked", "SumChecked" })
        {
            int index = built.Model.Families.ToList().FindIndex(f => f.Name == family);
            foreach (var v in built.Extracted.Variants.Where(v => v.Family == index))
            {
                var exit = v.Relocations.Single(r => r.Patch == PatchKind.Target);
                // The exit's rel32 ends a jcc (0F 8x), not a jmp (E9) over which a jcc jumps.
                Assert.True(exit.Offset >= 2 && v.Code[exit.Offset - 2] == 0x0F && (v.Code[exit.Offset - 1] & 0xF0) == 0x80,
                    $"{rid} {v.Symbol}:\n{string.Join("\n", target.Disassemble(v.Code, v.Relocations, null))}");
                Assert.False(X64ExitJumps.TryFold(v.Code, v.Relocations, out _, out _, out _), $"{rid} {v.Symbol}: an exit is left to fold");
                checkedVariants++;
            }
        }
        Assert.True(checkedVariants >= 2 * 9, $"{rid}: only {checkedVariants} variants");
    }

    [Fact]
    public void The_folded_load_takes_both_paths()
    {
        long[] items = [10, 20, 30, 40];
        fixed (long* p = items)
        {
            var built = TestStencils.Build(Source);
            foreach (var output in new[] { R1, Location.Stack(0) })
            {
                var b = new FunctionBuilder(built.Library, 1);
                var outOfRange = b.NewBlock(cold: true);
                b.Emit(built.Library.GetFamily("LoadChecked"), [R0], [output], [(ulong)p, 4], [outOfRange]);
                b.Emit(built.Library.GetFamily("Ret"), [output], []);
                b.StartBlock(outOfRange);
                b.Emit(built.Library.GetFamily("Const"), [], [R0], [12345]);
                b.Emit(built.Library.GetFamily("Ret"), [R0], []);
                using var f = b.Compile();
                for (long i = 0; i < 4; i++) Assert.Equal(items[i], f.Invoke(i));
                Assert.Equal(12345, f.Invoke(4));
                Assert.Equal(12345, f.Invoke(-1));
            }
        }
    }

    [Fact]
    public void The_folded_loop_sums_and_leaves_through_its_cold_exit()
    {
        long[] items = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000];
        long[] indices = [7, 0, 3, 3, 5, 9, 1];
        fixed (long* pi = indices)
        fixed (long* pv = items)
        {
            var built = TestStencils.Build(Source);
            var b = new FunctionBuilder(built.Library, 1);
            var outOfRange = b.NewBlock(cold: true);
            b.Emit(built.Library.GetFamily("SumChecked"), [R0], [R1], [(ulong)pi, (ulong)pv], [outOfRange]);
            b.Emit(built.Library.GetFamily("Ret"), [R1], []);
            b.StartBlock(outOfRange);
            b.Emit(built.Library.GetFamily("Const"), [], [R0], [unchecked((ulong)-1L)]);
            b.Emit(built.Library.GetFamily("Ret"), [R0], []);
            using var f = b.Compile();
            long expected = 0;
            for (int n = 0; n <= 5; n++)
            {
                Assert.Equal(expected, f.Invoke(n));
                if (n < 5) expected += items[indices[n]];
            }
            Assert.Equal(10000000 + 1 + 1000 + 1000 + 100000, expected);
            Assert.Equal(-1, f.Invoke(6)); // indices[5] = 9 is out of range
            Assert.Equal(-1, f.Invoke(7));
        }
    }
}
