using System;
using Iced.Intel;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary><see cref="FunctionBuilder.StartBlock(Block, int)"/>: aligned blocks land on aligned addresses, padded with nops.</summary>
public class BlockAlignmentTests
{
    /// <summary>The absolute address of <paramref name="block"/> in <paramref name="f"/>.</summary>
    private static long AddressOf(CompiledFunction f, Block block)
    {
        foreach (var (offset, id) in f.Map.Blocks)
            if (id == block.Id) return (long)f.Memory.Address + f.Map.BodyOffset + offset;
        throw new InvalidOperationException($"block {block} is not in the map");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    public void An_aligned_loop_head_is_aligned_and_the_padding_runs_as_nops(int alignment)
    {
        for (int before = 0; before < 5; before++) // several code lengths before the loop, so the padding length varies
        {
            // r1 = 0; [before x r1 += 1; r1 -= 1]; loop: r1 += r0; r0 -= 1; if (r0 != 0) goto loop; return r1
            var b = Builder(1);
            var e = new TestEmitter(b);
            var loop = b.NewBlock();
            e.Const(0, R1);
            for (int i = 0; i < before; i++) { e.AddImm8(R1, 1, R1); e.AddImm(R1, -1, R1); }
            b.StartBlock(loop, alignment);
            e.Add(R1, R0, R1);
            e.AddImm(R0, -1, R0);
            e.JumpIfNotZero(R0, loop);
            e.Return(R1);
            using var f = b.Compile();
            Assert.Equal(5050, f.Invoke(100));
            long address = AddressOf(f, loop);
            Assert.Equal(0, address % alignment);

            // Everything between the last stencil before the loop and the loop head decodes as nops.
            int blockInCode = (int)(address - ((long)f.Memory.Address + f.Map.BodyOffset)) + f.BodyOffset;
            var stencils = f.Map.Stencils;
            int previousEnd = -1;
            for (int i = 0; i < stencils.Length; i++)
                if (f.BodyOffset + stencils[i].Offset < blockInCode) previousEnd = f.BodyOffset + stencils[i].Offset;
            Assert.True(previousEnd >= 0);
            var decoder = Decoder.Create(64, new ByteArrayCodeReader(f.Code[previousEnd..blockInCode].ToArray()));
            bool pastPrevious = false;
            while (decoder.IP < (ulong)(blockInCode - previousEnd))
            {
                var instruction = decoder.Decode();
                Assert.False(instruction.IsInvalid);
                if (instruction.Mnemonic == Mnemonic.Nop) pastPrevious = true;
                else Assert.False(pastPrevious, $"{instruction} after the padding started");
            }
            Assert.Equal((ulong)(blockInCode - previousEnd), decoder.IP);
        }
    }

    [Fact]
    public void An_aligned_block_reached_only_by_a_jump_is_aligned()
    {
        var b = Builder(1);
        var e = new TestEmitter(b);
        var zero = b.NewBlock();
        e.JumpIfZero(R0, zero);
        e.ReturnConst(1);
        b.StartBlock(zero, 32);
        e.ReturnConst(2);
        using var f = b.Compile();
        Assert.Equal(2, f.Invoke(0));
        Assert.Equal(1, f.Invoke(9));
        Assert.Equal(0, AddressOf(f, zero) % 32);
    }

    [Fact]
    public void Aligned_blocks_stay_aligned_in_every_function_of_a_module()
    {
        var module = new JitModule(TestStencils.Library);
        var blocks = new (FunctionBuilder Builder, Block Block)[3];
        for (int n = 0; n < blocks.Length; n++)
        {
            var b = module.DefineFunction(1, "f" + n);
            var e = new TestEmitter(b);
            var loop = b.NewBlock();
            e.Const(n, R1);
            b.StartBlock(loop, 64);
            e.Add(R1, R0, R1);
            e.AddImm(R0, -1, R0);
            e.JumpIfNotZero(R0, loop);
            e.Return(R1);
            blocks[n] = (b, loop);
        }
        using var compiled = module.Compile();
        for (int n = 0; n < blocks.Length; n++)
        {
            var f = compiled.Functions[n];
            Assert.Equal(n + 55, f.Invoke(10));
            Assert.Equal(0, AddressOf(f, blocks[n].Block) % 64);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-16)]
    [InlineData(3)]
    [InlineData(24)]
    [InlineData(128)]
    public void A_bad_alignment_is_refused_and_leaves_the_block_unstarted(int alignment)
    {
        var b = Builder(0);
        var e = new TestEmitter(b);
        var block = b.NewBlock();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => b.StartBlock(block, alignment));
        Assert.Equal("alignment", error.ParamName);
        b.StartBlock(block, 16); // still unstarted
        e.ReturnConst(7);
        using var f = b.Compile();
        Assert.Equal(7, f.Invoke());
    }
}
