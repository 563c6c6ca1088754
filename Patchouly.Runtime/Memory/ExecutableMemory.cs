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
/// <para>In whole pages of <see cref="Environment.SystemPageSize"/> (4, 16 or 64 KiB on arm64), through the system's
/// own calls, one file per system in <c>Memory/</c>: on Linux x86-64, up to 1 MiB, a region of an in-memory file that
/// is mapped read-execute and never writable (<see cref="Writable"/> is a staging buffer that <see cref="MakeExecutable"/>
/// writes into the file with <c>pwrite</c>: no <c>mprotect</c>, no TLB flush; <c>CodeFile</c>); otherwise on Linux an
/// anonymous private <c>mmap</c>, <c>mprotect</c> and <c>munmap</c>; on Windows <c>VirtualAlloc</c>, <c>VirtualProtect</c> (<c>PAGE_EXECUTE_READ</c>) and
/// <c>VirtualFree</c>; on macOS a <c>MAP_JIT</c> mapping written through a staging buffer inside a
/// <c>pthread_jit_write_protect_np</c> window (see docs/runtime.md, and the <c>com.apple.security.cs.allow-jit</c>
/// entitlement a hardened app needs).</para>
/// <para><see cref="MakeExecutable"/> flushes the instruction cache over the mapping (<c>FlushInstructionCache</c> on
/// Windows, <c>sys_icache_invalidate</c> on macOS, <c>__clear_cache</c> on Linux arm64, nothing on Linux x86-64).
/// <see cref="Dispose"/> unmaps the memory; on Linux it may instead make it read-write (no longer executable) and keep
/// it for reuse by a later allocation (<c>MappingPool</c>), or, for a region of the code file, fill it with traps and
/// keep it. Code must not be running in it then (see
/// <see cref="CompiledFunction"/>).</para>
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

    /// <summary>
    /// macOS and the Linux <see cref="CodeFile"/>: where the code is written until <see cref="MakeExecutable"/> copies it
    /// into the mapping; else null.
    /// </summary>
    private byte* _staging;

    /// <summary>Linux: the staging buffer is a pooled read-write mapping of this length (0: none, or macOS's heap memory), <see cref="_stagingWritten"/> as the pool needs.</summary>
    private nuint _stagingLength, _stagingWritten;

    private ExecutableMemory(MappingHandle mapping, int size)
    {
        _mapping = mapping;
        Size = size;
        if (OperatingSystem.IsMacOS())
        {
            _staging = (byte*)NativeMemory.AllocZeroed(mapping.Length);
            GC.AddMemoryPressure((long)mapping.Length);
        }
        else if (mapping.FileOffset >= 0)
            _staging = (byte*)LinuxMemory.Map((nuint)size, 0, (nuint)Environment.SystemPageSize, out _stagingLength, out _stagingWritten);
        else GC.SuppressFinalize(this);
    }

    /// <summary>Frees the staging buffer if <see cref="MakeExecutable"/> never ran.</summary>
    ~ExecutableMemory() => FreeStaging();

    /// <summary>Maps <paramref name="size"/> bytes (rounded up to whole pages) readable and writable.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not in 1..<see cref="MaxSize"/>.</exception>
    /// <exception cref="ExecutableMemoryException">The system call that maps memory failed.</exception>
    /// <exception cref="PlatformNotSupportedException">The operating system is not Linux, Windows or macOS.</exception>
    public static ExecutableMemory Allocate(int size) => Allocate(size, 0);

    /// <summary>As <see cref="Allocate(int)"/>, asking for the mapping to be placed near <paramref name="hint"/> (not forced).</summary>
    internal static ExecutableMemory Allocate(int size, nint hint)
    {
        if (size is <= 0 or > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Executable memory must be 1 to {MaxSize} bytes.");
        nuint page = (nuint)Environment.SystemPageSize;
        nint address;
        nuint length = 0, written = 0;
        long fileOffset = -1;
        if (OperatingSystem.IsLinux())
        {
            address = hint == 0 && (nuint)size <= CodeFile.MaxLength ? CodeFile.Map((nuint)size, page, out length, out fileOffset) : 0;
            if (address != 0) written = (nuint)size;
            else
            {
                fileOffset = -1;
                address = LinuxMemory.Map((nuint)size, hint, page, out length, out written);
            }
        }
        else
        {
            length = ((nuint)size + page - 1) & ~(page - 1);
            hint &= ~(nint)(page - 1);
            address = OperatingSystem.IsWindows() ? WindowsMemory.Map(length, hint)
                : OperatingSystem.IsMacOS() ? MacMemory.Map(length, hint)
                : throw new PlatformNotSupportedException("Patchouly's executable memory is implemented for Linux, Windows and macOS.");
        }
        MappingHandle mapping = new(address, length, written, fileOffset);
        ExecutableMemory memory;
        try
        {
            memory = new ExecutableMemory(mapping, size);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
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

    /// <summary>True when the memory is a region of the Linux code file (never writable; code is staged and written with <c>pwrite</c>).</summary>
    internal bool IsFileBacked => _mapping.FileOffset >= 0;

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
            return new Span<byte>(_staging != null ? _staging : (void*)_mapping.DangerousGetHandle(), Size);
        }
    }

    /// <summary>A read-only view of the memory; valid until <see cref="Dispose"/>.</summary>
    /// <exception cref="ObjectDisposedException">The memory was disposed.</exception>
    public ReadOnlySpan<byte> Contents
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new ReadOnlySpan<byte>(_staging != null ? _staging : (void*)_mapping.DangerousGetHandle(), Size);
        }
    }

    /// <summary>The reference-counted mapping (lets running code keep it alive against a concurrent dispose).</summary>
    internal SafeHandle Handle => _mapping;

    /// <summary>
    /// Makes the memory readable and executable and no longer writable (one <c>mprotect</c> or <c>VirtualProtect</c>, so
    /// there is no moment at which it is both writable and executable; on macOS, the staged code is copied into the
    /// <c>MAP_JIT</c> mapping inside this thread's write window). Calling it again does nothing.
    /// </summary>
    /// <remarks>
    /// Before the switch, the instruction cache is flushed over the whole mapping (Linux x86-64: nothing to do; Linux
    /// arm64: <c>__clear_cache</c>, which also ends with the barriers the calling thread needs; Windows:
    /// <c>FlushInstructionCache</c>; macOS: <c>sys_icache_invalidate</c>, after the copy). Other threads that will run
    /// the code must learn its address through a synchronising operation (a lock, a volatile or interlocked write), as for
    /// any data.
    /// </remarks>
    /// <exception cref="ExecutableMemoryException">The system call that protects memory failed.</exception>
    /// <exception cref="PlatformNotSupportedException">The process's architecture needs a flush this runtime cannot do.</exception>
    /// <exception cref="ObjectDisposedException">The memory was disposed.</exception>
    public void MakeExecutable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_executable) return;
        nint address = _mapping.DangerousGetHandle();
        if (OperatingSystem.IsMacOS())
        {
            MacMemory.CopyIn(address, _staging, _mapping.Length);
            Targets.InstructionCache.Flush(address, _mapping.Length);
            FreeStaging();
        }
        else if (_mapping.FileOffset >= 0)
        {
            CodeFile.Write(_mapping.FileOffset, _staging, (nuint)Size); // the mapping itself never changes
            Targets.InstructionCache.Flush(address, _mapping.Length);
            FreeStaging();
        }
        else
        {
            Targets.InstructionCache.Flush(address, _mapping.Length);
            if (OperatingSystem.IsWindows()) WindowsMemory.MakeExecutable(address, _mapping.Length);
            else LinuxMemory.MakeExecutable(address, _mapping.Length);
        }
        _executable = true;
        _mapping.RegisterCode();
        Notify("executable");
    }

    /// <summary>Unmaps the memory (once no running code holds a reference on it). Safe to call more than once.</summary>
    public void Dispose()
    {
        _disposed = true;
        _mapping.Dispose();
        FreeStaging();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Keeps <paramref name="registration"/> (the code's unwind information, registered with the system) alive as long
    /// as the mapping and removes it before the memory is unmapped.
    /// </summary>
    internal void SetUnwindRegistration(IDisposable registration) => _mapping.SetUnwindRegistration(registration);

    private void FreeStaging()
    {
        byte* staging = _staging;
        if (staging == null) return;
        _staging = null;
        if (_stagingLength != 0)
        {
            LinuxMemory.Release((nint)staging, _stagingLength, _stagingWritten, wasExecutable: false); // never executable: no mprotect
            return;
        }
        NativeMemory.Free(staging);
        GC.RemoveMemoryPressure((long)_mapping.Length);
    }

    /// <summary>Keeps <paramref name="dependent"/> alive until the memory is unmapped (see <see cref="MappingHandle.AddDependent"/>).</summary>
    internal void AddDependent(SafeHandle dependent) => _mapping.AddDependent(dependent);

    /// <summary>Tells the test hook that a stage has completed.</summary>
    internal void Notify(string stage) => StageObserver?.Invoke(this, stage);
}
