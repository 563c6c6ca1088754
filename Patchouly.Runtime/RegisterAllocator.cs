using System;
using System.Collections.Generic;

namespace Patchouly.Runtime;

/// <summary>
/// A minimal location allocator for simple JIT front ends: <see cref="Allocate"/> hands out the lowest free register,
/// and once all registers are taken, the lowest free stack slot (new slots as needed); <see cref="AllocateFloat"/> does
/// the same with the float registers (a library's <c>FloatRegisters</c>) and the same stack slots. No liveness
/// analysis, no spilling: a value keeps its location until <see cref="Free"/>. Reserved registers (a builder's
/// <see cref="FunctionBuilder.ScratchRegisters"/>) are never handed out.
/// </summary>
public sealed class RegisterAllocator
{
    private readonly bool[] _registers;
    private readonly bool[] _reserved;
    private readonly bool[] _floatRegisters;
    private readonly List<bool> _slots = new();
    private int _freeSlotHint;

    /// <summary>Creates an allocator over registers 0..<paramref name="registers"/>−1.</summary>
    /// <param name="registers">The number of register locations (normally the library's <c>Registers</c>); 0 to 11.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="registers"/> is outside 0..11.</exception>
    public RegisterAllocator(int registers) : this(registers, floatRegisters: 0)
    {
    }

    /// <summary>Creates an allocator over registers 0..<paramref name="registers"/>−1 and float registers
    /// 0..<paramref name="floatRegisters"/>−1.</summary>
    /// <param name="registers">The number of register locations (normally the library's <c>Registers</c>); 0 to 11.</param>
    /// <param name="floatRegisters">The number of float register locations (the library's <c>FloatRegisters</c>); 0 to 8.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is outside its range.</exception>
    public RegisterAllocator(int registers, int floatRegisters)
    {
        if (registers < 0 || registers > Tables.VariantIndex.MaxRegisters)
            throw new ArgumentOutOfRangeException(nameof(registers), registers, $"A library has 0 to {Tables.VariantIndex.MaxRegisters} register locations.");
        if (floatRegisters < 0 || floatRegisters > Tables.VariantIndex.MaxFloatRegisters)
            throw new ArgumentOutOfRangeException(nameof(floatRegisters), floatRegisters, $"A library has 0 to {Tables.VariantIndex.MaxFloatRegisters} float register locations.");
        _registers = new bool[registers];
        _reserved = new bool[registers];
        _floatRegisters = new bool[floatRegisters];
    }

    /// <summary>Creates an allocator over registers 0..<paramref name="registers"/>−1 that never hands out <paramref name="reserved"/>.</summary>
    /// <param name="registers">The number of register locations; 0 to 11.</param>
    /// <param name="reserved">Registers to keep out of allocation (for example scratch registers).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="registers"/> is outside 0..11.</exception>
    /// <exception cref="ArgumentException">A reserved location is a stack slot or a register outside the range.</exception>
    public RegisterAllocator(int registers, params ReadOnlySpan<Location> reserved) : this(registers)
    {
        foreach (var r in reserved) Reserve(r);
    }

    /// <summary>
    /// An allocator for <paramref name="builder"/>: over its library's registers and float registers, with its
    /// <see cref="FunctionBuilder.ScratchRegisters"/> reserved.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static RegisterAllocator For(FunctionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var allocator = new RegisterAllocator(builder.Library.Registers, builder.Library.FloatRegisters);
        foreach (var r in builder.ScratchRegisters) allocator.Reserve(r);
        return allocator;
    }

    /// <summary>Keeps <paramref name="register"/> out of allocation from now on (reserving it again does nothing).</summary>
    /// <exception cref="ArgumentException"><paramref name="register"/> is a stack slot or outside the allocator's registers.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="register"/> is allocated now.</exception>
    public void Reserve(Location register)
    {
        if (!register.IsRegister || register.Index >= _registers.Length)
            throw new ArgumentException(
                $"Only registers r0..r{_registers.Length - 1} can be reserved, not {register}.", nameof(register));
        if (_registers[register.Index] && !_reserved[register.Index])
            throw new InvalidOperationException($"Register {register} is allocated; free it before reserving it.");
        _registers[register.Index] = true;
        _reserved[register.Index] = true;
    }

    /// <summary>True when <paramref name="register"/> is reserved (never allocated).</summary>
    public bool IsReserved(Location register) => register.IsRegister && register.Index < _reserved.Length && _reserved[register.Index];

    /// <summary>The number of register locations.</summary>
    public int Registers => _registers.Length;

    /// <summary>The number of float register locations.</summary>
    public int FloatRegisters => _floatRegisters.Length;

    /// <summary>The number of stack slots ever handed out (highest slot + 1).</summary>
    public int FrameSlots => _slots.Count;

    /// <summary>How many locations are allocated now.</summary>
    public int Allocated { get; private set; }

    /// <summary>Takes the lowest free (unreserved) register, or else the lowest free stack slot.</summary>
    /// <exception cref="InvalidOperationException">All <see cref="FunctionBuilder.MaxStackSlots"/> stack slots are in use.</exception>
    public Location Allocate()
    {
        int r = TakeLowestFree(_registers);
        if (r < 0) return AllocateSlot();
        Allocated++;
        return Location.Register(r);
    }

    /// <summary>Takes the lowest free float register, or else the lowest free stack slot (a stack slot holds a float's
    /// bits as well as an integer).</summary>
    /// <exception cref="InvalidOperationException">All <see cref="FunctionBuilder.MaxStackSlots"/> stack slots are in use.</exception>
    public Location AllocateFloat()
    {
        int f = TakeLowestFree(_floatRegisters);
        if (f < 0) return AllocateSlot();
        Allocated++;
        return Location.FloatRegister(f);
    }

    private static int TakeLowestFree(bool[] taken)
    {
        int i = Array.IndexOf(taken, false);
        if (i >= 0) taken[i] = true;
        return i;
    }

    private Location AllocateSlot()
    {
        for (int s = _freeSlotHint; s < _slots.Count; s++)
        {
            if (!_slots[s])
            {
                _slots[s] = true;
                _freeSlotHint = s + 1;
                Allocated++;
                return Location.Stack(s);
            }
        }
        if (_slots.Count >= FunctionBuilder.MaxStackSlots)
            throw new InvalidOperationException($"All {FunctionBuilder.MaxStackSlots} stack slots are in use.");
        _slots.Add(true);
        _freeSlotHint = _slots.Count;
        Allocated++;
        return Location.Stack(_slots.Count - 1);
    }

    /// <summary>True when <paramref name="location"/> is currently allocated (reserved registers are not).</summary>
    public bool IsAllocated(Location location) =>
        location.IsRegister ? location.Index < _registers.Length && _registers[location.Index] && !_reserved[location.Index]
        : location.IsFloatRegister ? location.Index < _floatRegisters.Length && _floatRegisters[location.Index]
        : location.Index < _slots.Count && _slots[location.Index];

    /// <summary>Returns a location for reuse.</summary>
    /// <exception cref="InvalidOperationException">The location is not allocated (a double free, or never handed out).</exception>
    public void Free(Location location)
    {
        if (!IsAllocated(location))
            throw new InvalidOperationException($"Location {location} is not allocated.");
        if (location.IsRegister)
            _registers[location.Index] = false;
        else if (location.IsFloatRegister)
            _floatRegisters[location.Index] = false;
        else
        {
            _slots[location.Index] = false;
            _freeSlotHint = Math.Min(_freeSlotHint, location.Index);
        }
        Allocated--;
    }
}
