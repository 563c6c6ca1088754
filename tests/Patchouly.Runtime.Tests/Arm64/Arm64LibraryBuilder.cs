using System;
using System.Collections.Generic;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// Builds an arm64 stencil library by hand, in the shape the Patchouly build generates (the arm64 counterpart of
/// <see cref="Stencils.TestLibraryBuilder"/>): every location assignment of every family assembled, wide twins after
/// the narrow ones, missing variants as 0, triple <c>aarch64-unknown-linux-gnu</c>.
/// </summary>
/// <param name="registers">The number of register locations.</param>
/// <param name="got">Write the Mach-O form (<c>arm64-apple-macos</c>, default code model): holes, slot offsets and the
/// frame size are GOT loads, narrow and wide variants alike.</param>
internal sealed class Arm64LibraryBuilder(int registers, bool got = false)
{
    /// <summary>How a family's variants are written.</summary>
    public sealed record FamilySpec(string Name, StencilFamilyKind Kind, int Inputs, int Outputs, byte[] HoleBits, int Targets, bool HasWide, string Signature, Action<Arm64VariantContext> Body);

    private readonly List<byte> _code = new();
    private readonly List<ulong> _relocations = new();
    private readonly List<ulong> _variants = new();
    private readonly List<StencilFamily> _families = new();

    /// <summary>Rewrites a variant after assembly (family name, wide, code, relocations): for corrupt-table tests.</summary>
    public Func<string, bool, byte[], Relocation[], (byte[], Relocation[], VariantFlags?)>? Corrupt { get; init; }

    public void Add(FamilySpec spec)
    {
        int first = _variants.Count;
        int values = spec.Inputs + spec.Outputs;
        int narrow = (int)VariantIndex.NarrowSlots(values, registers);
        for (int wide = 0; wide < (spec.HasWide ? 2 : 1); wide++)
        {
            for (int index = 0; index < narrow; index++)
            {
                var codes = new int[values];
                VariantIndex.Decode(index, registers, codes);
                if (!VariantIndex.OutputsDistinct(codes.AsSpan(spec.Inputs), registers))
                {
                    _variants.Add(0);
                    continue;
                }
                var asm = new Arm64Assembler();
                spec.Body(new Arm64VariantContext(asm, codes, registers, wide == 1, spec.Inputs, got));
                var (code, relocations, flags) = asm.Build();
                if (Corrupt is not null)
                {
                    var (c, r, f) = Corrupt(spec.Name, wide == 1, code, relocations);
                    (code, relocations, flags) = (c, r, f ?? flags);
                }
                int offset = _code.Count;
                _code.AddRange(code);
                foreach (var r in relocations) _relocations.Add(r.Bits);
                _variants.Add(new StencilVariant(offset, code.Length, 0, relocations.Length, flags).Bits);
            }
        }
        _families.Add(new StencilFamily(spec.Name, spec.Kind, spec.Inputs, spec.Outputs, spec.HoleBits, spec.Targets, spec.HasWide, first, spec.Signature));
    }

    public StencilLibrary Build(string name, string? triple = null) =>
        new(name, registers, "test-model-hash", triple ?? (OperatingSystem.IsMacOS() ? TableTarget.OsxArm64 : TableTarget.LinuxArm64).Triple, _code.ToArray(), _relocations.ToArray(), _variants.ToArray(), _families.ToArray());


    /// <summary>The callee-saved pairs the entry shim saves (preserve_none stencils clobber x19–x28).</summary>
    private static readonly (int, int)[] s_saved = [(19, 20), (21, 22), (23, 24), (25, 26), (27, 28)];

    /// <summary>
    /// The C-ABI entry shim: saves x29/x30 and x19–x28, allocates the frame (FrameSize through movz G1 + movk G0_NC, or
    /// a GOT load in the Mach-O form; rounded up to 16), points x20 at it, moves the arguments x0..x5 into the register locations x21..x26, calls the
    /// body with <c>bl</c> (Target 0), restores and returns the body's x0.
    /// </summary>
    public static void EntryShim(Arm64VariantContext c)
    {
        var a = c.Asm;
        a.Add(A64.PushPair(A64.Fp, A64.Lr));
        a.Add(A64.MovSp(A64.Fp, A64.Sp));
        foreach (var (r1, r2) in s_saved) a.Add(A64.PushPair(r1, r2));
        c.LoadNarrow(9, PatchKind.FrameSize, 0);
        a.Add(A64.AddImm(9, 9, 15));
        a.Add(A64.AndX9Not15);
        a.Add(A64.SubSp(9));
        a.Add(A64.MovSp(Arm64VariantContext.Frame, A64.Sp));
        for (int i = 0; i < 6; i++) a.Add(A64.Mov(Arm64VariantContext.RegisterOf(i), i));
        a.Add(A64.Bl(0), RelocationKind.Arm64Branch26, PatchKind.Target, 0);
        a.Add(A64.SubImm(A64.Sp, A64.Fp, 16 * s_saved.Length));
        for (int i = s_saved.Length - 1; i >= 0; i--) a.Add(A64.PopPair(s_saved[i].Item1, s_saved[i].Item2));
        a.Add(A64.PopPair(A64.Fp, A64.Lr));
        a.Add(A64.Ret);
    }
}
