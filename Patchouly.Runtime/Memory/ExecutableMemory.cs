using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Memory;

namespace Patchouly.Runtime;

/// <summary>
/// Page-aligned memory for machine code, following W^X: it is allocated readable and writable
/// (<see cref="Writable"/>), filled, then switched once to readable and executable with <see cref="MakeExecutable"/>.
/// No page is ever writable and executable at the same time, and the switch is one-way.
/// </summary>
/// <remarks>
/// Linux only (anonymous private <c>mmap</c>, <c>mprotect</c>, <c>munmap</c>), in whole pages of
/// <see cref="Environment.SystemPageSize"/> (4, 16 or 64 KiB on arm64). <see cref="MakeExecutable"/> flushes the
/// instruction cache over the mapping first (nothing to do on x86-64; <c>__clear_cache</c> on arm64).
/// <see cref="Dispose"/> unmaps the memory, or makes it read-write (no longer executable) and keeps it for reuse by a
/// later allocation (<c>MappingPool</c>, at most 32 MiB); code must not be running in it then (see <see cref="CompiledFunction"/>).
/// </remarks>
public sealed unsafe class ExecutableMemory : IDisposable
{
    /// <summary>The largest size that can be allocated (2 GiB minus one page, so rel32 reaches everywhere inside).</summary>
    public const int MaxSize = int.MaxValue - 0xFFFF;

    /// <summary>Test hook: called on the allocating thread after each stage ("mapped", "written", "executable").</summary>
    [ThreadStatic]
    internal static Action<ExecutableMemory, string>? StageObserver;

    private readonly MappingHandle _mapping;
    private volatile bool _disposed;
    private bool _executable;

    private ExecutableMemory(MappingHandle mapping, int size)
    {
        _mapping = mapping;
        Size = size;
    }

    /// <summary>Maps <paramref name="size"/> bytes (rounded up to whole pages) readable and writable.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not in 1..<see cref="MaxSize"/>.</exception>
    /// <exception cref="ExecutableMemoryException"><c>mmap</c> failed.</exception>
    public static ExecutableMemory Allocate(int size) => Allocate(size, 0);

    /// <summary>As <see cref="Allocate(int)"/>, asking the kernel to place the mapping near <paramref name="hint"/> (not forced).</summary>
    internal static ExecutableMemory Allocate(int size, nint hint)
    {
        if (size is <= 0 or > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Executable memory must be 1 to {MaxSize} bytes.");
        nuint page = (nuint)Environment.SystemPageSize;
        // Placed near a hint (tests): exactly the pages needed, so the mapping fits the free range that was chosen.
        nuint length = hint == 0 ? MappingPool.RoundUp((nuint)size, page) : ((nuint)size + page - 1) & ~(page - 1);
        // A reused mapping has its pages already (see MappingPool); a new one is populated at once, which costs less
        // than a fault per page (and makes every page count for the TLB flush, see MappingPool.RoundUp).
        void* address = hint == 0 ? MappingPool.TryTake(length, (nuint)size) : null;
        if (address == null)
        {
            void* hintAddress = (void*)(hint & ~(nint)(page - 1));
            address = LibC.Mmap(hintAddress, length, LibC.ProtRead | LibC.ProtWrite, LibC.MapPrivate | LibC.MapAnonymous | LibC.MapPopulate, out int errno);
            if (address == LibC.MapFailed || address == null)
                throw new ExecutableMemoryException("mmap", errno, $"mapping {length} bytes read-write");
        }
        var memory = new ExecutableMemory(new MappingHandle((nint)address, length, hint == 0 ? (nuint)size : 0), size);
        memory.Notify("mapped");
        return memory;
    }

    /// <summary>The address of the first byte.</summary>
    /// <exception cref="ObjectDisposedException">The memory was disposed.</exception>
    public nint Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _mapping.DangerousGetHandle();
        }
    }

    /// <summary>The requested size in bytes.</summary>
    public int Size { get; }

    /// <summary>The mapped size in bytes (whole pages).</summary>
    public int MappedSize => (int)_mapping.Length;

    /// <summary>True once <see cref="MakeExecutable"/> has run.</summary>
    public bool IsExecutable => _executable;

    /// <summary>
    /// True once <see cref="Dispose"/> was called. (The unmapping itself waits for code that holds a reference on
    /// <see cref="Handle"/> to finish.)
    /// </summary>
    public bool IsDisposed => _disposed;

    /// <summary>The memory, for writing; only before <see cref="MakeExecutable"/>.</summary>
    /// <exception cref="InvalidOperationException">The memory is already executable (and so read-only).</exception>
    /// <exception cref="ObjectDisposedException">The memory was disposed.</exception>
    public Span<byte> Writable
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_executable) throw new InvalidOperationException("The memory is executable and so no longer writable (W^X).");
            return new Span<byte>((void*)_mapping.DangerousGetHandle(), Size);
        }
    }

    /// <summary>A read-only view of the memory; valid until <see cref="Dispose"/>.</summary>
    /// <exception cref="ObjectDisposedException">The memory was disposed.</exception>
    public ReadOnlySpan<byte> Contents
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new ReadOnlySpan<byte>((void*)_mapping.DangerousGetHandle(), Size);
        }
    }

    /// <summary>The reference-counted mapping (lets running code keep it alive against a concurrent dispose).</summary>
    internal SafeHandle Handle => _mapping;

    /// <summary>
    /// Makes the memory readable and executable and no longer writable (one <c>mprotect</c>, so there is no moment at
    /// which it is both writable and executable). Calling it again does nothing.
    /// </summary>
    /// <remarks>
    /// Before the switch, the instruction cache is flushed over the whole mapping (x86-64: nothing to do; arm64:
    /// <c>__clear_cache</c>, which also ends with the barriers the calling thread needs). Other threads that will run the
    /// code must learn its address through a synchronising operation (a lock, a volatile or interlocked write), as for
    /// any data.
    /// </remarks>
    /// <exception cref="ExecutableMemoryException"><c>mprotect</c> failed.</exception>
    /// <exception cref="PlatformNotSupportedException">The process's architecture needs a flush this runtime cannot do.</exception>
    /// <exception cref="ObjectDisposedException">The memory was disposed.</exception>
    public void MakeExecutable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_executable) return;
        nint address = _mapping.DangerousGetHandle();
        Targets.InstructionCache.Flush(address, _mapping.Length);
        if (LibC.Mprotect((void*)address, _mapping.Length, LibC.ProtRead | LibC.ProtExec, out int errno) != 0)
            throw new ExecutableMemoryException("mprotect", errno, $"making {_mapping.Length} bytes at 0x{address:x} read-execute");
        _executable = true;
        Notify("executable");
    }

    /// <summary>Unmaps the memory (once no running code holds a reference on it). Safe to call more than once.</summary>
    public void Dispose()
    {
        _disposed = true;
        _mapping.Dispose();
    }

    /// <summary>Keeps <paramref name="dependent"/> alive until the memory is unmapped (see <see cref="MappingHandle.AddDependent"/>).</summary>
    internal void AddDependent(SafeHandle dependent) => _mapping.AddDependent(dependent);

    /// <summary>Tells the test hook that a stage has completed.</summary>
    internal void Notify(string stage) => StageObserver?.Invoke(this, stage);
}
