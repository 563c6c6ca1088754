using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;

namespace Patchouly.Runtime.Faults;

/// <summary>
/// The native memory the fault handler reads (it runs inside a signal or exception handler, so it takes no lock and
/// calls nothing): a 32-byte state block — the table of code ranges (+0), the table of guarded regions (+8), the
/// previous SIGSEGV handler (+16, 0 when it was the default or ignored) and the reset function (+24, libc's
/// <c>signal</c>) — whose address is patched into the handler. A table is a count followed by 24-byte entries
/// (start, end exclusive, value); an entry whose end is 0 is free.
/// </summary>
/// <remarks>
/// Tables are changed under one lock and read without any: an entry is filled (value, start) before its end is
/// published (a volatile write), and freed by clearing its end first, so a reader never sees a range that was not
/// registered. A full table is copied into one twice as large, which is published before the count grows past the old
/// capacity; the old block is never freed (a handler may still be reading it), so the leak is bounded by the largest
/// table.
/// </remarks>
internal static unsafe class FaultState
{
    public const int CodeTable = 0, RegionTable = 1, PreviousHandler = 2, ResetFunction = 3;

    /// <summary>The state block (4 words), never freed.</summary>
    public static readonly nint* Block = (nint*)NativeMemory.AllocZeroed(4 * (nuint)sizeof(nint));

    private static readonly object s_lock = new();
    private static readonly Table s_code = new(CodeTable), s_regions = new(RegionTable);

    /// <summary>Records <c>[start, start + length)</c> as JIT code; returns the entry to pass to <see cref="RemoveCode"/>.</summary>
    public static int AddCode(nint start, nuint length)
    {
        lock (s_lock) return s_code.Add((ulong)start, (ulong)start + length, 0);
    }

    /// <summary>Forgets a code range (before its memory is unmapped or reused).</summary>
    public static void RemoveCode(int entry)
    {
        lock (s_lock) s_code.Remove(entry);
    }

    /// <summary>Records a guarded region and its exit code.</summary>
    public static int AddRegion(ulong start, ulong end, long exitCode)
    {
        lock (s_lock) return s_regions.Add(start, end, (ulong)exitCode);
    }

    /// <summary>Forgets a guarded region.</summary>
    public static void RemoveRegion(int entry)
    {
        lock (s_lock) s_regions.Remove(entry);
    }

    /// <summary>Live entries of the code table (for tests).</summary>
    public static int CodeRanges
    {
        get { lock (s_lock) return s_code.Live; }
    }

    /// <summary>Live entries of the region table (for tests).</summary>
    public static int Regions
    {
        get { lock (s_lock) return s_regions.Live; }
    }

    private sealed class Table
    {
        private const int EntryWords = 3;
        private readonly int _slot;
        private readonly Stack<int> _free = new();
        private ulong* _block;
        private int _capacity;

        public Table(int slot)
        {
            _slot = slot;
            _capacity = 64;
            _block = Allocate(_capacity);
            Volatile.Write(ref Block[slot], (nint)_block);
        }

        public int Live => (int)_block[0] - _free.Count;

        public int Add(ulong start, ulong end, ulong value)
        {
            if (end <= start) throw new ArgumentOutOfRangeException(nameof(end), "An empty or wrapping range.");
            int entry;
            if (_free.Count > 0) entry = _free.Pop();
            else
            {
                entry = (int)_block[0];
                if (entry == _capacity) Grow();
            }
            ulong* e = _block + 1 + entry * EntryWords;
            e[2] = value;
            e[0] = start;
            Volatile.Write(ref e[1], end);
            if (entry == (int)_block[0]) Volatile.Write(ref _block[0], (ulong)entry + 1);
            return entry;
        }

        public void Remove(int entry)
        {
            ulong* e = _block + 1 + entry * EntryWords;
            if (entry < 0 || entry >= (int)_block[0] || e[1] == 0) throw new InvalidOperationException("The fault table entry is not in use.");
            Volatile.Write(ref e[1], 0UL);
            e[0] = 0;
            e[2] = 0;
            _free.Push(entry);
        }

        private void Grow()
        {
            int capacity = _capacity * 2;
            ulong* block = Allocate(capacity);
            Buffer.MemoryCopy(_block, block, (1 + capacity * EntryWords) * sizeof(ulong), (1 + _capacity * EntryWords) * sizeof(ulong));
            Volatile.Write(ref Block[_slot], (nint)block); // the old block stays valid for a handler still reading it
            _block = block;
            _capacity = capacity;
        }

        private static ulong* Allocate(int capacity) => (ulong*)NativeMemory.AllocZeroed((nuint)(1 + capacity * EntryWords), sizeof(ulong));
    }
}
