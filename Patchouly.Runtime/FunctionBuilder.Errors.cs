using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

// The slow paths of emitting: variant selection beyond the narrow variant, and every error message. Nothing here runs
// for an emit whose narrow variant serves, and only error paths allocate.
public sealed partial class FunctionBuilder
{
    private enum Fit : byte { Ok, Missing, Hole, Slots }

    /// <summary>
    /// Selects a variant when the narrow one cannot serve: the wide one, or an emit through scratch registers (then
    /// returns -1, having emitted), or throws the error that explains why nothing fits.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int SelectSlow(StencilFamily family, int narrowIndex, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets, int minSlot, int maxSlot)
    {
        if (_library.IsManagedOnly)
        {
            EmitManagedOnly(family, inputs, outputs, holes, targets, maxSlot);
            return -1;
        }
        int wideIndex = family.HasWide ? narrowIndex + family.NarrowSlots : -1;
        var narrow = Evaluate(family, narrowIndex, holes, minSlot, maxSlot);
        if (narrow == Fit.Ok) return narrowIndex;
        var wide = wideIndex >= 0 ? Evaluate(family, wideIndex, holes, minSlot, maxSlot) : Fit.Missing;
        if (wide == Fit.Ok) return wideIndex;
        if ((narrow == Fit.Missing || (wideIndex >= 0 && wide == Fit.Missing))
            && TryEmitWithMoves(family, inputs, outputs, holes, targets))
            return -1;
        throw NoVariant(family, narrowIndex, wideIndex, narrow, wide, inputs, outputs, holes, minSlot, maxSlot);
    }

    /// <summary>Whether a variant can serve; throws when it would serve but its relocations are corrupt.</summary>
    private Fit Evaluate(StencilFamily family, int variant, ReadOnlySpan<ulong> holes, int minSlot, int maxSlot)
    {
        ref VariantPlan v = ref Header(variant);
        if ((v.Flags & PlanFlags.Exists) == 0) return Fit.Missing;
        if ((v.Flags & PlanFlags.Corrupt) != 0) ThrowCorrupt(family, variant);
        if ((v.Flags & PlanFlags.NeverFits) != 0 || (v.CheckCount != 0 && !AcceptsHoles(ref v, holes))) return Fit.Hole;
        if (maxSlot >= 0 && (minSlot < v.SlotMin || maxSlot > v.SlotMax)) return Fit.Slots;
        return Fit.Ok;
    }

    [DoesNotReturn]
    private void ThrowCorrupt(StencilFamily family, int variant)
    {
        // Re-validate the raw relocations for the precise message.
        int stackValues = VariantIndex.StackValues((variant - family.FirstVariant) % family.NarrowSlots, family.Inputs + family.Outputs,
            family.Registers, family.FloatMask, family.FloatRegisters);
        VariantRules.Validate(_library, family, variant, _library.Variants[variant], stackValues);
        throw new StencilTablesException(
            $"The stencil tables of {_library.Name} are corrupt: variant {variant - family.FirstVariant} of stencil {family.Name} cannot be patched (its variant slot is shared with another family, or its trailing jump is malformed).");
    }

