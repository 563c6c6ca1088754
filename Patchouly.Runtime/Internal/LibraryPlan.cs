using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime.Internal;

/// <summary>What one precomputed patch step writes, and how wide the field is.</summary>
internal enum PatchOp : byte
{
    /// <summary>Hole value + addend into a 1-, 2-, 4- or 8-byte absolute field (the value was range-checked when the variant was selected).</summary>
    Hole8, Hole16, Hole32, Hole64,
    /// <summary>A PC-relative hole (a <c>call</c>/<c>jmp rel32</c>, or a Rel64 field): resolved when the code's address is known.</summary>
    HoleRel32, HoleRel64,
    /// <summary>Stack slot byte offset + addend; <see cref="PatchStep.Arg"/> is the value index (inputs, then outputs).</summary>
    Slot8, Slot16, Slot32, Slot64,
    /// <summary>A branch to the code after the stencil, from inside it.</summary>
    Next32, Next64,
    /// <summary>A branch to target <see cref="PatchStep.Arg"/>.</summary>
    Target32, Target64,
    /// <summary>The trailing jump (to next, or to target <see cref="PatchStep.Arg"/>), dropped when its destination follows.</summary>
    TailNext, TailTarget,
    /// <summary>Hole value + addend, 16-bit group 0..3 of it into the imm16 of a <c>movz</c>/<c>movk</c> (range-checked when selected if the kind checks).</summary>
    HoleImm16Group0, HoleImm16Group1, HoleImm16Group2, HoleImm16Group3,
    /// <summary>Stack slot byte offset + addend, 16-bit group 0..3 of it into the imm16 of a <c>movz</c>/<c>movk</c>.</summary>
    SlotImm16Group0, SlotImm16Group1, SlotImm16Group2, SlotImm16Group3,
    /// <summary>A PC-relative hole in a <c>b</c>/<c>bl</c> (imm26): resolved when the code's address is known.</summary>
    HoleBranch26,
    /// <summary>A <c>b</c>/<c>bl</c> (imm26) to the code after the stencil, from inside it.</summary>
    Next26,
    /// <summary>A <c>b</c>/<c>bl</c> (imm26) to target <see cref="PatchStep.Arg"/>.</summary>
    Target26,
    /// <summary>An <c>adrp</c> of a hole's page: the variant is never selected (<see cref="PlanFlags.NeverFits"/>), as
    /// no hole value is sure to lie within ±4 GiB of the code.</summary>
    HolePage21,
    /// <summary>Hole value + addend, its low 12 bits into the imm12 of an <c>add</c> or a load/store, scaled by the
    /// access size the instruction encodes (the alignment was checked when the variant was selected).</summary>
    HolePageOffset,
    /// <summary>Stack slot byte offset + addend into a page-offset imm12 (the slot range keeps it below 4096).</summary>
    SlotPageOffset,
    /// <summary>The <c>adrp</c> and the <c>ldr</c> of a GOT load of hole value + addend: recorded, and patched to the
    /// value's GOT entry when the function is linked.</summary>
    HoleGotPage, HoleGotOffset,
    /// <summary>The <c>adrp</c> and the <c>ldr</c> of a GOT load of a stack slot's byte offset + addend.</summary>
    SlotGotPage, SlotGotOffset,
}

/// <summary>One relocation of a variant, validated and decoded for the emit loop (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct PatchStep(ushort offset, PatchOp op, byte arg, int addend)
{
    public readonly ushort Offset = offset;
    public readonly PatchOp Op = op;
    public readonly byte Arg = arg;
    public readonly int Addend = addend;
}

/// <summary>
/// An absolute hole field with a limited range: the variant can take hole value <c>h</c> when
/// <c>(h + Bias) &gt;&gt; Shift &lt;= Span</c> (unsigned, wrapping), i.e. when <c>h + addend</c> lies in the field's range
/// (16 bytes). <c>Shift</c> is 0 except for ranges wider than 32 bits (2^48 values: shift 16).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal readonly struct HoleCheck
{
    public readonly ulong Bias;
    public readonly uint Span;
    public readonly byte Hole;
    public readonly byte Shift;
    /// <summary>Bits of <c>h + addend</c> that must be zero (an AArch64 page-offset field of a scaled load/store).</summary>
    public readonly byte AlignMask;

    /// <summary>A check that <c>value + addend</c> lies in [<paramref name="min"/>, <paramref name="max"/>]; the width
    /// <c>max − min</c> must be below 2^32 or of the form 2^n − 1.</summary>
    public HoleCheck(int hole, int addend, long min, long max)
    {
        Bias = unchecked((ulong)((long)addend - min));
        ulong span = unchecked((ulong)(max - min));
        int shift = 0;
        while (span > uint.MaxValue)
        {
            shift += 16;
            span >>= 16;
        }
        Span = (uint)span;
        Hole = (byte)hole;
        Shift = (byte)shift;
    }

    /// <summary>A check that <c>value + addend</c> is a multiple of <paramref name="alignment"/> (a power of two up to
    /// 128), whatever its range.</summary>
    public HoleCheck(int hole, int addend, int alignment) : this(hole, addend, long.MinValue, long.MaxValue)
    {
        // Bias = addend − long.MinValue has the low bits of the addend.
        AlignMask = (byte)(alignment - 1);
    }

    public bool Accepts(ulong value)
    {
        ulong biased = unchecked(value + Bias);
        return (biased >> Shift <= Span) & (biased & AlignMask) == 0;
    }
}

