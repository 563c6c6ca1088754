using System;
using System.Collections.Generic;
using Iced.Intel;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests.Stencils;

/// <summary>
/// Builds a stencil library by hand, in the shape the Patchouly build generates: every location assignment of every
/// family assembled (dense, base-(registers+1) order, wide twins after the narrow ones, missing variants as 0), then
/// packed into ulongs and handed to the public <see cref="StencilLibrary"/> constructor.
/// </summary>
internal sealed class TestLibraryBuilder
{
    /// <summary>How a family's variants are written.</summary>
    public sealed record FamilySpec(string Name, StencilFamilyKind Kind, int Inputs, int Outputs, byte[] HoleBits, int Targets, bool HasWide, string Signature, Action<VariantContext> Body);

    private readonly int _registers;
    private readonly List<byte> _code = new();
    private readonly List<ulong> _relocations = new();
    private readonly List<ulong> _variants = new();
    private readonly List<StencilFamily> _families = new();

    public TestLibraryBuilder(int registers) => _registers = registers;

    /// <summary>Variants to leave out (family name, location codes, wide): their slots hold 0, as for impossible ones.</summary>
    public Func<string, int[], bool, bool>? Omit { get; init; }

    public void Add(FamilySpec spec)
    {
        int first = _variants.Count;
        int values = spec.Inputs + spec.Outputs;
        int narrow = (int)VariantIndex.NarrowSlots(values, _registers);
        for (int wide = 0; wide < (spec.HasWide ? 2 : 1); wide++)
        {
            for (int index = 0; index < narrow; index++)
            {
                var codes = new int[values];
                VariantIndex.Decode(index, _registers, codes);
                if (!VariantIndex.OutputsDistinct(codes.AsSpan(spec.Inputs), _registers) || (Omit?.Invoke(spec.Name, codes, wide == 1) ?? false))
                {
                    _variants.Add(0);
                    continue;
                }
                var asm = new VariantAssembler();
                spec.Body(new VariantContext(asm, codes, _registers, wide == 1, spec.Inputs));
                AddVariant(asm);
            }
        }
        _families.Add(new StencilFamily(spec.Name, spec.Kind, spec.Inputs, spec.Outputs, spec.HoleBits, spec.Targets, spec.HasWide, first, spec.Signature));
    }

    /// <summary>Adds a family descriptor that claims the same variants as family <paramref name="of"/> (corrupt tables).</summary>
    public void AddAlias(string name, string of)
    {
        var f = _families.Find(x => x.Name == of) ?? throw new ArgumentException($"no family {of}");
        _families.Add(new StencilFamily(name, f.Kind, f.Inputs, f.Outputs, f.HoleWidths.ToArray(), f.Targets, f.HasWide, f.FirstVariant, f.Signature));
    }

    public StencilLibrary Build(string name, string? triple = null) =>
        new(name, _registers, "test-model-hash", triple ?? TestAbi.Triple, _code.ToArray(), _relocations.ToArray(), _variants.ToArray(), _families.ToArray());

    private void AddVariant(VariantAssembler asm)
    {
        var (code, relocations, flags) = asm.Build();
        int offset = _code.Count;
        _code.AddRange(code);
        foreach (var r in relocations) _relocations.Add(r.Bits);
        _variants.Add(new StencilVariant(offset, code.Length, 0, relocations.Length, flags).Bits);
    }


    /// <summary>The C-ABI entry shim (written once; the library has one variant), in the process's convention.</summary>
    public static void EntryShim(VariantContext c)
    {
        if (TestAbi.IsWin64) Win64EntryShim(c);
        else SysVEntryShim(c);
    }

