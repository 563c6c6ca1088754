using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// One arm64 variant being written: which location each value has, and helpers that load and store values and holes
/// the way clang's code would (register i = x21 + i, stack values at <c>[x20, x9]</c> with the slot offset in x9
/// through narrow Slot relocations, or GOT loads in the Mach-O form).
/// </summary>
internal sealed class Arm64VariantContext
{
    /// <summary>The frame pointer of the stencil chain.</summary>
    public const int Frame = 20;

    /// <summary>Scratch registers (caller-saved, never a location in the test library).</summary>
    public const int T0 = 8, T1 = 10, Address = 9;

    private readonly int[] _codes;
    private readonly int[] _stackIndex;
    private readonly int _registers;

    public Arm64VariantContext(Arm64Assembler assembler, int[] codes, int registers, bool wide, int inputs, bool got = false)
    {
        Asm = assembler;
        Got = got;
        _codes = codes;
        _registers = registers;
        Wide = wide;
        Inputs = inputs;
        _stackIndex = new int[codes.Length];
        int k = 0;
        for (int i = 0; i < codes.Length; i++)
            _stackIndex[i] = codes[i] == registers ? k++ : -1;
    }

    public Arm64Assembler Asm { get; }

    public bool Wide { get; }

    /// <summary>True for the Mach-O form: holes and slot offsets are GOT loads (adrp + ldr), narrow and wide alike.</summary>
    public bool Got { get; }

    /// <summary>Loads <paramref name="patch"/> <paramref name="index"/> as this form's narrow value (movz/movk ×2, or a GOT load).</summary>
    public void LoadNarrow(int rd, PatchKind patch, int index)
    {
        if (Got) Asm.LoadGot(rd, patch, index);
        else Asm.LoadNarrow(rd, patch, index);
    }

    public int Inputs { get; }

    /// <summary>Value number of output <paramref name="j"/>.</summary>
    public int Output(int j) => Inputs + j;

    public bool IsStack(int value) => _codes[value] == _registers;

    /// <summary>The machine register of register location <paramref name="location"/> (x21, x22, …).</summary>
    public static int RegisterOf(int location) => 21 + location;

    public int Reg(int value) => RegisterOf(_codes[value]);

    /// <summary>Loads value <paramref name="value"/> into <paramref name="rd"/>.</summary>
    public void Load(int value, int rd)
    {
        if (IsStack(value))
        {
            LoadNarrow(Address, PatchKind.Slot, _stackIndex[value]);
            Asm.Add(A64.LdrReg(rd, Frame, Address));
        }
        else if (Reg(value) != rd) Asm.Add(A64.Mov(rd, Reg(value)));
    }

    /// <summary>Stores <paramref name="rs"/> into value <paramref name="value"/>'s location.</summary>
    public void Store(int value, int rs)
    {
        if (IsStack(value))
        {
            LoadNarrow(Address, PatchKind.Slot, _stackIndex[value]);
            Asm.Add(A64.StrReg(rs, Frame, Address));
        }
        else if (Reg(value) != rs) Asm.Add(A64.Mov(Reg(value), rs));
    }

    /// <summary>Loads hole <paramref name="hole"/>: movz/movk ×2 (value below 2^32) narrow, ×4 wide; a GOT load in the Mach-O form.</summary>
    public void LoadHole(int hole, int rd)
    {
        if (Got) Asm.LoadGot(rd, PatchKind.Hole, hole);
        else if (Wide) Asm.LoadWide(rd, PatchKind.Hole, hole);
        else Asm.LoadNarrow(rd, PatchKind.Hole, hole);
    }
}
