using System;
using System.Collections.Generic;
using System.Threading;
using Patchouly.Runtime.Internal;

namespace Patchouly.Runtime.Tables;

/// <summary>
/// A compiled stencil library: the machine code of every variant of every stencil, their relocations, and the family
/// descriptors. Instances are created by the tables the Patchouly build generates; they are immutable and thread-safe.
/// </summary>
public sealed partial class StencilLibrary
{
    private readonly Dictionary<string, StencilFamily> _byName = new(StringComparer.Ordinal);
    private LibraryPlan? _plan;

    /// <summary>Creates a library from generated tables.</summary>
    /// <param name="name">The library's C# type name.</param>
    /// <param name="registers">The number of register locations.</param>
    /// <param name="modelHash">Hash of the translated C; ties generated emit code to these tables.</param>
    /// <param name="target">The target triple the code was compiled for.</param>
    /// <param name="code">All variants' machine code.</param>
    /// <param name="relocations">All variants' packed relocations, in variant order.</param>
    /// <param name="variants">Packed <see cref="StencilVariant"/> records.</param>
    /// <param name="families">The families, whose variant ranges tile <paramref name="variants"/>.</param>
    public StencilLibrary(string name, int registers, string modelHash, string target, byte[] code, ulong[] relocations, ulong[] variants, StencilFamily[] families)
        : this(name, registers, modelHash, target, code, relocations, variants, families, 0)
    {
    }

    /// <summary>Creates a library from generated tables, with <paramref name="floatRegisters"/> float register locations
    /// (0 to <see cref="VariantIndex.MaxFloatRegisters"/>; with 1 or more, the library has the built-in float moves).</summary>
    public StencilLibrary(string name, int registers, string modelHash, string target, byte[] code, ulong[] relocations, ulong[] variants, StencilFamily[] families, int floatRegisters)
        : this(name, registers, modelHash, target, code, relocations, variants, families, floatRegisters, 0, 0)
    {
    }

    /// <summary>Creates a library from generated tables with move registers: <paramref name="moveRegisters"/> register
    /// locations after the <paramref name="registers"/> and <paramref name="moveFloatRegisters"/> float register locations
    /// after the <paramref name="floatRegisters"/> that only the built-in moves reach (<see cref="VariantIndex.FamilyRegisters"/>).</summary>
    public StencilLibrary(string name, int registers, string modelHash, string target, byte[] code, ulong[] relocations, ulong[] variants, StencilFamily[] families,
        int floatRegisters, int moveRegisters, int moveFloatRegisters)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(relocations);
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(families);
        if (registers < 1 || registers > VariantIndex.MaxRegisters)
            throw new ArgumentOutOfRangeException(nameof(registers), registers, $"A stencil library has 1 to {VariantIndex.MaxRegisters} register locations.");
        if (floatRegisters < 0 || floatRegisters > VariantIndex.MaxFloatRegisters)
            throw new ArgumentOutOfRangeException(nameof(floatRegisters), floatRegisters, $"A stencil library has 0 to {VariantIndex.MaxFloatRegisters} float register locations.");
        if (moveRegisters < 0 || registers + moveRegisters > VariantIndex.MaxRegisters)
            throw new ArgumentOutOfRangeException(nameof(moveRegisters), moveRegisters, $"A stencil library has at most {VariantIndex.MaxRegisters} register locations with its move registers.");
        if (moveFloatRegisters < 0 || floatRegisters + moveFloatRegisters > VariantIndex.MaxFloatRegisters || (moveFloatRegisters > 0 && floatRegisters == 0))
            throw new ArgumentOutOfRangeException(nameof(moveFloatRegisters), moveFloatRegisters, $"A stencil library with float registers has at most {VariantIndex.MaxFloatRegisters} float register locations with its move float registers.");
        Name = name;
        Registers = registers;
        FloatRegisters = floatRegisters;
        MoveRegisters = moveRegisters;
        MoveFloatRegisters = moveFloatRegisters;
        ModelHash = modelHash;
        Target = target;
        Architecture = TableTarget.FromTriple(target)?.Architecture
            ?? throw new ArgumentException($"Stencil library {name} was compiled for '{target}', a target this runtime does not know.", nameof(target));
        Code = code;

