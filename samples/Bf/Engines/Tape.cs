using System;
using System.Runtime.InteropServices;
using Patchouly.Samples.Bf.Ir;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>
/// The data tape: <see cref="Cells"/> zeroed cells with <see cref="Guard"/> extra zero cells on each side, in native
/// memory. Unchecked straight-line code may touch guard cells (see <see cref="IrBuilder"/>); a guard cell is only ever
/// written right before a failing check, so while a program runs successfully the guard holds zeros, which is what
/// stops an unchecked scan loop just past either end.
/// </summary>
/// <remarks>
/// On Linux x86-64 the tape is mapped below 2 GiB (<c>MAP_32BIT</c>) when possible, so the JIT can compare the data
/// pointer with the tape's bounds as 32-bit immediates; elsewhere it is ordinary native memory (the JIT then uses its
/// 64-bit hole variants).
/// </remarks>
public sealed unsafe partial class Tape : IDisposable
{
    /// <summary>The default number of cells.</summary>
    public const int DefaultCells = 65536;

    /// <summary>Extra cells on each side: more than the furthest unchecked access (2×<see cref="IrBuilder.MaxReach"/>) plus the longest scan step.</summary>
    public const int Guard = 4 * IrBuilder.MaxReach + 4096;

    private byte* _block;
    private readonly bool _mapped;

    /// <summary>Allocates a zeroed tape.</summary>
    public Tape(int cells = DefaultCells)
    {
        if (cells < 4 * IrBuilder.MaxReach || cells > 1 << 28)
            throw new ArgumentOutOfRangeException(nameof(cells), cells, $"The tape has {4 * IrBuilder.MaxReach} to {1 << 28} cells.");
        Cells = cells;
        nuint size = (nuint)(cells + 2 * Guard);
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            void* block = Mmap(null, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous | Map32Bit, -1, 0);
            if (block != (void*)-1)
            {
                _block = (byte*)block;
                _mapped = true;
            }
        }
        if (_block == null) _block = (byte*)NativeMemory.AlignedAlloc(size, 64);
        Clear();
    }

    /// <summary>True when the whole tape (with its guard) lies below 2 GiB.</summary>
    public bool IsLow => (ulong)(_block + Cells + 2 * Guard) <= int.MaxValue;

    /// <summary>The number of cells.</summary>
    public int Cells { get; }

    /// <summary>The first cell (where the pointer starts).</summary>
    public byte* Start
    {
        get
        {
            ObjectDisposedException.ThrowIf(_block == null, this);
            return _block + Guard;
        }
    }

    /// <summary>Just past the last cell.</summary>
    public byte* End => Start + Cells;

    /// <summary>The cells (not the guard).</summary>
    public Span<byte> Span => new(Start, Cells);

    /// <summary>Zeroes the cells and the guard (for another run).</summary>
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(_block == null, this);
        NativeMemory.Clear(_block, (nuint)(Cells + 2 * Guard));
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose()
    {
        if (_block == null) return;
        if (_mapped) Munmap(_block, (nuint)(Cells + 2 * Guard));
        else NativeMemory.AlignedFree(_block);
        _block = null;
    }

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, Map32Bit = 0x40;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);
}