    /// <summary>The exception for an emit no variant can serve (built only on that path: it allocates).</summary>
    private StencilEmitException NoVariant(StencilFamily family, int narrowIndex, int wideIndex, Fit narrow, Fit wide,
        ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs, ReadOnlySpan<ulong> holes, int minSlot, int maxSlot)
    {
        string where = DescribeLocations(inputs, outputs);
        if (narrow == Fit.Missing && wide == Fit.Missing)
        {
            string help = _scratch.Length == 0
                ? " To let the builder move values through a register instead, reserve one: builder.ScratchRegisters = [Location.Register(n)] (and keep no values in it)."
                : $" Moving values through the scratch registers {DescribeLocations(_scratch, default)} does not reach a compiled variant either (scratch registers the stencil's own locations use cannot serve; reserve more).";
            return new MissingVariantException(
                $"Stencil {family.Name} has no variant for locations {where} (for example, two outputs cannot share a register, or the tables omit stack variants).{help}",
                family.Name, where);
        }
        if (narrow != Fit.Hole && wide != Fit.Hole)
        {
            var v = Header(narrow == Fit.Slots ? narrowIndex : wideIndex);
            string argument = "";
            Location slot = default;
            for (int i = 0; i < inputs.Length + outputs.Length && argument.Length == 0; i++)
            {
                var l = i < inputs.Length ? inputs[i] : outputs[i - inputs.Length];
                if (l.IsStack && (l.Index < v.SlotMin || l.Index > v.SlotMax))
                {
                    argument = i < inputs.Length ? $"inputs[{i}]" : $"outputs[{i - inputs.Length}]";
                    slot = l;
                }
            }
            string reach = v.SlotMin <= v.SlotMax ? $"reach only s{v.SlotMin}..s{v.SlotMax}" : "cannot address any slot";
            return new StencilEmitException(
                $"Argument {argument} of stencil {family.Name} {where} is {slot}, but the stack fields of the stencil's variant {reach}. Use a lower slot or a register.",
                family.Name, argument);
        }
        var variants = _library.Variants;
        int narrowFailure = narrow == Fit.Hole ? VariantRules.FirstUnusableHole(_library, variants[narrowIndex], holes) : -1;
        int wideFailure = wide == Fit.Hole ? VariantRules.FirstUnusableHole(_library, variants[wideIndex], holes) : -1;
        string narrowText = narrowFailure >= 0 ? "the narrow variant's " + HoleFieldKinds(variants[narrowIndex], narrowFailure) : "";
        string wideText = wideFailure >= 0 ? "the wide variant's " + HoleFieldKinds(variants[wideIndex], wideFailure) : "";
        string reason = narrowText.Length > 0 && wideText.Length > 0 ? $"it fits neither {narrowText} nor {wideText}."
            : $"it does not fit {narrowText}{wideText}{(family.HasWide ? "." : ", and the stencil has no wide variant.")}";
        int hole = wideFailure >= 0 ? wideFailure : narrowFailure;
        if (hole < 0) hole = 0;
        ulong value = holes.Length > hole ? holes[hole] : 0;
        return new HoleValueException(
            $"Hole {hole} of stencil {family.Name} {where} cannot take value {unchecked((long)value)} (0x{value:x}): {reason}", family.Name, hole, value);
    }

    private string HoleFieldKinds(in StencilVariant variant, int hole)
    {
        var code = _library.CodeOf(variant);
        var sb = new StringBuilder();
        foreach (var r in _library.RelocationsOf(variant))
        {
            if (r.Patch != PatchKind.Hole || r.Index != hole) continue;
            if (sb.Length > 0) sb.Append('/');
            sb.Append(r.Kind);
            if (r.IsRelative && !Targets.TargetRules.IsUsableRelativeHole(r.Kind, code, r.Offset))
                sb.Append(" (").Append(Targets.TargetRules.RelativeHoleRequirement(r.Kind)).Append(')');
        }
        return sb.Append(" field").ToString();
    }

    /// <summary>Throws the error for a family of another library, the entry shim, or wrong counts.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBadShape(StencilFamily family, int inputs, int outputs, int holes, int targets)
    {
        if (!ReferenceEquals(family.Library, _library))
            throw new StencilEmitException(
                $"Stencil {family.Name} belongs to library {family.Library?.Name ?? "(none)"}, but this builder emits {_library.Name}.", family.Name, nameof(family));
        if (family.Kind == StencilFamilyKind.Entry)
            throw new StencilEmitException($"Stencil {family.Name} is the entry shim, which Compile adds; it cannot be emitted.", family.Name, nameof(family));
        CheckCount(family, nameof(inputs), inputs, family.Inputs);
        CheckCount(family, nameof(outputs), outputs, family.Outputs);
        CheckCount(family, nameof(holes), holes, family.Holes);
        CheckCount(family, nameof(targets), targets, family.Targets);
        throw new InvalidOperationException("Internal error: no shape error found.");
    }

