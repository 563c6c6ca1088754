using System;

namespace Patchouly.Runtime.Allocation;

/// <summary>
/// Which abstract value (a front end's <c>long</c> key, such as a variable number or a memory cell's address) lives in
/// which of a fixed set of registers while a JIT emits straight-line code, and whether the register is newer than the
/// value's home (<i>dirty</i>). It lets a JIT keep hot values in registers between stencils and write them back only
/// where that is needed:
/// <list type="bullet">
/// <item><see cref="TryGet"/> finds a cached value (and marks it recently used); <see cref="Bind{TSpiller}"/> gives a
/// value a register: a free one, else the least recently used one, whose value is spilled first when dirty.</item>
/// <item>At a block edge (a jump target, a branch, a call that clobbers the registers, code that reads the homes) call
/// <see cref="SpillAll{TSpiller}"/> so every home is current, and <see cref="Clear"/> where the registers' contents
/// are no longer known (the head of a block other code jumps to).</item>
/// </list>
/// The cache only does the bookkeeping; the <see cref="IValueSpiller"/> emits the stores. Loading a value into the
/// register <see cref="Bind{TSpiller}"/> returns is the caller's job (bind with <c>dirty: false</c> after a load,
/// <c>dirty: true</c> when the register gets a new value the home does not have yet). No allocation after construction.
/// </summary>
public sealed class RegisterCache
{
    private readonly Location[] _registers;
    private readonly long[] _values;
    private readonly bool[] _used;
    private readonly bool[] _dirty;
    private readonly long[] _lastUse;
    private long _clock;

    /// <summary>Creates a cache over <paramref name="registers"/> (distinct register locations the JIT gives up to it).</summary>
    /// <exception cref="ArgumentException">No registers, a stack slot, or a register twice.</exception>
    public RegisterCache(params ReadOnlySpan<Location> registers)
    {
        if (registers.IsEmpty) throw new ArgumentException("A register cache needs at least one register.", nameof(registers));
        for (int i = 0; i < registers.Length; i++)
        {
            if (!registers[i].IsRegister)
                throw new ArgumentException($"A register cache holds values in registers, not in {registers[i]}.", nameof(registers));
            for (int j = 0; j < i; j++)
                if (registers[j] == registers[i])
                    throw new ArgumentException($"Register {registers[i]} is given twice.", nameof(registers));
        }
        _registers = registers.ToArray();
        _values = new long[_registers.Length];
        _used = new bool[_registers.Length];
        _dirty = new bool[_registers.Length];
        _lastUse = new long[_registers.Length];
    }

    /// <summary>The number of registers.</summary>
    public int Capacity => _registers.Length;

    /// <summary>How many values are cached now.</summary>
    public int Count { get; private set; }

    /// <summary>The registers, in the order given.</summary>
    public ReadOnlySpan<Location> Registers => _registers;

    /// <summary>Finds <paramref name="value"/>'s register and marks it as recently used.</summary>
    public bool TryGet(long value, out Location register)
    {
        int i = Find(value);
        if (i < 0)
        {
            register = default;
            return false;
        }
        _lastUse[i] = ++_clock;
        register = _registers[i];
        return true;
    }

    /// <summary>True when <paramref name="value"/> is cached (does not change the eviction order).</summary>
    public bool Contains(long value) => Find(value) >= 0;

    /// <summary>True when <paramref name="value"/> is cached and newer than its home.</summary>
    public bool IsDirty(long value)
    {
        int i = Find(value);
        return i >= 0 && _dirty[i];
    }

    /// <summary>The value <paramref name="register"/> holds, if it is one of the cache's and holds one.</summary>
    public bool TryGetValue(Location register, out long value)
    {
        int i = Array.IndexOf(_registers, register);
        if (i >= 0 && _used[i])
        {
            value = _values[i];
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>
    /// Gives <paramref name="value"/> a register: a free one (the first in <see cref="Registers"/> order), else the least
    /// recently used one, whose value is written back through <paramref name="spiller"/> first when it is dirty.
    /// </summary>
    /// <param name="value">The value; it must not be cached.</param>
    /// <param name="dirty">True when the register will hold a value its home does not have (a new result); false after a load.</param>
    /// <param name="spiller">Emits the store of an evicted dirty value.</param>
    /// <exception cref="InvalidOperationException"><paramref name="value"/> is cached already.</exception>
    public Location Bind<TSpiller>(long value, bool dirty, ref TSpiller spiller) where TSpiller : IValueSpiller
    {
        if (Find(value) >= 0) throw new InvalidOperationException($"Value {value} is cached already (in {_registers[Find(value)]}).");
        int slot = -1;
        for (int i = 0; i < _used.Length; i++)
        {
            if (!_used[i])
            {
                slot = i;
                break;
            }
        }
        if (slot < 0)
        {
            slot = 0;
            for (int i = 1; i < _used.Length; i++)
                if (_lastUse[i] < _lastUse[slot]) slot = i;
            if (_dirty[slot]) spiller.Spill(_values[slot], _registers[slot]);
            Count--;
        }
        _used[slot] = true;
        _values[slot] = value;
        _dirty[slot] = dirty;
        _lastUse[slot] = ++_clock;
        Count++;
        return _registers[slot];
    }

    /// <summary>Records that <paramref name="value"/>'s register now holds a value its home does not have.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="value"/> is not cached.</exception>
    public void MarkDirty(long value) => _dirty[Require(value)] = true;

    /// <summary>Writes <paramref name="value"/> back when it is dirty (it stays cached, now clean); false when it was not.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="value"/> is not cached.</exception>
    public bool Spill<TSpiller>(long value, ref TSpiller spiller) where TSpiller : IValueSpiller
    {
        int i = Require(value);
        if (!_dirty[i]) return false;
        spiller.Spill(_values[i], _registers[i]);
        _dirty[i] = false;
        return true;
    }

    /// <summary>
    /// Writes every dirty value back, in <see cref="Registers"/> order; the values stay cached, clean (the registers
    /// still hold them). Returns how many were written.
    /// </summary>
    public int SpillAll<TSpiller>(ref TSpiller spiller) where TSpiller : IValueSpiller
    {
        int n = 0;
        for (int i = 0; i < _used.Length; i++)
        {
            if (!_used[i] || !_dirty[i]) continue;
            spiller.Spill(_values[i], _registers[i]);
            _dirty[i] = false;
            n++;
        }
        return n;
    }

    /// <summary>Drops <paramref name="value"/> without writing it back (its home is current, or it is dead); false when it was not cached.</summary>
    public bool Forget(long value)
    {
        int i = Find(value);
        if (i < 0) return false;
        _used[i] = false;
        _dirty[i] = false;
        Count--;
        return true;
    }

    /// <summary>
    /// Forgets every value without writing anything back: where the registers' contents are unknown (a block other
    /// code jumps to) or clobbered. Call <see cref="SpillAll{TSpiller}"/> first unless the dirty values are dead.
    /// </summary>
    public void Clear()
    {
        Array.Clear(_used);
        Array.Clear(_dirty);
        Count = 0;
    }

    private int Find(long value)
    {
        for (int i = 0; i < _used.Length; i++)
            if (_used[i] && _values[i] == value) return i;
        return -1;
    }

    private int Require(long value)
    {
        int i = Find(value);
        if (i < 0) throw new InvalidOperationException($"Value {value} is not cached.");
        return i;
    }
}