[Flags]
internal enum PlanFlags : byte
{
    None = 0,
    /// <summary>The slot holds compiled code.</summary>
    Exists = 1,
    /// <summary>The variant's relocations cannot be patched (corrupt tables): selecting it throws.</summary>
    Corrupt = 2,
    /// <summary>A hole is referenced PC-relatively by an instruction that is not a direct call or jump: no value fits.</summary>
    NeverFits = 4,
    /// <summary>The variant can continue with the code after it (it has a branch to next).</summary>
    FallsThrough = 8,
    /// <summary>The step after the last counted one is the droppable trailing jump (<see cref="PatchOp.TailNext"/> or <see cref="PatchOp.TailTarget"/>).</summary>
    HasTail = 16,
}

/// <summary>
/// The header of one variant's record in <see cref="LibraryPlan.Blob"/> (16 bytes). The record continues with its
/// <see cref="PatchStep"/>s (<see cref="StepCount"/>, plus the trailing jump's with <see cref="PlanFlags.HasTail"/>), its
/// <see cref="HoleCheck"/>s, and its code at <see cref="CodeStart"/>: everything an emit reads is in one place.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct VariantPlan
{
    /// <summary>The code's length in bytes (0: the variant does not exist).</summary>
    public ushort Length;
    /// <summary>The lowest and highest stack slot number every Slot field of the variant can address.</summary>
    public ushort SlotMin, SlotMax;
    /// <summary>Where the code starts, relative to this header.</summary>
    public ushort CodeStart;
    /// <summary>The number of steps, not counting the trailing jump's (which follows them, with <see cref="PlanFlags.HasTail"/>).</summary>
    public byte StepCount;
    public byte CheckCount;
    public PlanFlags Flags;
    /// <summary>The first hole that no value fits (with <see cref="PlanFlags.NeverFits"/>).</summary>
    public byte NeverFitsHole;
    /// <summary>The family's index.</summary>
    public int Family;

    /// <summary>Where the checks start, relative to the header.</summary>
    public readonly int CheckStart => HeaderSize + (StepCount + ((Flags & PlanFlags.HasTail) != 0 ? 1 : 0)) * 8;

    /// <summary>True when the variant exists and is not corrupt or unusable for every hole value.</summary>
    public readonly bool IsReady => (Flags & (PlanFlags.Exists | PlanFlags.Corrupt | PlanFlags.NeverFits)) == PlanFlags.Exists;

    public const int HeaderSize = 16;
}

/// <summary>
/// The per-library precomputation behind <see cref="FunctionBuilder.Emit"/>: every variant's relocations validated once
/// and turned into <see cref="PatchStep"/>s (stack-value numbers resolved to value positions, the droppable trailing
/// jump marked), the range checks narrow holes need, and the stack slots each variant can address. Built on first use
/// and shared by every builder of the library (it is immutable).
/// </summary>
internal sealed class LibraryPlan
{
    /// <summary>How many bytes the emit loop may read past a variant's code (it copies in 32-byte chunks).</summary>
    public const int CopySlack = 32;

