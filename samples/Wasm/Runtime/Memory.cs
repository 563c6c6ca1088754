using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Patchouly.Samples.Wasm.Decoding;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>
/// A linear memory. Address space is reserved up front without access, and growing makes more of it read-write, so
/// the base never moves. Where Patchouly's <see cref="GuardedRegions"/> are supported (<see cref="UseGuardPages"/>) the
/// reservation is 8 GiB + a page, more than any i32 address + u32 offset + access size can reach, and is registered as a
/// guarded region whose exit code is the out-of-bounds trap: the JIT's loads and stores then check nothing (a fault beyond
/// the current size is the trap). Otherwise the maximum (declared, else 4 GiB) is reserved and every access is checked
/// explicitly against <see cref="MemoryDesc.Size"/>. Its <see cref="Store"/> unregisters the region, unmaps the
/// reservation and frees the descriptor when disposed.
/// </summary>
public sealed unsafe partial class Memory : IStoreResource
{
    /// <summary>Bytes per page.</summary>
    public const ulong PageSize = 65536;

    /// <summary>
    /// True when memories are guarded (the JIT emits unchecked loads and stores): <see cref="GuardedRegions.IsSupported"/>
    /// (false with <c>PATCHOULY_FAULT_HANDLER=0</c> or on osx-arm64) and not <c>WASM_BOUNDS_CHECKS=explicit</c>.
    /// </summary>
    public static bool UseGuardPages { get; } =
        GuardedRegions.IsSupported && Environment.GetEnvironmentVariable("WASM_BOUNDS_CHECKS") != "explicit";

    /// <summary>The reservation of a guarded memory: every i32 address + u32 offset + 8-byte access lies inside.</summary>
    public const ulong GuardedReservation = (8UL << 30) + PageSize;

    private MemoryDesc* _desc;
    private readonly nuint _reserved;

    /// <summary>The descriptor the JIT code reads.</summary>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public MemoryDesc* Desc => _desc != null ? _desc : throw new ObjectDisposedException(nameof(Memory), "the memory's store was disposed");

    /// <summary>The store that owns the memory.</summary>
    public Store Store { get; }

    /// <summary>The maximum in pages (65536 when none is declared).</summary>
    public uint MaxPages { get; }

    /// <summary>Whether a maximum was declared.</summary>
    public bool HasMax { get; }

    /// <summary>Whether this memory is guarded (see <see cref="UseGuardPages"/>): its registration, else null.</summary>
    public GuardedRegion? Guard { get; }

    /// <summary>Current size in pages.</summary>
    public uint Pages => (uint)(Desc->Size / PageSize);

    /// <summary>Creates a memory of type <paramref name="limits"/> in <paramref name="store"/>.</summary>
    public Memory(Store store, Limits limits)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        Store = store;
        HasMax = limits.Max is not null;
        MaxPages = limits.Max ?? 65536;
        ulong reserve = UseGuardPages ? GuardedReservation : Math.Max((ulong)MaxPages * PageSize, PageSize);
        void* p = Mmap(null, (nuint)reserve, 0, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        if (p == (void*)-1) throw new OutOfMemoryException($"cannot reserve {reserve} bytes for a linear memory");
        _reserved = (nuint)reserve;
        _desc = LowMemory.Allocate<MemoryDesc>();
        _desc->Base = (byte*)p;
        _desc->Size = 0;
        try
        {
            if (UseGuardPages) Guard = GuardedRegions.Register((nint)p, (nuint)reserve, (long)TrapKind.MemoryOutOfBounds);
            if (Grow(limits.Min) < 0) throw new OutOfMemoryException("cannot commit the initial memory");
            store.Add(this);
        }
        catch
        {
            ((IStoreResource)this).Release();
            throw;
        }
    }

    void IStoreResource.Release()
    {
        if (_desc == null) return;
        Guard?.Dispose(); // before the address range can be mapped again by anything else
        Munmap(_desc->Base, _reserved);
        LowMemory.Free(_desc);
        _desc = null;
    }

    /// <summary>Grows by <paramref name="delta"/> pages; returns the old size in pages or -1.</summary>
    public int Grow(uint delta)
    {
        uint old = Pages;
        if ((ulong)old + delta > MaxPages) return -1;
        if (delta == 0) return (int)old;
        ulong newSize = ((ulong)old + delta) * PageSize;
        if (Mprotect(Desc->Base, (nuint)newSize, ProtRead | ProtWrite) != 0) return -1;
        Desc->Size = newSize;
        return (int)old;
    }

    /// <summary>True when <c>[offset, offset+length)</c> is inside the memory.</summary>
    public bool InBounds(ulong offset, ulong length) => offset + length <= Desc->Size;

    /// <summary>The bytes at <paramref name="offset"/> (the caller checked the bounds).</summary>
    public Span<byte> Slice(ulong offset, int length) => new(Desc->Base + offset, length);

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, MapNoReserve = 0x4000;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(void* address, nuint length, int protection);
}
