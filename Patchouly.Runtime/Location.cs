using System;
using System.Globalization;

namespace Patchouly.Runtime;

/// <summary>
/// Where a value lives while JIT-compiled code runs: one of the library's register locations, or a slot of the
/// function's spill frame (8 bytes each, addressed from the frame pointer).
/// </summary>
/// <remarks>
/// <c>default(Location)</c> is <c>Register(0)</c>. Locations are not tied to a library: a register index from 0 to
/// <see cref="MaxRegisters"/> - 1 is accepted here, and whether the library has that register is checked when the
/// location is used with a <see cref="FunctionBuilder"/>.
/// </remarks>
public readonly struct Location : IEquatable<Location>
{
    /// <summary>
    /// The number of register locations a library can have at most (<see cref="StencilLibraryAttribute.MaxRegisters"/>):
    /// <see cref="Register"/> accepts indices 0 to <c>MaxRegisters - 1</c>.
    /// </summary>
    public const int MaxRegisters = StencilLibraryAttribute.MaxRegisters;

    // Bit 0: 1 for a stack slot; bits 1..31: the index.
    private readonly int _bits;

    private Location(int bits) => _bits = bits;

    /// <summary>The register location with the given index (0 = the library's first register).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative, or not below
    /// <see cref="MaxRegisters"/>.</exception>
    public static Location Register(int index)
    {
        if ((uint)index >= MaxRegisters)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A register index must be from 0 to {MaxRegisters - 1}.");
        return new Location(index << 1);
    }

    /// <summary>The spill-frame slot with the given number (byte offset <c>slot * 8</c> from the frame pointer).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is negative, or not below
    /// <see cref="FunctionBuilder.MaxStackSlots"/>.</exception>
    public static Location Stack(int slot)
    {
        if ((uint)slot >= FunctionBuilder.MaxStackSlots)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"A stack slot must be from 0 to {FunctionBuilder.MaxStackSlots - 1}.");
        return new Location((slot << 1) | 1);
    }

    /// <summary>The packed form (bit 0: stack; bits 1..31: index), for the emit loop.</summary>
    internal int Bits => _bits;

    /// <summary>True for a register location.</summary>
    public bool IsRegister => (_bits & 1) == 0;

    /// <summary>True for a stack slot.</summary>
    public bool IsStack => (_bits & 1) != 0;

    /// <summary>The register index or the slot number.</summary>
    public int Index => _bits >> 1;

    /// <summary>
    /// The location code used to index a family's variants: the register index for a register, <paramref name="registers"/>
    /// for a stack slot.
    /// </summary>
    /// <param name="registers">The library's number of register locations.</param>
    /// <exception cref="ArgumentOutOfRangeException">This is a register the library does not have.</exception>
    public int Code(int registers)
    {
        if (IsStack) return registers;
        if (Index >= registers)
            throw new ArgumentOutOfRangeException(nameof(registers), registers, $"Location {this} is not one of the {registers} register locations.");
        return Index;
    }

    /// <inheritdoc />
    public bool Equals(Location other) => _bits == other._bits;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Location other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _bits;

    /// <summary>Compares two locations.</summary>
    public static bool operator ==(Location left, Location right) => left._bits == right._bits;

    /// <summary>Compares two locations.</summary>
    public static bool operator !=(Location left, Location right) => left._bits != right._bits;

    /// <summary><c>r3</c> for register 3, <c>s3</c> for stack slot 3.</summary>
    public override string ToString() => (IsStack ? "s" : "r") + Index.ToString(CultureInfo.InvariantCulture);
}
