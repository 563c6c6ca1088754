using System;
using Iced.Intel;
using Patchouly.Runtime.Tables;
using static Patchouly.Runtime.Tables.StencilFamilyKind;

namespace Patchouly.Runtime.Tests.Stencils;

/// <summary>
/// A hand-assembled stencil library with 3 registers (R13, R14, R15), standing in for generated tables until the
/// clang pipeline exists. Every family has all (registers + 1)^(inputs + outputs) variants (wide twins for families
/// with 64-bit holes), written the way clang would compile them.
/// </summary>
internal static class TestStencils
{
    public const int Registers = 3;

    private static readonly byte[] s_none = [];
    private static readonly byte[] s_word = [64];

    /// <summary>The shared library instance (immutable, so tests may share it).</summary>
    public static StencilLibrary Library { get; } = Create("TestStencils");

    public static StencilFamily Const => Library.GetFamily("Const");
    public static StencilFamily ConstU32 => Library.GetFamily("ConstU32");
    public static StencilFamily Add => Library.GetFamily("Add");
    public static StencilFamily Sub => Library.GetFamily("Sub");
    public static StencilFamily AddImm => Library.GetFamily("AddImm");
    public static StencilFamily AddImm8 => Library.GetFamily("AddImm8");
    public static StencilFamily JumpIfZero => Library.GetFamily("JumpIfZero");
    public static StencilFamily JumpIfNotZero => Library.GetFamily("JumpIfNotZero");
    public static StencilFamily BranchLess => Library.GetFamily("BranchLess");
    public static StencilFamily NonZeroOrNext => Library.GetFamily("NonZeroOrNext");
    public static StencilFamily Abs => Library.GetFamily("Abs");
    public static StencilFamily Pair => Library.GetFamily("Pair");
    public static StencilFamily CallHost => Library.GetFamily("CallHost");
    public static StencilFamily CallHostAbs => Library.GetFamily("CallHostAbs");
    public static StencilFamily TailCallHost => Library.GetFamily("TailCallHost");
    public static StencilFamily CallSlot => Library.GetFamily("CallSlot");
    public static StencilFamily LeaHole => Library.GetFamily("LeaHole");
    public static StencilFamily LeaOnly => Library.GetFamily("LeaOnly");
    public static StencilFamily Return => Library.GetFamily("Return");
    public static StencilFamily ReturnConst => Library.GetFamily("ReturnConst");