        Relocations = new Relocation[relocations.Length];
        for (int i = 0; i < relocations.Length; i++)
            Relocations[i] = Relocation.FromBits(relocations[i]);

        Variants = new StencilVariant[variants.Length];
        int relocStart = 0;
        for (int i = 0; i < variants.Length; i++)
        {
            var v = StencilVariant.FromBits(variants[i], relocStart);
            if (v.Exists && ((long)v.CodeOffset + v.Length > code.Length || relocStart + v.RelocationCount > relocations.Length))
                throw new ArgumentException($"Stencil table of {name} is corrupt: variant {i} lies outside the code or relocation arrays.");
            relocStart += v.RelocationCount;
            Variants[i] = v;
        }

        Families = families;
        FamilyArray = families;
        for (int i = 0; i < families.Length; i++)
        {
            var f = families[i];
            ArgumentNullException.ThrowIfNull(f, nameof(families));
            if (f.FirstVariant < 0 || f.Inputs < 0 || f.Outputs < 0 || f.Targets is < 0 or > 256 || f.Holes > 256)
                throw new ArgumentException($"Stencil table of {name} is corrupt: family {f.Name} has a negative first variant or value count, or more than 256 holes or targets.");
            f.Library = this;
            f.Index = i;
            if (f.FloatMask != 0 && (floatRegisters == 0 || f.Inputs + f.Outputs > VariantIndex.MaxFloatMaskValues || f.FloatMask >> (f.Inputs + f.Outputs) != 0))
                throw new ArgumentException($"Stencil table of {name} is corrupt: family {f.Name} has float-class values the library or the family does not have.");
            f.Registers = VariantIndex.FamilyRegisters(f.Kind, registers, moveRegisters);
            f.FloatRegisters = VariantIndex.FamilyRegisters(f.Kind, floatRegisters, moveFloatRegisters);
            long slots = VariantIndex.NarrowSlots(f.Inputs + f.Outputs, f.Registers, f.FloatMask, f.FloatRegisters);
            if (slots > int.MaxValue || f.FirstVariant + (f.HasWide ? 2 * slots : slots) > variants.Length)
                throw new ArgumentException($"Stencil table of {name} is corrupt: family {f.Name} has more variants than the table.");
            f.NarrowSlots = (int)slots;
            _byName[f.Name] = f;
            switch (f.Kind)
            {
                case StencilFamilyKind.Entry: EntryFamily = f; break;
                case StencilFamilyKind.Move when f.Inputs == 1 && f.Outputs == 1:
                    switch (f.FloatMask)
                    {
                        case 0: MoveFamily = f; break;
                        case 3: FloatMoveFamily = f; break;
                        case 1: FloatToIntMoveFamily = f; break;
                        case 2: IntToFloatMoveFamily = f; break;
                    }
                    break;
                case StencilFamilyKind.Jump: JumpFamily = f; break;
            }
        }
        if (EntryFamily is null || MoveFamily is null || JumpFamily is null)
            throw new ArgumentException($"Stencil table of {name} lacks the built-in entry, move or jump stencil.");
        if (floatRegisters > 0 && (FloatMoveFamily is null || FloatToIntMoveFamily is null || IntToFloatMoveFamily is null))
            throw new ArgumentException($"Stencil table of {name} has float registers but lacks the built-in float moves.");
    }

    /// <summary>The library's name (its C# type name).</summary>
    public string Name { get; }

    /// <summary>Number of register locations; location code <see cref="Registers"/> means a stack slot.</summary>
    public int Registers { get; }

    /// <summary>
    /// Number of float register locations (<c>[StencilLibrary(FloatRegisters = n)]</c>), 0 when <c>float</c> and
    /// <c>double</c> values live in the ordinary registers as their bits; location code <see cref="FloatRegisters"/> of
    /// a float-class value means a stack slot.
    /// </summary>
    public int FloatRegisters { get; }

    /// <summary>Register locations after <see cref="Registers"/> that only the built-in moves reach
    /// (<c>[StencilLibrary(MoveRegisters = n)]</c>): <c>Location.Register(Registers + i)</c>, i &lt; n.</summary>
    public int MoveRegisters { get; }

    /// <summary>Float register locations after <see cref="FloatRegisters"/> that only the built-in moves reach
    /// (<c>[StencilLibrary(MoveFloatRegisters = n)]</c>).</summary>
    public int MoveFloatRegisters { get; }

    /// <summary>Hash of the translated C source these tables were compiled from.</summary>
    public string ModelHash { get; }

    /// <summary>The target triple of the machine code.</summary>
    public string Target { get; }

    /// <summary>The instruction set of the machine code (from <see cref="Target"/>).</summary>
    public TargetArchitecture Architecture { get; }

    /// <summary>Machine code of all variants.</summary>
    public byte[] Code { get; }

    /// <summary>All relocations.</summary>
    public Relocation[] Relocations { get; }

    /// <summary>All variants of all families.</summary>
    public StencilVariant[] Variants { get; }

    /// <summary>All families, built-ins included.</summary>
    public IReadOnlyList<StencilFamily> Families { get; }

    /// <summary>The families as an array.</summary>
    internal StencilFamily[] FamilyArray { get; }

    /// <summary>The validated, decoded form of the tables the builder emits from (built on first use).</summary>
    internal LibraryPlan Plan
    {
        get
        {
            var plan = Volatile.Read(ref _plan);
            if (plan is null && IsManagedOnly) ThrowManagedOnly();
            if (plan is null)
            {
                plan = new LibraryPlan(this);
                plan = Interlocked.CompareExchange(ref _plan, plan, null) ?? plan;
            }
            return plan;
        }
    }

    /// <summary>Where the library's tables were loaded from, when they are embedded resources (see <see cref="StencilTables.LoadEmbedded(StencilLibrary, TableTarget)"/>).</summary>
    internal EmbeddedTables? Embedded { get; set; }

    /// <summary>The built-in entry shim.</summary>
    public StencilFamily EntryFamily { get; } = null!;

    /// <summary>The built-in move stencil (one input, one output).</summary>
    public StencilFamily MoveFamily { get; } = null!;

    /// <summary>The built-in move between float registers and stack slots (<c>__move_float</c>), null without float registers.</summary>
    public StencilFamily? FloatMoveFamily { get; }

    /// <summary>The built-in move of a float register's 64 bits to a register or slot (<c>__move_float_to_int</c>), null without float registers.</summary>
    public StencilFamily? FloatToIntMoveFamily { get; }

    /// <summary>The built-in move of a register's or slot's 64 bits to a float register (<c>__move_int_to_float</c>), null without float registers.</summary>
    public StencilFamily? IntToFloatMoveFamily { get; }

    /// <summary>The built-in unconditional jump (one target).</summary>
    public StencilFamily JumpFamily { get; } = null!;

    /// <summary>Finds a family by name.</summary>
    public StencilFamily GetFamily(string name) =>
        _byName.TryGetValue(name, out var f) ? f : throw new KeyNotFoundException($"Stencil library {Name} has no stencil named '{name}'.");

    /// <summary>The relocations of a variant.</summary>
    public ReadOnlySpan<Relocation> RelocationsOf(in StencilVariant v) => Relocations.AsSpan(v.RelocationStart, v.RelocationCount);

    /// <summary>The machine code of a variant.</summary>
    public ReadOnlySpan<byte> CodeOf(in StencilVariant v) => Code.AsSpan(v.CodeOffset, v.Length);
}

/// <summary>The embedded resources a library's tables were loaded from: enough to load the same library's tables for another target.</summary>
internal sealed record EmbeddedTables(System.Reflection.Assembly Assembly, string LibraryName, string LibraryFileName, string ApiHash, string RuntimeIdentifier);
