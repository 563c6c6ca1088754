using System;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using Patchouly.Runtime.Managed;

namespace Patchouly.Runtime.Tables;

// The managed side of a library: its stencils as plain .NET methods (generated), and libraries that have no native
// code at all (no tables for this platform, or clang was missing when the project was built).
public sealed partial class StencilLibrary
{
    private ManagedStencils? _managed;
    private int[]? _managedOnlyOffsets;
    private int _fallbackReported;

    /// <summary>Creates a library without native code: it runs on the managed engine only.</summary>
    internal StencilLibrary(ManagedStencils managed, string reason)
    {
        ArgumentNullException.ThrowIfNull(managed);
        Name = managed.Name;
        Registers = managed.Registers;
        FloatRegisters = managed.FloatRegisters;
        MoveRegisters = managed.MoveRegisters;
        MoveFloatRegisters = managed.MoveFloatRegisters;
        ModelHash = managed.ModelHash;
        Target = "managed";
        Architecture = default;
        Code = [];
        Relocations = [];
        Variants = [];
        NativeUnavailableReason = reason;
        _managed = managed;
        var shapes = managed.Shapes;
        var families = new StencilFamily[shapes.Length];
        long first = 0;
        for (int i = 0; i < shapes.Length; i++)
        {
            var s = shapes[i];
            var f = new StencilFamily(s.Name, s.Kind, s.Inputs, s.Outputs, s.HoleBits, s.Targets, s.HasWide, (int)first, s.Signature, s.FloatMask)
            {
                Library = this,
                Index = i,
            };
            f.Registers = VariantIndex.FamilyRegisters(f.Kind, Registers, MoveRegisters);
            f.FloatRegisters = VariantIndex.FamilyRegisters(f.Kind, FloatRegisters, MoveFloatRegisters);
            long slots = VariantIndex.NarrowSlots(f.Inputs + f.Outputs, f.Registers, f.FloatMask, f.FloatRegisters);
            first += f.HasWide ? 2 * slots : slots;
            if (first > int.MaxValue)
                throw new StencilTablesException($"Stencil library {Name} has too many location assignments to be emitted.");
            f.NarrowSlots = (int)slots;
            families[i] = f;
            _byName[f.Name] = f;
            switch (f.Kind)
            {
                case StencilFamilyKind.Entry: EntryFamily = f; break;
                case StencilFamilyKind.Move:
                    if (f.FloatMask == 0) MoveFamily = f;
                    else if (f.FloatMask == 3) FloatMoveFamily = f;
                    else if (f.FloatMask == 1) FloatToIntMoveFamily = f;
                    else IntToFloatMoveFamily = f;
                    break;
                case StencilFamilyKind.Jump: JumpFamily = f; break;
            }
        }
        if (EntryFamily is null || MoveFamily is null || JumpFamily is null)
            throw new StencilTablesException($"The managed stencils of {Name} lack the built-in entry, move or jump stencil.");
        Families = families;
        FamilyArray = families;
        ManagedVariantSlots = (int)first;
    }

    /// <summary>
    /// True when the library has native code for this process's platform. False when it was built without tables for
    /// it (see <see cref="NativeUnavailableReason"/>): its functions then run on the managed engine.
    /// </summary>
    public bool HasNativeCode => NativeUnavailableReason is null;

    /// <summary>Why the library has no native code (so its functions run on the managed engine), or null when it has.</summary>
    public string? NativeUnavailableReason { get; }

    /// <summary>True when the library's stencils are also available as managed code (generated libraries).</summary>
    public bool HasManagedCode => _managed is not null;

    /// <summary>The stencils as managed code, or null (hand-made tables).</summary>
    internal ManagedStencils? Managed => _managed;

    internal bool IsManagedOnly => NativeUnavailableReason is not null;

    /// <summary>For a library without native code: the number of variant slots its families would have.</summary>
    internal int ManagedVariantSlots { get; }

    /// <summary>For a library without native code: every variant slot points at the "missing" record, so a builder's
    /// variant lookup always takes its slow path, where the managed recording happens.</summary>
    internal int[] ManagedOnlyOffsets => _managedOnlyOffsets ??= new int[ManagedVariantSlots];

    /// <summary>Attaches the managed form of the stencils (after checking that it describes these families).</summary>
    internal void AttachManaged(ManagedStencils managed)
    {
        ArgumentNullException.ThrowIfNull(managed);
        var shapes = managed.Shapes;
        if (shapes.Length != FamilyArray.Length)
            throw new StencilTablesException($"The managed stencils of {managed.Name} do not match the tables of {Name}: {shapes.Length} families, the tables have {FamilyArray.Length}.");
        for (int i = 0; i < shapes.Length; i++)
        {
            var s = shapes[i];
            var f = FamilyArray[i];
            if (s.Name != f.Name || s.Kind != f.Kind || s.Inputs != f.Inputs || s.Outputs != f.Outputs || s.Holes != f.Holes || s.Targets != f.Targets)
                throw new StencilTablesException($"The managed stencils of {managed.Name} do not match the tables of {Name}: family {i} is {s} there and {f} in the tables.");
        }
        Interlocked.CompareExchange(ref _managed, managed, null);
    }

    /// <summary>True the first time it is called for this library (the managed fallback is reported once).</summary>
    internal bool FirstFallback() => Interlocked.Exchange(ref _fallbackReported, 1) == 0;

    [DoesNotReturn]
    private void ThrowManagedOnly() =>
        throw new InvalidOperationException($"Stencil library {Name} has no native code ({NativeUnavailableReason}).");
}