    /// <summary>Builds a fresh library (a separate instance, for the "family of another library" tests).</summary>
    /// <param name="name">The library's name.</param>
    /// <param name="omit">
    /// Leaves out the variants it returns true for (family name, location codes with <see cref="Registers"/> meaning a
    /// stack slot, wide), the way tables that skip stack variants to keep variant counts down would.
    /// </param>
    /// <param name="triple">The triple the library claims (the process's own by default).</param>
    public static StencilLibrary Create(string name, Func<string, int[], bool, bool>? omit = null, string? triple = null)
    {
        var b = new TestLibraryBuilder(Registers) { Omit = omit };
        b.Add(new("__entry", Entry, 0, 0, s_none, 1, false, "", TestLibraryBuilder.EntryShim));
        b.Add(new("__move", Move, 1, 1, s_none, 0, false, "", c =>
        {
            if (!c.IsStack(1)) c.Load(0, c.Reg(1));
            else if (!c.IsStack(0)) c.Store(1, c.Reg(0));
            else
            {
                c.Load(0, Register.RAX);
                c.Store(1, Register.RAX);
            }
            c.Asm.JumpNext();
        }));
        b.Add(new("__jump", Jump, 0, 0, s_none, 1, false, "", c => c.Asm.JumpTarget(0)));
        b.Add(new("Const", Normal, 0, 1, s_word, 0, true, "long Const([Hole] long value)", c =>
        {
            if (c.IsStack(0) && !c.Wide) c.StoreImmediateHole(0, 0);
            else if (c.IsStack(0))
            {
                c.LoadHole(0, Register.RAX);
                c.Store(0, Register.RAX);
            }
            else c.LoadHole(0, c.Reg(0));
            c.Asm.JumpNext();
        }));
        b.Add(new("ConstU32", Normal, 0, 1, s_word, 0, false, "long ConstU32([Hole] long value)", c =>
        {
            // mov eax, imm32 zero-extends: an Abs32 field, values 0..2^32-1, and no wide twin.
            c.Asm.Add(Instruction.Create(Code.Mov_r32_imm32, Register.EAX, VariantAssembler.Placeholder32));
            c.Asm.OnImmediate(RelocationKind.Abs32, PatchKind.Hole, 0);
            c.Store(0, Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(Binary("Add", Code.Add_r64_rm64));
        b.Add(Binary("Sub", Code.Sub_r64_rm64));
        b.Add(new("AddImm", Normal, 1, 1, s_word, 0, true, "long AddImm(long a, [Hole] long b)", c =>
        {
            c.Load(0, Register.RAX);
            if (c.Wide)
            {
                c.LoadHole(0, Register.RCX);
                c.Asm.Add(Instruction.Create(Code.Add_r64_rm64, Register.RAX, Register.RCX));
            }
            else
            {
                c.Asm.Add(Instruction.Create(Code.Add_rm64_imm32, Register.RAX, VariantAssembler.Placeholder32));
                c.Asm.OnImmediate(RelocationKind.Abs32S, PatchKind.Hole, 0);
            }
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("AddImm8", Normal, 1, 1, [8], 0, false, "long AddImm8(long a, [Hole] sbyte b)", c =>
        {
            c.Load(0, Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Add_rm64_imm8, Register.RAX, 0x11));
            c.Asm.OnImmediate(RelocationKind.Abs8, PatchKind.Hole, 0);
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(ConditionalJump("JumpIfZero", 0x4));
        b.Add(ConditionalJump("JumpIfNotZero", 0x5));
        b.Add(new("BranchLess", Normal, 2, 0, s_none, 2, false, "Target BranchLess(long a, long b, Target less, Target notLess)", c =>
        {
            c.Load(0, Register.RAX);
            c.Load(1, Register.RCX);
            c.Asm.Add(Instruction.Create(Code.Cmp_r64_rm64, Register.RAX, Register.RCX));
            c.Asm.JumpIf(0xC, PatchKind.Target, 0);
            c.Asm.JumpTarget(1);
        }));
        b.Add(new("NonZeroOrNext", Normal, 1, 0, s_none, 1, false, "Target NonZeroOrNext(long a, Target target)", c =>
        {
            // clang's layout of `a != 0 ? target : Target.Next`: "jz next; jmp target" (the jump to target is the tail).
            c.Load(0, Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Test_rm64_r64, Register.RAX, Register.RAX));
            c.Asm.JumpIf(0x4, PatchKind.Next, 0);
            c.Asm.JumpTarget(0);
        }));
        b.Add(new("Abs", Normal, 1, 1, s_none, 0, false, "long Abs(long a)", c =>
        {
            // A jump to Next from the middle: stays correct when the trailing jump is dropped.
            c.Load(0, Register.RAX);
            c.Store(c.Output(0), Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Test_rm64_r64, Register.RAX, Register.RAX));
            c.Asm.JumpIf(0x9, PatchKind.Next, 0);
            c.Asm.Add(Instruction.Create(Code.Neg_rm64, Register.RAX));
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("Pair", Normal, 1, 2, s_none, 0, false, "void Pair(long a, out long same, out long next)", c =>
        {
            c.Load(0, Register.RAX);
            c.Store(c.Output(0), Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Add_rm64_imm8, Register.RAX, 1));
            c.Store(c.Output(1), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("CallHost", Normal, 1, 1, s_word, 0, true, "long CallHost(long a, [Hole] delegate* unmanaged<long, long> f)", c =>
        {
            // Narrow: call rel32 to the hole (direct or through a trampoline); wide: movabs rax + call rax.
            c.Load(0, TestAbi.Argument0);
            c.Asm.Add(Instruction.Create(Code.Sub_rm64_imm8, Register.RSP, TestAbi.CallFrame));
            if (c.Wide)
            {
                c.LoadHole(0, Register.RAX);
                c.Asm.Add(Instruction.Create(Code.Call_rm64, Register.RAX));
            }
            else c.Asm.CallHole(0);
            c.Asm.Add(Instruction.Create(Code.Add_rm64_imm8, Register.RSP, TestAbi.CallFrame));
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("CallHostAbs", Normal, 1, 1, s_word, 0, true, "long CallHostAbs(long a, [Hole] delegate* unmanaged<long, long> f)", c =>
        {
            // Narrow: mov eax, imm32 (Abs32, only for callees below 4 GiB) + call rax; wide: movabs rax + call rax.
            c.Load(0, TestAbi.Argument0);
            c.Asm.Add(Instruction.Create(Code.Sub_rm64_imm8, Register.RSP, TestAbi.CallFrame));
            if (c.Wide) c.LoadHole(0, Register.RAX);
            else
            {
                c.Asm.Add(Instruction.Create(Code.Mov_r32_imm32, Register.EAX, VariantAssembler.Placeholder32));
                c.Asm.OnImmediate(RelocationKind.Abs32, PatchKind.Hole, 0);
            }
            c.Asm.Add(Instruction.Create(Code.Call_rm64, Register.RAX));
            c.Asm.Add(Instruction.Create(Code.Add_rm64_imm8, Register.RSP, TestAbi.CallFrame));
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("CallSlot", Normal, 1, 1, s_word, 0, true, "long CallSlot(long a, [Hole] delegate* unmanaged<long, long>* slot)", c =>
        {
            // Calls the C-ABI function whose address is stored at the hole (a module's slot): narrow
            // call qword [abs32] (FF 14 25, Abs32S: the slot must lie in the low 2 GiB); wide movabs rax + call [rax].
            c.Load(0, TestAbi.Argument0);
            c.Asm.Add(Instruction.Create(Code.Sub_rm64_imm8, Register.RSP, TestAbi.CallFrame));
            if (c.Wide)
            {
                c.LoadHole(0, Register.RAX);
                c.Asm.Add(Instruction.Create(Code.Call_rm64, new MemoryOperand(Register.RAX)));
            }
            else
            {
                c.Asm.Add(Instruction.Create(Code.Call_rm64, new MemoryOperand(Register.None, VariantAssembler.Placeholder32, 4)));
                c.Asm.OnDisplacement(RelocationKind.Abs32S, PatchKind.Hole, 0);
            }
            c.Asm.Add(Instruction.Create(Code.Add_rm64_imm8, Register.RSP, TestAbi.CallFrame));
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("TailCallHost", StencilFamilyKind.Return, 1, 0, s_word, 0, false, "long TailCallHost(long a, [Hole] delegate* unmanaged<long, long> f)", c =>
        {
            // Returns what the host function returns: a tail call, jmp rel32 to the hole.
            c.Load(0, TestAbi.Argument0);
            c.Asm.JumpHole(0);
        }));
        b.Add(new("LeaHole", Normal, 0, 1, s_word, 0, true, "long LeaHole([Hole] long value)", c =>
        {
            // Narrow: a RIP-relative lea of the hole, which the runtime cannot use; wide: movabs.
            if (c.Wide) c.LoadHole(0, Register.RAX);
            else c.Asm.LeaRaxHole(0);
            c.Store(0, Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("LeaOnly", Normal, 0, 1, s_word, 0, false, "long LeaOnly([Hole] long value)", c =>
        {
            c.Asm.LeaRaxHole(0);
            c.Store(0, Register.RAX);
            c.Asm.JumpNext();
        }));
        b.Add(new("Return", StencilFamilyKind.Return, 1, 0, s_none, 0, false, "long Return(long value)", c =>
        {
            c.Load(0, Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Retnq));
        }));
        b.Add(new("ReturnConst", StencilFamilyKind.Return, 0, 0, s_word, 0, true, "long ReturnConst([Hole] long value)", c =>
        {
            c.LoadHole(0, Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Retnq));
        }));
        return b.Build(name, triple);
    }

    private static TestLibraryBuilder.FamilySpec Binary(string name, Code operation) =>
        new(name, Normal, 2, 1, s_none, 0, false, $"long {name}(long a, long b)", c =>
        {
            c.Load(0, Register.RAX);
            c.Load(1, Register.RCX);
            c.Asm.Add(Instruction.Create(operation, Register.RAX, Register.RCX));
            c.Store(c.Output(0), Register.RAX);
            c.Asm.JumpNext();
        });

    private static TestLibraryBuilder.FamilySpec ConditionalJump(string name, int condition) =>
        new(name, Normal, 1, 0, s_none, 1, false, $"Target {name}(long a, Target target)", c =>
        {
            c.Load(0, Register.RAX);
            c.Asm.Add(Instruction.Create(Code.Test_rm64_r64, Register.RAX, Register.RAX));
            c.Asm.JumpIf(condition, PatchKind.Target, 0);
            c.Asm.JumpNext();
        });
}