    public LibraryPlan(StencilLibrary library)
    {
        Library = library;
        Architecture = library.Architecture;
        TailJumpLength = TargetRules.TailJumpLength(Architecture);
        TailJumpKind = TargetRules.TailJumpKind(Architecture);
        MaxCodeSize = TargetRules.MaxCodeSize(Architecture);
        var variants = library.Variants;
        Offsets = new int[variants.Length];
        var family = new int[variants.Length];
        family.AsSpan().Fill(-1);
        var blob = new PooledList<byte>();
        var steps = new PooledList<PatchStep>();
        var checks = new PooledList<HoleCheck>();
        try
        {
            // Record 0 is the shared "does not exist" header, and where the slots of missing variants point.
            blob.Extend(VariantPlan.HeaderSize);
            blob.AsSpan().Clear();
            Span<int> codes = stackalloc int[64];
            Span<int> stackValue = stackalloc int[64];
            var families = library.FamilyArray;
            for (int fi = 0; fi < families.Length; fi++)
            {
                var f = families[fi];
                int values = Math.Min(f.Inputs + f.Outputs, codes.Length); // the constructor bounds slots; this only guards the buffers
                for (int slot = 0; slot < f.VariantSlots; slot++)
                {
                    int vi = f.FirstVariant + slot;
                    bool shared = family[vi] >= 0;
                    family[vi] = fi;
                    var variant = variants[vi];
                    var plan = new VariantPlan { Family = fi };
                    steps.Clear();
                    checks.Clear();
                    if (variant.Exists)
                    {
                        plan.Flags = PlanFlags.Exists;
                        plan.Length = (ushort)variant.Length;
                        VariantIndex.Decode(slot, f.Registers, codes[..values], f.FloatMask, f.FloatRegisters);
                        int stackValues = 0;
                        for (int v = 0; v < values; v++)
                            if (codes[v] == VariantIndex.StackCode(v, f.Registers, f.FloatMask, f.FloatRegisters)) stackValue[stackValues++] = v;
                        if (shared || !Build(library, f, variant, stackValue[..stackValues], ref plan, ref steps, ref checks))
                            plan.Flags |= PlanFlags.Corrupt;
                    }
                    else
                    {
                        Offsets[vi] = 0;
                        continue;
                    }
                    Offsets[vi] = Append(ref blob, ref plan, steps.AsSpan(), checks.AsSpan(), library.CodeOf(variant));
                }
            }
            blob.Extend(CopySlack);
            Blob = blob.ToArray();
            Blob.AsSpan(Blob.Length - CopySlack).Clear();
        }
        finally
        {
            blob.Release();
            steps.Release();
            checks.Release();
        }
        PairStarts = InvertiblePairs.Find(library, this);
        try
        {
            Linking.FunctionLinker.ValidateEntry(library);
        }
        catch (StencilTablesException e)
        {
            EntryError = e.Message;
        }
    }

    public StencilLibrary Library { get; }

    /// <summary>The instruction set of the library's code (chosen once: builders copy what they need into fields).</summary>
    public TargetArchitecture Architecture { get; }

    /// <summary>The length of the droppable trailing jump.</summary>
    public int TailJumpLength { get; }

    /// <summary>The relocation kind of the trailing jump, used when it is kept.</summary>
    public RelocationKind TailJumpKind { get; }

    /// <summary>The largest body, so that every branch inside it reaches.</summary>
    public int MaxCodeSize { get; }

    /// <summary>
    /// Every variant's record — header, steps, checks, code — aligned to 8 bytes, followed by <see cref="CopySlack"/>
    /// bytes so any code can be copied in whole chunks.
    /// </summary>
    public byte[] Blob { get; }

    /// <summary>Per variant of <see cref="StencilLibrary.Variants"/>, the offset of its record in <see cref="Blob"/> (0: missing).</summary>
    public int[] Offsets { get; }

    /// <summary>
    /// Per variant, where the invertible branch pair its code ends in starts (-1: none); null when the library has
    /// none (<see cref="InvertiblePairs"/>).
    /// </summary>
    public int[]? PairStarts { get; }

    /// <summary>Why the entry shim cannot be used, or null.</summary>
    public string? EntryError { get; }

    /// <summary>The number of variants.</summary>
    public int VariantCount => Offsets.Length;

    /// <summary>The header of variant <paramref name="variant"/>.</summary>
    public ref readonly VariantPlan Variant(int variant) => ref Unsafe.As<byte, VariantPlan>(ref Blob[Offsets[variant]]);

    /// <summary>The patch steps of variant <paramref name="variant"/>, the trailing jump's included.</summary>
    public ReadOnlySpan<PatchStep> StepsOf(int variant)
    {
        ref readonly var v = ref Variant(variant);
        int count = v.StepCount + ((v.Flags & PlanFlags.HasTail) != 0 ? 1 : 0);
        return MemoryMarshal.Cast<byte, PatchStep>(Blob.AsSpan(Offsets[variant] + VariantPlan.HeaderSize, count * 8));
    }

    /// <summary>The family a variant belongs to.</summary>
    public StencilFamily FamilyOf(int variant) => Library.FamilyArray[Variant(variant).Family];

