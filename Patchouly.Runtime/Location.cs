using System;
using System.Globalization;

namespace Patchouly.Runtime;

/// <summary>
/// Where a value lives while JIT-compiled code runs: one of the library's register locations, one of its float
/// register locations (<c>[StencilLibrary(FloatRegisters = n)]</c>: where <c>float</c> and <c>double</c> values of such
/// a library live), or a slot of the function's spill frame (8 bytes each, addressed from the frame pointer).
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

    /// <summary>
    /// The number of float register locations a library can have at most (<see cref="StencilLibraryAttribute.MaxFloatRegisters"/>):
    /// <see cref="FloatRegister"/> accepts indices 0 to <c>MaxFloatRegisters - 1</c>.
    /// </summary>
    public const int MaxFloatRegisters = StencilLibraryAttribute.MaxFloatRegisters;

    // Bit 0: 1 for a stack slot; bit 1: 1 for a float register; bits 2..31: the index.
    private readonly int _bits;

    private Location(int bits) => _bits = bits;

    /// <summary>The register location with the given index (0 = the library's first register).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative, or not below
    /// <see cref="MaxRegisters"/>.</exception>
    public static Location Register(int index)
    {
        if ((uint)index >= MaxRegisters)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A register index must be from 0 to {MaxRegisters - 1}.");
        return new Location(index << 2);
    }

    /// <summary>
    /// The float register location with the given index (0 = the library's first float register): where a
    /// <c>float</c> or <c>double</c> value of a library with float registers lives in a floating-point register
    /// (a <c>float</c> in its low 32 bits, the bits above unspecified).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative, or not below
    /// <see cref="MaxFloatRegisters"/>.</exception>
    public static Location FloatRegister(int index)
    {
        if ((uint)index >= MaxFloatRegisters)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A float register index must be from 0 to {MaxFloatRegisters - 1}.");
        return new Location(index << 2 | 2);
    }

    /// <summary>The spill-frame slot with the given number (byte offset <c>slot * 8</c> from the frame pointer).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is negative, or not below
    /// <see cref="FunctionBuilder.MaxStackSlots"/>.</exception>
    public static Location Stack(int slot)
    {
        if ((uint)slot >= FunctionBuilder.MaxStackSlots)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"A stack slot must be from 0 to {FunctionBuilder.MaxStackSlots - 1}.");
        return new Location((slot << 2) | 1);
    }

    /// <summary>The packed form (bit 0: stack; bit 1: float register; bits 2..31: index), for the emit loop.</summary>
    internal int Bits => _bits;

    /// <summary>True for a (general-purpose) register location.</summary>
    public bool IsRegister => (_bits & 3) == 0;

    /// <summary>True for a float register location.</summary>
    public bool IsFloatRegister => (_bits & 2) != 0;

    /// <summary>True for a stack slot.</summary>
    public bool IsStack => (_bits & 1) != 0;

    /// <summary>The register index, float register index or slot number.</summary>
    public int Index => _bits >> 2;

    /// <summary>
    /// The location code used to index a family's variants: the register index for a register, <paramref name="registers"/>
    /// for a stack slot.
    /// </summary>
    /// <param name="registers">The library's number of register locations.</param>
    /// <exception cref="ArgumentOutOfRangeException">This is a register the library does not have, or a float register.</exception>
    public int Code(int registers)
    {
        if (IsStack) return registers;
        if (IsFloatRegister)
            throw new ArgumentOutOfRangeException(nameof(registers), registers, $"Location {this} is a float register, not one of the {registers} register locations.");
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

    /// <summary>
    /// The location code of a float-class value (<see cref="Tables.StencilFamily.FloatMask"/>): the float register
    /// index, or <paramref name="floatRegisters"/> for a stack slot.
    /// </summary>
    /// <param name="floatRegisters">The library's number of float register locations.</param>
    /// <exception cref="ArgumentOutOfRangeException">This is a float register the library does not have, or a register.</exception>
    public int FloatCode(int floatRegisters)
    {
        if (IsStack) return floatRegisters;
        if (!IsFloatRegister || Index >= floatRegisters)
            throw new ArgumentOutOfRangeException(nameof(floatRegisters), floatRegisters, $"Location {this} is not one of the {floatRegisters} float register locations.");
        return Index;
    }

    /// <summary><c>r3</c> for register 3, <c>f3</c> for float register 3, <c>s3</c> for stack slot 3.</summary>
    public override string ToString() => (IsStack ? "s" : IsFloatRegister ? "f" : "r") + Index.ToString(CultureInfo.InvariantCulture);
}
