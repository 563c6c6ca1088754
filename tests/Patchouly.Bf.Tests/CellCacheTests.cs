using System;
using Patchouly.Samples.Bf;
using Patchouly.Samples.Bf.Engines;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Bf.Tests;

/// <summary>
/// The JIT's cells in registers (a <see cref="Runtime.Allocation.RegisterCache"/> over r3..r5): programs that take each
/// path (loads, evictions, write-backs before checks, loop tests, I/O, scans and jump targets) give the interpreter's
/// output, and the cache is really used.
/// </summary>
public class CellCacheTests
{
    public static TheoryData<string> Programs() => new()
    {
        "+++[->+>++>+++>++++<<<<]>[->+<]>>>.<.<.<.",                  // more hot cells than registers: evictions
        "++>+++<[->>+<<]>>[-<+>]<.>.[-]<[->+<<+>]<.>.",                // multiply loops reading cells that were just written
        "+++++[->+++<]>[->++<]>.,+.-[-<+>]<.",                          // I/O between cached runs
        ">++++++[-<+++++>>+<]<[->+<]>.>.[>]<.",                         // a scan after cached writes
        "++[>+++[>++<-]>[<+>-]<<-]>.>.",                                // nested loops: jump targets inside runs
        "+[->+>+<<]>[-<+>]>[-<+>]<<[->>>>>>>>>>+<<<<<<<<<<]>>>>>>>>>>.", // a far multiply loop (conditional check)
        "-[--->+<]>-.[---->+++++<]>-.+++++++..+++.",                   // a loop test on the cached current cell
        "+++++++++[>++++<-]>[>+>+<<-]>>[<<+>>-]<<.>.>.",               // copy via a temporary
        // Loops whose cells stay in registers across the back edge (straight bodies without pointer moves):
        "++++++[-->+<]>.",                                              // counter and target in registers
        "+++>+++++<[-->[->+<<+>]<]>>.<.<.",                            // a multiply loop inside (conditional check in a register)
        "++>++<[->[-<<<<+>>>>]<-]",                                     // its conditional check fails: overrun off the left end
        ">>>>>>++>++<[->[-<<<<+>>>>]<-]<<<<.>>>>.",                     // the same on the tape
        "++++++[->+>++>+++>++++<<<<]>[-->>>+<<<]>>>>.<.<.<.",           // more cells than registers
        ">+++++[-<++++>]<[--->+>,<<]>.>.",                              // I/O in the body: not kept
        "+>+++[-<++>]<[----->>++<<]>>.",                                // wraps around 256 in a register
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public void Programs_using_cached_cells_match_the_interpreter(string source)
    {
        byte[] input = [42];
        var (expected, expectedOutput) = TestPrograms.Run(source, EngineKind.Interp, input);
        foreach (var engine in new[] { EngineKind.Jit, EngineKind.Managed })
        {
            var (result, output) = TestPrograms.Run(source, engine, input);
            Assert.Equal(expected, result);
            Assert.True(expectedOutput.AsSpan().SequenceEqual(output), $"{engine}: output differs for {source}");
        }
    }

    [Fact]
    public void Random_multiply_heavy_programs_match_the_interpreter()
    {
        // Balanced loops with multiply loops and clears: the runs the cache works on. (A write-back placed after a
        // check that jumps to a loop head was skipped, found this way.)
        for (int seed = 1; seed <= 40; seed++)
        {
            string source = HostileInputTests.RandomProgram(3000, seed);
            var (expected, expectedOutput) = TestPrograms.Run(source, EngineKind.Interp, [1, 2, 3]);
            var (result, output) = TestPrograms.Run(source, EngineKind.Jit, [1, 2, 3]);
            Assert.Equal(expected, result);
            Assert.True(expectedOutput.AsSpan().SequenceEqual(output), $"seed {seed}: output differs");
        }
    }

    [Fact]
    public void Mandelbrot_keeps_loop_cells_in_registers_across_back_edges()
    {
        using var jit = JitEngine.Compile(IrBuilder.Build(BfRunner.Embedded("mandelbrot.bf")), new Tape());
        string code = jit.Function.Disassemble();
        // The borrow loop add [-4] 1; check_nz_lo; muladd [-4] -= [-3]; muladd [-9] += [-3]; mulset [-3] = [-4];
        // set [-4] 0; loop_end (add -1): its counter tested in a register, the check's cold half too.
        Assert.Contains("; RegLoopEnd", code);
        Assert.Contains("; RegIfNonZero", code);
        Assert.Contains("; ScanBy", code);
    }

    [Fact]
    public void Mandelbrot_keeps_cells_in_registers()
    {
        using var jit = JitEngine.Compile(IrBuilder.Build(BfRunner.Embedded("mandelbrot.bf")), new Tape());
        string code = jit.Function.Disassemble();
        foreach (string stencil in new[] { "; LoadCell", "; SpillCell", "; AddReg", "; SubRegReg", "; AddRegToCell", "; RegLoopBegin" })
            Assert.Contains(stencil, code);
    }
}
