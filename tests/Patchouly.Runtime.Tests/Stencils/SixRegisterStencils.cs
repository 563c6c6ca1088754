using Iced.Intel;
using Patchouly.Runtime.Tables;
using static Patchouly.Runtime.Tables.StencilFamilyKind;

namespace Patchouly.Runtime.Tests.Stencils;

/// <summary>
/// A small hand-assembled library with 6 registers (R13, R14, R15, RDI, RSI, RDX), so functions can take all six
/// parameters of the entry shim, plus a stencil with a 16-bit hole.
/// </summary>
internal static class SixRegisterStencils
{
    public const int Registers = 6;

    /// <summary>The shared library instance.</summary>
    public static StencilLibrary Library { get; } = Create();

    public static StencilFamily Return => Library.GetFamily("Return");
    public static StencilFamily ConstI16 => Library.GetFamily("ConstI16");

    private static StencilLibrary Create()
    {
        var b = new TestLibraryBuilder(Registers);
        b.Add(new("__entry", Entry, 0, 0, [], 1, false, "", TestLibraryBuilder.EntryShim));
        b.Add(new("__move", Move, 1, 1, [], 0, false, "", c =>
        {
            c.Load(0, Register.RAX);
            c.Store(1, Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("__jump", Jump, 0, 0, [], 1, false, "", c => c.Asm.JumpTarget(0)));
        b.Add(new("ConstI16", Normal, 0, 1, [16], 0, false, "long ConstI16([Hole] short value)", c =>
        {
            // xor eax, eax; mov ax, imm16 (an Abs16 field); movsx rax, ax: the hole's bits, sign-extended.
            c.Asm.Add(Instruction.Create(Code.Xor_r32_rm32, Register.EAX, Register.EAX));
            c.Asm.Add(Instruction.Create(Code.Mov_r16_imm16, Register.AX, 0x1234));
            c.Asm.OnImmediate(RelocationKind.Abs16, PatchKind.Hole, 0);
            c.Asm.Add(Instruction.Create(Code.Movsx_r64_rm16, Register.RAX, Register.AX));
            c.Store(0, Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("Return", StencilFamilyKind.Return, 1, 0, [], 0, false, "long Return(long value)", c =>
        {
            c.Load(0, Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Retnq));
        }));
        return b.Build("SixRegisterStencils");
    }
}
