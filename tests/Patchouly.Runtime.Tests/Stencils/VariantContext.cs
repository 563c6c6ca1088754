using Iced.Intel;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests.Stencils;

/// <summary>
/// One variant being written: which location each value has (inputs, then outputs) and helpers that load and store
/// values and holes the way clang's code would for that assignment (register 0 = R13, 1 = R14, 2 = R15, stack values
/// at <c>[r12 + slot]</c> through Slot relocations).
/// </summary>
internal sealed class VariantContext
{
    private static readonly Register[] s_registers = [Register.R13, Register.R14, Register.R15, Register.RDI, Register.RSI, Register.RDX, Register.RCX, Register.R8, Register.R9, Register.R11, Register.RAX];

    private readonly int[] _codes;
    private readonly int[] _stackIndex;
    private readonly int _registers;

    public VariantContext(VariantAssembler assembler, int[] codes, int registers, bool wide, int inputs)
    {
        Asm = assembler;
        _codes = codes;
        _registers = registers;
        Wide = wide;
        Inputs = inputs;
        _stackIndex = new int[codes.Length];
        int k = 0;
        for (int i = 0; i < codes.Length; i++)
            _stackIndex[i] = codes[i] == registers ? k++ : -1;
    }

    public VariantAssembler Asm { get; }

    public bool Wide { get; }

    public int Inputs { get; }

    /// <summary>Value number of output <paramref name="j"/>.</summary>
    public int Output(int j) => Inputs + j;

    public bool IsStack(int value) => _codes[value] == _registers;

    public Register Reg(int value) => s_registers[_codes[value]];

    /// <summary>Loads value <paramref name="value"/> into <paramref name="destination"/>.</summary>
    public void Load(int value, Register destination)
    {
        if (IsStack(value))
        {
            Asm.Add(Instruction.Create(Code.Mov_r64_rm64, destination, Slot()));
            Asm.OnDisplacement(RelocationKind.Abs32S, PatchKind.Slot, _stackIndex[value]);
        }
        else if (Reg(value) != destination)
            Asm.Add(Instruction.Create(Code.Mov_r64_rm64, destination, Reg(value)));
    }

    /// <summary>Stores <paramref name="source"/> into value <paramref name="value"/>'s location.</summary>
    public void Store(int value, Register source)
    {
        if (IsStack(value))
        {
            Asm.Add(Instruction.Create(Code.Mov_rm64_r64, Slot(), source));
            Asm.OnDisplacement(RelocationKind.Abs32S, PatchKind.Slot, _stackIndex[value]);
        }
        else if (Reg(value) != source)
            Asm.Add(Instruction.Create(Code.Mov_r64_rm64, Reg(value), source));
    }

    /// <summary>The stack slot of value <paramref name="value"/> (a Slot relocation at the displacement) as a memory operand.</summary>
    public void StoreImmediateHole(int value, int hole)
    {
        Asm.Add(Instruction.Create(Code.Mov_rm64_imm32, Slot(), VariantAssembler.Placeholder32));
        Asm.OnDisplacement(RelocationKind.Abs32S, PatchKind.Slot, _stackIndex[value]);
        Asm.OnImmediate(RelocationKind.Abs32S, PatchKind.Hole, hole);
    }

    /// <summary>Loads hole <paramref name="hole"/>: <c>mov r64, imm32</c> (sign-extended, Abs32S) narrow, <c>movabs</c> (Abs64) wide.</summary>
    public void LoadHole(int hole, Register destination)
    {
        if (Wide)
        {
            Asm.Add(Instruction.Create(Code.Mov_r64_imm64, destination, 0x1122334455667788UL));
            Asm.OnImmediate(RelocationKind.Abs64, PatchKind.Hole, hole);
        }
        else
        {
            Asm.Add(Instruction.Create(Code.Mov_rm64_imm32, destination, VariantAssembler.Placeholder32));
            Asm.OnImmediate(RelocationKind.Abs32S, PatchKind.Hole, hole);
        }
    }

    private static MemoryOperand Slot() => new(Register.R12, VariantAssembler.Placeholder32, 8);
}
