using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// Assembles one AArch64 stencil variant word by word and records its relocations the way the ELF extractor maps
/// clang's (movz/movk groups, b/bl imm26): the relocated fields are zeroed, as in an object file.
/// </summary>
internal sealed class Arm64Assembler
{
    private readonly List<uint> _words = new();
    private readonly List<Relocation> _relocations = new();

    /// <summary>The byte offset of the next instruction.</summary>
    public int Offset => _words.Count * 4;

    /// <summary>Adds an instruction.</summary>
    public void Add(uint word) => _words.Add(word);

    /// <summary>Adds an instruction whose field <paramref name="kind"/> is relocated (the field is cleared).</summary>
    public void Add(uint word, RelocationKind kind, PatchKind patch, int index, int addend = 0)
    {
        word &= kind switch
        {
            RelocationKind.Arm64Branch26 => 0xFC000000,
            RelocationKind.Arm64Page21 or RelocationKind.Arm64GotPage21 => ~((0x7FFFFu << 5) | (3u << 29)),
            RelocationKind.Arm64PageOff12 or RelocationKind.Arm64GotPageOff12 => ~(0xFFFu << 10),
            _ => ~(0xFFFFu << 5),
        };
        _relocations.Add(new Relocation((ushort)Offset, kind, patch, (byte)index, addend));
        _words.Add(word);
    }

    /// <summary><c>b</c> to the next stencil.</summary>
    public void JumpNext() => Add(A64.B(0), RelocationKind.Arm64Branch26, PatchKind.Next, 0);

    /// <summary><c>b</c> to target <paramref name="target"/>.</summary>
    public void JumpTarget(int target) => Add(A64.B(0), RelocationKind.Arm64Branch26, PatchKind.Target, target);

    /// <summary><c>bl</c> to the function in hole <paramref name="hole"/>.</summary>
    public void CallHole(int hole) => Add(A64.Bl(0), RelocationKind.Arm64Branch26, PatchKind.Hole, hole);

    /// <summary>
    /// Loads a 32-bit value (<paramref name="patch"/> <paramref name="index"/>) into <paramref name="rd"/> as clang's
    /// narrow form: <c>movz xd, #:abs_g1:sym; movk xd, #:abs_g0_nc:sym</c>.
    /// </summary>
    public void LoadNarrow(int rd, PatchKind patch, int index, int addend = 0)
    {
        Add(A64.MovZ(rd, 0, 16), RelocationKind.Arm64MovwG1, patch, index, addend);
        Add(A64.MovK(rd, 0, 0), RelocationKind.Arm64MovwG0Nc, patch, index, addend);
    }

    /// <summary>Loads a 64-bit value into <paramref name="rd"/> as clang's wide form: <c>movz/movk ×4</c> (G0_NC, G1_NC, G2_NC, G3).</summary>
    public void LoadWide(int rd, PatchKind patch, int index, int addend = 0)
    {
        Add(A64.MovZ(rd, 0, 0), RelocationKind.Arm64MovwG0Nc, patch, index, addend);
        Add(A64.MovK(rd, 0, 16), RelocationKind.Arm64MovwG1Nc, patch, index, addend);
        Add(A64.MovK(rd, 0, 32), RelocationKind.Arm64MovwG2Nc, patch, index, addend);
        Add(A64.MovK(rd, 0, 48), RelocationKind.Arm64MovwG3, patch, index, addend);
    }

    /// <summary>
    /// Loads a 64-bit value into <paramref name="rd"/> as clang does for Mach-O (<c>arm64-apple-macos</c>): a GOT load,
    /// <c>adrp xd, sym@GOTPAGE; ldr xd, [xd, sym@GOTPAGEOFF]</c> (GOT_LOAD_PAGE21, GOT_LOAD_PAGEOFF12).
    /// </summary>
    public void LoadGot(int rd, PatchKind patch, int index)
    {
        Add(A64.Adrp(rd), RelocationKind.Arm64GotPage21, patch, index);
        Add(A64.LdrImm(rd, rd), RelocationKind.Arm64GotPageOff12, patch, index);
    }

    /// <summary>The variant: code, relocations by offset, and flags (the extractor's rule for a droppable trailing <c>b</c>).</summary>
    public (byte[] Code, Relocation[] Relocations, VariantFlags Flags) Build()
    {
        var code = new byte[_words.Count * 4];
        for (int i = 0; i < _words.Count; i++) BitConverter.TryWriteBytes(code.AsSpan(i * 4), _words[i]);
        var relocations = _relocations.OrderBy(r => r.Offset).ToArray();
        var flags = VariantFlags.None;
        if (relocations.Length > 0)
        {
            var last = relocations[^1];
            if (last.Kind == RelocationKind.Arm64Branch26 && last.Patch is PatchKind.Next or PatchKind.Target
                && last.Offset == code.Length - 4 && (_words[^1] & 0xFC000000) == 0x14000000)
                flags |= VariantFlags.EndsWithJump;
        }
        return (code, relocations, flags);
    }
}