    /// <summary>Throws the error for the first bad location, block or hole value.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBadArguments(StencilFamily family, ReadOnlySpan<Location> inputs, ReadOnlySpan<Location> outputs,
        ReadOnlySpan<ulong> holes, ReadOnlySpan<Block> targets)
    {
        for (int i = 0; i < inputs.Length; i++) CheckLocation(family, nameof(inputs), i, inputs[i], family.IsFloatValue(i));
        for (int i = 0; i < outputs.Length; i++) CheckLocation(family, nameof(outputs), i, outputs[i], family.IsFloatValue(inputs.Length + i));
        for (int i = 0; i < targets.Length; i++) CheckBlock(targets[i], family, nameof(targets), i);
        byte[] holeBits = family.HoleBits;
        for (int i = 0; i < holes.Length; i++)
        {
            int bits = holeBits[i];
            if (bits is > 0 and < 64 && holes[i] >> bits != 0)
                throw new HoleValueException(
                    $"Hole {i} of stencil {family.Name} is {bits} bits wide, but value {holes[i]} (0x{holes[i]:x}) has more bits set; pass the value's bits zero-extended.",
                    family.Name, i, holes[i]);
        }
        throw new InvalidOperationException("Internal error: no argument error found.");
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge(StencilFamily family, int length) =>
        throw new StencilEmitException(
            $"Emitting stencil {family.Name} ({length} bytes) would make the function's code larger than the limit of {CodeSizeLimit} bytes.", family.Name);

    /// <summary>Checks a location; <paramref name="index"/> &lt; 0 means <paramref name="argument"/> is not a list.
    /// A float-class value (<paramref name="isFloat"/>) must be in a float register or a slot, any other value in a register or a slot.</summary>
    private void CheckLocation(StencilFamily family, string argument, int index, Location location, bool isFloat = false)
    {
        bool ok = location.IsStack ? location.Index < MaxStackSlots
            : location.IsFloatRegister ? isFloat && location.Index < family.FloatRegisters
            : !isFloat && location.Index < family.Registers;
        if (!ok) ThrowBadLocation(family, index < 0 ? argument : $"{argument}[{index}]", location, isFloat);
    }

    [DoesNotReturn]
    private void ThrowBadLocation(StencilFamily family, string argument, Location location, bool isFloat) =>
        throw new StencilEmitException(
            location.IsStack
                ? $"Argument {argument} of stencil {family.Name} is {location}, but stack slots are limited to s0..s{MaxStackSlots - 1}."
                : isFloat
                    ? _library.FloatRegisters == 0
                        ? $"Argument {argument} of stencil {family.Name} is {location}, but library {_library.Name} has no float registers."
                        : location.IsFloatRegister && location.Index >= _library.FloatRegisters && location.Index < _library.FloatRegisters + _library.MoveFloatRegisters
                            ? $"Argument {argument} of stencil {family.Name} is {location}, a move register: only the built-in moves (FunctionBuilder.Move) reach f{_library.FloatRegisters}..f{_library.FloatRegisters + _library.MoveFloatRegisters - 1}; move the value to a float register f0..f{_library.FloatRegisters - 1} or a stack slot first."
                            : $"Argument {argument} of stencil {family.Name} is a float or double value, which lives in a float register (f0..f{_library.FloatRegisters - 1}) or a stack slot, but {location} was given."
                    : location.IsFloatRegister
                        ? _library.FloatRegisters == 0
                            ? $"Argument {argument} of stencil {family.Name} is {location}, but library {_library.Name} has no float registers."
                            : $"Argument {argument} of stencil {family.Name} is {location}, a float register, but the value is not a float or double (a register r0..r{_registers - 1} or a stack slot is)."
                        : _library.MoveRegisters > 0 && location.Index < _registers + _library.MoveRegisters
                            ? $"Argument {argument} of stencil {family.Name} is {location}, a move register: only the built-in moves (FunctionBuilder.Move) reach r{_registers}..r{_registers + _library.MoveRegisters - 1}; move the value to a register r0..r{_registers - 1} or a stack slot first."
                            : $"Argument {argument} of stencil {family.Name} is {location}, but library {_library.Name} has only registers r0..r{_registers + _library.MoveRegisters - 1}.",
            family.Name, argument);

    /// <summary>Checks a block; <paramref name="index"/> &lt; 0 means <paramref name="argument"/> is not a list.</summary>
    private void CheckBlock(Block block, StencilFamily? family, string argument, int index = -1)
    {
        if (block.Builder != _id || (uint)block.Id >= (uint)_blocks.Count)
            ThrowBadBlock(block, family, index < 0 ? argument : $"{argument}[{index}]");
    }

    [DoesNotReturn]
    private static void ThrowBadBlock(Block block, StencilFamily? family, string argument)
    {
        string what = block.Builder == 0 ? "default(Block), not a block" : $"block {block} of another builder (or of this builder before Reset)";
        throw new StencilEmitException(
            family is null
                ? $"Argument {argument} is {what}; use a block from this builder's NewBlock()."
                : $"Argument {argument} of stencil {family.Name} is {what}; use a block from this builder's NewBlock().",
            family?.Name, argument);
    }

    private static void CheckCount(StencilFamily family, string argument, int given, int expected)
    {
        if (given != expected)
            throw new StencilEmitException(
                $"Stencil {family} takes {expected} {argument}, but {given.ToString(CultureInfo.InvariantCulture)} were given.", family.Name, argument);
    }

    private void ThrowIfCompiled()
    {
        if (_compiled) ThrowCompiled();
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowCompiled() =>
        throw new StencilEmitException("The function was already compiled; a FunctionBuilder cannot be used after Compile. Create a new builder (or call Reset).");
}
