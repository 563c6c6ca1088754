using System;
using System.Collections.Generic;

namespace Patchouly.Runtime;

/// <summary>
/// A minimal location allocator for simple JIT front ends: <see cref="Allocate"/> hands out the lowest free register,
/// and once all registers are taken, the lowest free stack slot (new slots as needed). No liveness analysis, no
/// spilling: a value keeps its location until <see cref="Free"/>.
/// </summary>
public sealed class RegisterAllocator
{
    private readonly bool[] _registers;
    private readonly List<bool> _slots = new();
    private int _freeSlotHint;

    /// <summary>Creates an allocator over registers 0..<paramref name="registers"/>−1.</summary>
    /// <param name="registers">The number of register locations (normally the library's <c>Registers</c>); 0 to 11.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="registers"/> is outside 0..11.</exception>
    public RegisterAllocator(int registers)
    {
        if (registers is < 0 or > 11)
            throw new ArgumentOutOfRangeException(nameof(registers), registers, "A library has 0 to 11 register locations.");
        _registers = new bool[registers];
    }

    /// <summary>The number of register locations.</summary>
    public int Registers => _registers.Length;

    /// <summary>The number of stack slots ever handed out (highest slot + 1).</summary>
    public int FrameSlots => _slots.Count;

    /// <summary>How many locations are allocated now.</summary>
    public int Allocated { get; private set; }

    /// <summary>Takes the lowest free register, or else the lowest free stack slot.</summary>
    /// <exception cref="InvalidOperationException">All <see cref="FunctionBuilder.MaxStackSlots"/> stack slots are in use.</exception>
    public Location Allocate()
    {
        for (int r = 0; r < _registers.Length; r++)
        {
            if (!_registers[r])
            {
                _registers[r] = true;
                Allocated++;
                return Location.Register(r);
            }
        }
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

    /// <summary>True when <paramref name="location"/> is currently allocated.</summary>
    public bool IsAllocated(Location location) => location.IsRegister
        ? location.Index < _registers.Length && _registers[location.Index]
        : location.Index < _slots.Count && _slots[location.Index];

    /// <summary>Returns a location for reuse.</summary>
    /// <exception cref="InvalidOperationException">The location is not allocated (a double free, or never handed out).</exception>
    public void Free(Location location)
    {
        if (!IsAllocated(location))
            throw new InvalidOperationException($"Location {location} is not allocated.");
        if (location.IsRegister)
            _registers[location.Index] = false;
        else
        {
            _slots[location.Index] = false;
            _freeSlotHint = Math.Min(_freeSlotHint, location.Index);
        }
        Allocated--;
    }
}
