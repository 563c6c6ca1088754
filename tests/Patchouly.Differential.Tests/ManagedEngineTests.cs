using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Xunit.Abstractions;

namespace Patchouly.Differential.Tests;

/// <summary>
/// The managed engine against the native one on whole functions of random stencils: random sequences with random
/// register/stack placements, narrow and wide holes, branches to random blocks (forward and backward: loops, bounded by
/// a countdown at every block start), stack slots and callbacks through function pointers, each compiled once and run
/// on both engines by <see cref="EngineOracle"/> with the same memory. Every output of every stencil is stored to
/// memory, so a wrong value anywhere is a difference.
/// </summary>
public unsafe class ManagedEngineTests
{
    private const int Registers = 2;
    private const int ArgWords = 512, OutWords = 512;

    /// <summary>Support stencils of the whole functions (names start with Diff, so the harness does not test them).</summary>
    private const string Support = """
        namespace Random;
        public static unsafe partial class RandomStencils
        {
            [global::Patchouly.Stencil] public static ulong DiffLoadAt([global::Patchouly.Hole] ulong* at) => *at;
            [global::Patchouly.Stencil]
            public static global::Patchouly.Target DiffCountdown([global::Patchouly.Hole] long* counter, global::Patchouly.Target exhausted)
            {
                long n = *counter - 1;
                *counter = n;
                return n < 0 ? exhausted : global::Patchouly.Target.Next;
            }
        }
        """;

    private readonly ITestOutputHelper _output;

    public ManagedEngineTests(ITestOutputHelper output) => _output = output;

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : fallback;

    [Theory]
    [InlineData(ExecutionEngine.Managed)]
    [InlineData(ExecutionEngine.Interpreter)]
    public void Random_whole_functions_agree_on_both_engines(ExecutionEngine engine)
    {
        int seed = EnvInt("PATCHOULY_DIFF_SEED", 20251207);
        int functions = EnvInt("PATCHOULY_MANAGED_FUNCTIONS", 300);
        string source = new RandomStencils(seed).Library(60, Registers);
        using var harness = Harness.Create([source, Support], functions: Callees.Functions());
        GeneratedManagedStencils.Attach(harness.Built);
        var library = harness.Library;
        var random = new Random(seed + (int)engine);

        // The memory both engines run on: argument words, the harness's buffers, the stored outputs, the countdown.
        int bufferBytes = Harness.BufferBytes * Harness.BufferCount;
        int size = ArgWords * 8 + bufferBytes + OutWords * 8 + 8;
        byte* memory = (byte*)NativeMemory.AlignedAlloc((nuint)size, 64);
        try
        {
            ulong* args = (ulong*)memory;
            byte* buffers = memory + ArgWords * 8;
            ulong* outs = (ulong*)(buffers + bufferBytes);
            long* counter = (long*)(outs + OutWords);
            var span = new Span<byte>(memory, size);

            int compared = 0, skipped = 0, stencils = 0, loops = 0;
            var failures = new List<string>();
            for (int fn = 0; fn < functions && failures.Count < 5; fn++)
            {
                var b = new FunctionBuilder(library, 0) { Engine = engine };
                int argCount = 0, outCount = 0;
                var exit = b.NewBlock();
                var blocks = Enumerable.Range(0, random.Next(0, 4)).Select(_ => b.NewBlock()).ToList();
                var unstarted = new List<Block>(blocks);
                var started = new HashSet<Block>();
                void StartBlock(Block block)
                {
                    b.StartBlock(block);
                    started.Add(block);
                    b.Emit(library.GetFamily("DiffCountdown"), [], [], [(ulong)counter], [exit]);
                }
                Location LoadArg(ulong word, Location to)
                {
                    args[argCount] = word;
                    b.Emit(library.GetFamily("DiffLoadAt"), [], [to], [(ulong)(args + argCount++)], []);
                    return to;
                }
                int count = random.Next(2, 9);
                for (int i = 0; i < count; i++)
                {
                    if (unstarted.Count > 0 && random.Next(3) == 0)
                    {
                        StartBlock(unstarted[0]);
                        unstarted.RemoveAt(0);
                    }
                    var s = harness.Stencils[random.Next(harness.Stencils.Count)];
                    var (inputs, holes) = harness.RandomArgs(s, random);
                    var placement = harness.RandomPlacement(s, random);
                    var targets = Enumerable.Range(0, s.Targets).Select(_ => blocks.Count > 0 && random.Next(4) != 0 ? blocks[random.Next(blocks.Count)] : exit).ToArray();
                    if (targets.Any(started.Contains)) loops++;
                    try
                    {
                        // Inputs are loaded right before the stencil: a pointer input always points into the buffers.
                        for (int k = 0; k < inputs.Length; k++) LoadArg(Word(inputs[k], buffers), placement.Inputs[k]);
                        var holeWords = holes.Select((h, k) => s.Holes[k].Type.HoleBits(Word(h, buffers))).ToArray();
                        b.Emit(s.Runtime, placement.Inputs, placement.Outputs, holeWords, targets);
                    }
                    catch (StencilEmitException)
                    {
                        continue; // no variant for this placement (MissingVariantException) or hole value: another stencil
                    }
                    stencils++;
                    foreach (var o in placement.Outputs)
                        if (outCount < OutWords) b.Emit(library.GetFamily("DiffStoreAt"), [o], [], [(ulong)(outs + outCount++)], []);
                }
                foreach (var block in unstarted) StartBlock(block);
                b.Jump(exit);
                b.StartBlock(exit);
                b.Emit(library.GetFamily("DiffRet"), [], [], [unchecked((ulong)(long)fn)], []);

                // The initial memory: the argument words, random buffers, no outputs, the countdown.
                var fill = new Random(fn);
                fill.NextBytes(new Span<byte>(buffers, bufferBytes));
                new Span<ulong>(outs, OutWords).Clear();
                *counter = 40;
                using var both = EngineOracle.Compile(b);
                var result = both.Run([], span);
                if (result.ManagedException is not null)
                {
                    skipped++; // a stencil's C# threw (an overflow, say) where native code would trap: not comparable
                    continue;
                }
                compared++;
                if (!result.Agree)
                    failures.Add($"function {fn} ({engine}): {result}\n{both.Managed.Disassemble()}");
            }
            _output.WriteLine($"{compared} functions compared ({stencils} stencils, {loops} backward or repeated targets), {skipped} skipped because the C# threw");
            Assert.True(failures.Count == 0, string.Join("\n\n", failures));
            Assert.True(compared >= functions * 8 / 10, $"only {compared} of {functions} functions compared");
            Assert.True(loops > 0);
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    /// <summary>The word of an argument: a pointer into the shared buffers, or the value.</summary>
    private static ulong Word(Arg arg, byte* buffers) =>
        arg.IsBuffer ? (ulong)(buffers + arg.Buffer * Harness.BufferBytes + arg.Offset) : arg.Word;
}
