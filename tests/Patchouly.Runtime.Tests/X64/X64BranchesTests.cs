using System;
using Iced.Intel;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Tests.X64;

/// <summary>The x86-64 branch encodings shared by the build's exit-jump rewrite and the runtime's inversion, checked against Iced.</summary>
public class X64BranchesTests
{
    private static Instruction Decode(byte[] bytes)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes));
        decoder.Decode(out var instruction);
        Assert.Equal(bytes.Length, instruction.Length);
        return instruction;
    }

    [Fact]
    public void EveryConditionsInverseIsTheNegatedBranch()
    {
        for (int condition = 0; condition < 16; condition++)
        {
            var jcc = new byte[X64Branches.JccRel32Length];
            X64Branches.WriteJccRel32(jcc, condition);
            var inverse = new byte[X64Branches.JccRel32Length];
            X64Branches.WriteJccRel32(inverse, X64Branches.Inverted(condition));
            var a = Decode(jcc);
            var b = Decode(inverse);
            Assert.True(a.IsJccNear);
            b.NegateConditionCode();
            Assert.Equal(a.ConditionCode, b.ConditionCode);
            Assert.True(X64Branches.IsJccRel32(jcc, 0));
            Assert.True(X64Branches.IsJcc(jcc, 0, X64Branches.JccRel32Length));
            Assert.Equal(condition, X64Branches.Condition(jcc, 0, X64Branches.JccRel32Length));
            var rel8 = new byte[] { (byte)(0x70 | condition), 0 };
            Assert.True(Decode(rel8).IsJccShort);
            Assert.True(X64Branches.IsJcc(rel8, 0, X64Branches.Rel8Length));
            Assert.Equal(condition, X64Branches.Condition(rel8, 0, X64Branches.Rel8Length));
        }
    }

    [Fact]
    public void JumpsAndFieldsMatchTheDecoder()
    {
        var jmp = new byte[X64Branches.JmpRel32Length];
        X64Branches.WriteJmpRel32(jmp);
        BitConverter.TryWriteBytes(jmp.AsSpan(X64Branches.JmpRel32Field), 0x100);
        var decoded = Decode(jmp);
        Assert.Equal(Code.Jmp_rel32_64, decoded.Code);
        Assert.Equal((ulong)(X64Branches.JmpRel32Length + 0x100), decoded.NearBranch64);
        Assert.True(X64Branches.IsJmp(jmp, 0, X64Branches.JmpRel32Length));
        Assert.True(X64Branches.IsJmp([0xEB, 0], 0, X64Branches.Rel8Length));

        var jcc = new byte[X64Branches.JccRel32Length];
        X64Branches.WriteJccRel32(jcc, 4);
        BitConverter.TryWriteBytes(jcc.AsSpan(X64Branches.JccRel32Field), -0x20);
        Assert.Equal(unchecked((ulong)(X64Branches.JccRel32Length - 0x20)), Decode(jcc).NearBranch64);
        // The displacement counts from the end of the instruction, which the field ends: the addend is minus the field's size.
        Assert.Equal(-4, X64Branches.Rel32Addend);

        Assert.False(X64Branches.IsJccRel32([0x0F, 0x1F, 0, 0, 0, 0], 0)); // nop
        Assert.False(X64Branches.IsJccRel32([0x0F, 0x85, 0, 0], 0)); // truncated
        Assert.False(X64Branches.IsJcc([0xE9, 0, 0, 0, 0], 0, 5));
        Assert.False(X64Branches.IsJmp([0x0F, 0x84, 0, 0, 0, 0], 0, 6));
    }
}