    /// <summary>The System V entry shim: arguments in rdi, rsi, rdx, rcx, r8, r9.</summary>
    public static void SysVEntryShim(VariantContext c)
    {
        var a = c.Asm;
        a.Add(Instruction.Create(Code.Push_r64, Register.RBP));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RBP, Register.RSP));
        foreach (var r in new[] { Register.R15, Register.R14, Register.R13, Register.R12, Register.RBX })
            a.Add(Instruction.Create(Code.Push_r64, r));
        a.Add(Instruction.Create(Code.Sub_rm64_imm8, Register.RSP, 8));
        a.Add(Instruction.Create(Code.Mov_r32_imm32, Register.EAX, VariantAssembler.Placeholder32));
        a.OnImmediate(RelocationKind.Abs32, PatchKind.FrameSize, 0, 15);
        a.Add(Instruction.Create(Code.And_rm64_imm8, Register.RAX, -16));
        a.Add(Instruction.Create(Code.Sub_r64_rm64, Register.RSP, Register.RAX));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R12, Register.RSP));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R13, Register.RDI));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R14, Register.RSI));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R15, Register.RDX));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RDI, Register.RCX));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RSI, Register.R8));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RDX, Register.R9));
        a.Bytes([0xE8, 0, 0, 0, 0], 1, RelocationKind.Rel32, PatchKind.Target, 0, -4);
        a.Add(Instruction.Create(Code.Lea_r64_m, Register.RSP, new MemoryOperand(Register.RBP, -40, 1)));
        foreach (var r in new[] { Register.RBX, Register.R12, Register.R13, Register.R14, Register.R15, Register.RBP })
            a.Add(Instruction.Create(Code.Pop_r64, r));
        a.Add(Instruction.Create(Code.Retnq));
    }

    /// <summary>
    /// The Win64 entry shim, as clang writes it for <c>x86_64-pc-windows-msvc</c>: saves rbp, r15–r12, rsi, rdi, rbx and
    /// xmm6–xmm15, sets rbp as frame pointer, takes a4 and a5 from the caller's stack (above its 32-byte shadow space).
    /// </summary>
    public static void Win64EntryShim(VariantContext c)
    {
        var a = c.Asm;
        foreach (var r in new[] { Register.RBP, Register.R15, Register.R14, Register.R13, Register.R12, Register.RSI, Register.RDI, Register.RBX })
            a.Add(Instruction.Create(Code.Push_r64, r));
        a.Add(Instruction.Create(Code.Sub_rm64_imm32, Register.RSP, 0xA8));
        a.Add(Instruction.Create(Code.Lea_r64_m, Register.RBP, new MemoryOperand(Register.RSP, 0x80, 1)));
        for (int x = 15; x >= 6; x--)
            a.Add(Instruction.Create(Code.Movaps_xmmm128_xmm, new MemoryOperand(Register.RBP, (x - 14) * 16, 1), Register.XMM0 + x));
        a.Add(Instruction.Create(Code.Mov_r32_imm32, Register.EAX, VariantAssembler.Placeholder32));
        a.OnImmediate(RelocationKind.Abs32, PatchKind.FrameSize, 0, 15);
        a.Add(Instruction.Create(Code.And_rm64_imm8, Register.RAX, -16));
        a.Add(Instruction.Create(Code.Sub_r64_rm64, Register.RSP, Register.RAX));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R12, Register.RSP));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R13, Register.RCX));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R14, Register.RDX));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.R15, Register.R8));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RDI, Register.R9));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RSI, new MemoryOperand(Register.RBP, 0x90, 1)));
        a.Add(Instruction.Create(Code.Mov_r64_rm64, Register.RDX, new MemoryOperand(Register.RBP, 0x98, 1)));
        a.Bytes([0xE8, 0, 0, 0, 0], 1, RelocationKind.Rel32, PatchKind.Target, 0, -4);
        for (int x = 6; x <= 15; x++)
            a.Add(Instruction.Create(Code.Movaps_xmm_xmmm128, Register.XMM0 + x, new MemoryOperand(Register.RBP, (x - 14) * 16, 1)));
        a.Add(Instruction.Create(Code.Lea_r64_m, Register.RSP, new MemoryOperand(Register.RBP, 0x28, 1)));
        foreach (var r in new[] { Register.RBX, Register.RDI, Register.RSI, Register.R12, Register.R13, Register.R14, Register.R15, Register.RBP })
            a.Add(Instruction.Create(Code.Pop_r64, r));
        a.Add(Instruction.Create(Code.Retnq));
    }
}
