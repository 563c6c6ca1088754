using System;
using System.Collections.Generic;
using Iced.Intel;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests.Stencils;

/// <summary>
/// Assembles one stencil variant with Iced and records its relocations the way the ELF extractor would: at the
/// immediate or displacement field of a chosen instruction, or inside raw bytes (for rel32 branches and calls). The
/// relocated fields are zeroed, as in an object file.
/// </summary>
internal sealed class VariantAssembler
{
    private enum FieldKind { Immediate, Displacement, Raw }

    private readonly record struct PendingRelocation(int Instruction, FieldKind Field, int RawOffset, RelocationKind Kind, PatchKind Patch, int Index, int Addend);

    private readonly Assembler _assembler = new(64);
    private readonly List<PendingRelocation> _relocations = new();

    /// <summary>A placeholder displacement/immediate that forces a 32-bit field.</summary>
    public const int Placeholder32 = 0x12345;

    /// <summary>Adds one instruction.</summary>
    public void Add(Instruction instruction) => _assembler.AddInstruction(instruction);

    /// <summary>A relocation at the immediate of the last instruction added.</summary>
    public void OnImmediate(RelocationKind kind, PatchKind patch, int index, int addend = 0) =>
        _relocations.Add(new(_assembler.Instructions.Count - 1, FieldKind.Immediate, 0, kind, patch, index, addend));

    /// <summary>A relocation at the displacement of the last instruction added.</summary>
    public void OnDisplacement(RelocationKind kind, PatchKind patch, int index, int addend = 0) =>
        _relocations.Add(new(_assembler.Instructions.Count - 1, FieldKind.Displacement, 0, kind, patch, index, addend));

    /// <summary>Raw bytes with a relocation at <paramref name="fieldOffset"/> within them.</summary>
    public void Bytes(byte[] bytes, int fieldOffset, RelocationKind kind, PatchKind patch, int index, int addend)
    {
        _assembler.db(bytes);
        _relocations.Add(new(_assembler.Instructions.Count - 1, FieldKind.Raw, fieldOffset, kind, patch, index, addend));
    }

    /// <summary><c>jmp rel32</c> to the next stencil.</summary>
    public void JumpNext() => Bytes([0xE9, 0, 0, 0, 0], 1, RelocationKind.Rel32, PatchKind.Next, 0, -4);

    /// <summary><c>jmp rel32</c> to target <paramref name="target"/>.</summary>
    public void JumpTarget(int target) => Bytes([0xE9, 0, 0, 0, 0], 1, RelocationKind.Rel32, PatchKind.Target, target, -4);

    /// <summary><c>jcc rel32</c> (condition nibble <paramref name="condition"/>: 4 = e/z, 5 = ne, 9 = ns, 0xC = l).</summary>
    public void JumpIf(int condition, PatchKind patch, int index) =>
        Bytes([0x0F, (byte)(0x80 | condition), 0, 0, 0, 0], 2, RelocationKind.Rel32, patch, index, -4);

    /// <summary><c>call rel32</c> to the function pointer in hole <paramref name="hole"/>.</summary>
    public void CallHole(int hole) => Bytes([0xE8, 0, 0, 0, 0], 1, RelocationKind.Rel32, PatchKind.Hole, hole, -4);

    /// <summary><c>jmp rel32</c> (a tail call) to the function pointer in hole <paramref name="hole"/>.</summary>
    public void JumpHole(int hole) => Bytes([0xE9, 0, 0, 0, 0], 1, RelocationKind.Rel32, PatchKind.Hole, hole, -4);

    /// <summary><c>lea rax, [rip + hole]</c>: a PC-relative hole that is not a call.</summary>
    public void LeaRaxHole(int hole) => Bytes([0x48, 0x8D, 0x05, 0, 0, 0, 0], 3, RelocationKind.Rel32, PatchKind.Hole, hole, -4);

    /// <summary>Assembles the variant: its code, its relocations sorted by offset, and its flags.</summary>
    public (byte[] Code, Relocation[] Relocations, VariantFlags Flags) Build()
    {
        var writer = new ByteWriter();
        var result = _assembler.Assemble(writer, 0, BlockEncoderOptions.ReturnNewInstructionOffsets | BlockEncoderOptions.ReturnConstantOffsets);
        byte[] code = writer.Bytes.ToArray();
        var encoded = result.Result[0];
        var relocations = new List<Relocation>();
        foreach (var p in _relocations)
        {
            int start = (int)encoded.NewInstructionOffsets[p.Instruction];
            var constants = encoded.ConstantOffsets[p.Instruction];
            int size = p.Kind switch
            {
                RelocationKind.Abs64 or RelocationKind.Rel64 => 8,
                RelocationKind.Abs16 => 2,
                RelocationKind.Abs8 => 1,
                _ => 4,
            };
            int offset = p.Field switch
            {
                FieldKind.Immediate => start + Expect(constants.ImmediateOffset, constants.ImmediateSize, size, "immediate"),
                FieldKind.Displacement => start + Expect(constants.DisplacementOffset, constants.DisplacementSize, size, "displacement"),
                _ => start + p.RawOffset,
            };
            code.AsSpan(offset, size).Clear();
            relocations.Add(new Relocation((ushort)offset, p.Kind, p.Patch, (byte)p.Index, p.Addend));
        }
        relocations.Sort((a, b) => a.Offset.CompareTo(b.Offset));

        // The extractor's rule for a droppable trailing jump.
        var flags = VariantFlags.None;
        if (relocations.Count > 0)
        {
            var last = relocations[^1];
            if (last.Kind == RelocationKind.Rel32 && last.Patch is PatchKind.Next or PatchKind.Target && last.Addend == -4
                && last.Offset == code.Length - 4 && code.Length >= 5 && code[^5] == 0xE9)
                flags |= VariantFlags.EndsWithJump;
        }
        return (code, relocations.ToArray(), flags);
    }

    private static int Expect(int offset, int actualSize, int size, string what) =>
        actualSize == size ? offset : throw new InvalidOperationException($"The instruction's {what} is {actualSize} bytes, not {size}.");

    private sealed class ByteWriter : CodeWriter
    {
        public List<byte> Bytes { get; } = new();

        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