    private static int Append(ref PooledList<byte> blob, ref VariantPlan plan, ReadOnlySpan<PatchStep> steps,
        ReadOnlySpan<HoleCheck> checks, ReadOnlySpan<byte> code)
    {
        int offset = blob.Count;
        int size = VariantPlan.HeaderSize + steps.Length * 8 + checks.Length * 16;
        plan.CodeStart = (ushort)size;
        size = (size + code.Length + 7) & ~7;
        int at = blob.Extend(size);
        var record = blob.AsSpan().Slice(at, size);
        record.Clear();
        MemoryMarshal.Write(record, in plan);
        MemoryMarshal.AsBytes(steps).CopyTo(record.Slice(VariantPlan.HeaderSize));
        MemoryMarshal.AsBytes(checks).CopyTo(record.Slice(VariantPlan.HeaderSize + steps.Length * 8));
        code.CopyTo(record.Slice(plan.CodeStart));
        return offset;
    }

    /// <summary>
    /// Decodes and checks one variant's relocations. False when they break a rule <see cref="VariantRules.Validate"/>
    /// enforces (the variant is then marked corrupt, and selecting it throws that method's message).
    /// </summary>
    private static bool Build(StencilLibrary library, StencilFamily family, in StencilVariant variant, ReadOnlySpan<int> stackValue,
        ref VariantPlan plan, ref PooledList<PatchStep> steps, ref PooledList<HoleCheck> checks)
    {
        var relocations = library.RelocationsOf(variant);
        var code = library.CodeOf(variant);
        var arch = library.Architecture;
        int alignment = TargetRules.InstructionAlignment(arch);
        if (variant.Length % alignment != 0) return false;
        bool droppableTail = TargetRules.HasDroppableTail(library, variant);
        long slotMin = 0, slotMax = FunctionBuilder.MaxStackSlots - 1;
        int fieldsEnd = 0;
        for (int k = 0; k < relocations.Length; k++)
        {
            var r = relocations[k];
            if (r.Offset < fieldsEnd) return false;
            fieldsEnd = r.Offset + r.Size;
            if (r.Size == 0 || r.Offset + r.Size > variant.Length || !TargetRules.Accepts(arch, r.Kind) || r.Offset % alignment != 0
                || !TargetRules.IsFieldInstruction(r.Kind, code, r.Offset) || !TargetRules.IsAlignedAddend(r.Kind, r.Addend))
                return false;
            bool isTail = droppableTail && k == relocations.Length - 1;
            int group = RelocationFields.MovwGroup(r.Kind);
            PatchOp op;
            byte arg = r.Index;
            switch (r.Patch)
            {
                case PatchKind.Hole:
                    if (r.Index >= family.Holes) return false;
                    if (RelocationFields.IsIndirect(r.Kind))
                    {
                        if (r.Addend != 0) return false;
                        op = r.Kind == RelocationKind.Arm64GotPage21 ? PatchOp.HoleGotPage : PatchOp.HoleGotOffset;
                        break; // every value fits: it is loaded from its GOT entry
                    }
                    if (r.IsRelative)
                    {
                        op = r.Kind switch
                        {
                            RelocationKind.Rel64 => PatchOp.HoleRel64,
                            RelocationKind.Rel32 => PatchOp.HoleRel32,
                            RelocationKind.Arm64Page21 => PatchOp.HolePage21,
                            _ => PatchOp.HoleBranch26,
                        };
                        if (!TargetRules.IsUsableRelativeHole(r.Kind, code, r.Offset) && (plan.Flags & PlanFlags.NeverFits) == 0)
                        {
                            plan.Flags |= PlanFlags.NeverFits;
                            plan.NeverFitsHole = r.Index;
                        }
                        break;
                    }
                    if (r.Kind == RelocationKind.Arm64PageOff12)
                    {
                        op = PatchOp.HolePageOffset;
                        int valueAlignment = TargetRules.ValueAlignment(r.Kind, code, r.Offset);
                        if (valueAlignment > 1) checks.Add(new HoleCheck(r.Index, r.Addend, valueAlignment));
                        break;
                    }
                    op = r.Kind switch
                    {
                        RelocationKind.Abs64 => PatchOp.Hole64,
                        _ when group >= 0 => (PatchOp)((int)PatchOp.HoleImm16Group0 + group),
                        _ => r.Size switch { 1 => PatchOp.Hole8, 2 => PatchOp.Hole16, _ => PatchOp.Hole32 },
                    };
                    var (min, max) = SignedRange(r.Kind);
                    if (min != long.MinValue || max != long.MaxValue)
                        checks.Add(new HoleCheck(r.Index, r.Addend, min, max));
                    break;
                case PatchKind.Slot:
                    if (r.IsRelative || r.Index >= stackValue.Length) return false;
                    arg = (byte)stackValue[r.Index];
                    if (RelocationFields.IsIndirect(r.Kind))
                    {
                        if (r.Addend != 0) return false;
                        op = r.Kind == RelocationKind.Arm64GotPage21 ? PatchOp.SlotGotPage : PatchOp.SlotGotOffset;
                        break;
                    }
                    if (r.Kind == RelocationKind.Arm64PageOff12)
                    {
                        // Slot offsets are multiples of 8: the addend must keep them aligned to the access, and the
                        // whole offset must be below 4096 (the field holds only the low 12 bits).
                        int valueAlignment = TargetRules.ValueAlignment(r.Kind, code, r.Offset);
                        if (valueAlignment > 8 || (r.Addend & (valueAlignment - 1)) != 0) return false;
                        op = PatchOp.SlotPageOffset;
                        slotMin = Math.Max(slotMin, CeilDiv8(-(long)r.Addend));
                        slotMax = Math.Min(slotMax, FloorDiv8(0xFFF - (long)r.Addend));
                        break;
                    }
                    op = group >= 0 ? (PatchOp)((int)PatchOp.SlotImm16Group0 + group)
                        : r.Size switch { 1 => PatchOp.Slot8, 2 => PatchOp.Slot16, 4 => PatchOp.Slot32, _ => PatchOp.Slot64 };
                    if (r.Kind != RelocationKind.Abs64)
                    {
                        // An 8- or 16-bit slot field is a sign-extended displacement: only its signed range is safe.
                        (long min, long max) slotRange = r.Kind switch
                        {
                            RelocationKind.Abs8 => ((long)sbyte.MinValue, (long)sbyte.MaxValue),
                            RelocationKind.Abs16 => ((long)short.MinValue, (long)short.MaxValue),
                            _ => SignedRange(r.Kind),
                        };
                        if (slotRange.min != long.MinValue || slotRange.max != long.MaxValue)
                        {
                            slotMin = Math.Max(slotMin, CeilDiv8(slotRange.min - r.Addend));
                            slotMax = Math.Min(slotMax, FloorDiv8(slotRange.max - r.Addend));
                        }
                    }
                    break;
                case PatchKind.Next:
                    if (!r.IsRelative || !VariantRules.IsBranchField(r, code)) return false;
                    op = isTail ? PatchOp.TailNext : r.Kind switch
                    {
                        RelocationKind.Rel32 => PatchOp.Next32, RelocationKind.Rel64 => PatchOp.Next64, _ => PatchOp.Next26,
                    };
                    plan.Flags |= PlanFlags.FallsThrough;
                    break;
                case PatchKind.Target:
                    if (!r.IsRelative || r.Index >= family.Targets || !VariantRules.IsBranchField(r, code)) return false;
                    op = isTail ? PatchOp.TailTarget : r.Kind switch
                    {
                        RelocationKind.Rel32 => PatchOp.Target32, RelocationKind.Rel64 => PatchOp.Target64, _ => PatchOp.Target26,
                    };
                    break;
                case PatchKind.FrameSize:
                    if (family.Kind != StencilFamilyKind.Entry || r.IsRelative || r.Kind == RelocationKind.Arm64PageOff12
                        || (RelocationFields.IsIndirect(r.Kind) && r.Addend != 0))
                        return false;
                    continue; // written by the linker
                default:
                    return false;
            }
            steps.Add(new PatchStep(r.Offset, op, arg, r.Addend));
        }
        if (steps.Count > byte.MaxValue || checks.Count > byte.MaxValue) return false;
        plan.StepCount = (byte)steps.Count;
        plan.CheckCount = (byte)checks.Count;
        if (droppableTail && plan.StepCount > 0 && steps[steps.Count - 1].Op is PatchOp.TailNext or PatchOp.TailTarget)
        {
            plan.StepCount--;
            plan.Flags |= PlanFlags.HasTail;
        }
        if (slotMin > slotMax)
        {
            slotMin = 1;
            slotMax = 0; // no slot is addressable: any stack location is refused with a message
        }
        plan.SlotMin = (ushort)slotMin;
        plan.SlotMax = (ushort)slotMax;
        return true;
    }

    /// <summary>The range of values (value + addend, 64-bit) an absolute field of <paramref name="kind"/> can hold.</summary>
    public static (long Min, long Max) SignedRange(RelocationKind kind) => RelocationFields.AbsoluteRange(kind);

    private static long FloorDiv8(long value) => value >> 3;

    private static long CeilDiv8(long value) => -((-value) >> 3);
}
