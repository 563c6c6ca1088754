using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>
/// An allocator for the small native structures JIT code refers to (memory and table descriptors, function
/// references, global cells, the exchange area). Chunks are mapped below 2 GiB (<c>MAP_32BIT</c>) when possible, so
/// their addresses are 32-bit immediates in the code (narrow stencil variants), and handed out by bumping a pointer.
/// <see cref="Free"/> keeps a freed block on a free list of its (16-byte rounded) size, which the next allocation of
/// that size takes first: the chunks are never unmapped, but a disposed <see cref="Store"/>'s blocks are reused, so the
/// mapped size follows the most ever live, not the number of loads.
/// </summary>
public static unsafe partial class LowMemory
{
    private const int ChunkSize = 1 << 20;
    private static readonly object Lock = new();
    private static readonly Dictionary<int, Stack<nint>> FreeBlocks = new();
    private static byte* _next, _end;
    private static long _mapped, _live;

    /// <summary>Bytes mapped for chunks so far.</summary>
    public static long MappedBytes
    {
        get
        {
            lock (Lock) return _mapped;
        }
    }

    /// <summary>Bytes allocated and not freed (rounded to 16).</summary>
    public static long LiveBytes
    {
        get
        {
            lock (Lock) return _live;
        }
    }

    /// <summary>Allocates <paramref name="size"/> zeroed bytes, 16-byte aligned.</summary>
    public static void* Allocate(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        size = Round(size);
        lock (Lock)
        {
            _live += size;
            if (FreeBlocks.TryGetValue(size, out var free) && free.TryPop(out nint block))
            {
                NativeMemory.Clear((void*)block, (nuint)size);
                return (void*)block;
            }
            if (_next == null || _end - _next < size)
            {
                int chunk = Math.Max(ChunkSize, size);
                void* p = Mmap(null, (nuint)chunk, ProtRead | ProtWrite, MapPrivate | MapAnonymous | Map32Bit, -1, 0);
                if (p == (void*)-1) p = NativeMemory.AllocZeroed((nuint)chunk);
                _mapped += chunk;
                _next = (byte*)p;
                _end = _next + chunk;
            }
            byte* r = _next;
            _next += size;
            return r;
        }
    }

    /// <summary>Allocates a zeroed <typeparamref name="T"/>.</summary>
    public static T* Allocate<T>() where T : unmanaged => (T*)Allocate(sizeof(T));

    /// <summary>Frees <paramref name="block"/>, allocated with <paramref name="size"/> bytes, for reuse (null: nothing).</summary>
    public static void Free(void* block, int size)
    {
        if (block == null) return;
        size = Round(size);
        lock (Lock)
        {
            if (!FreeBlocks.TryGetValue(size, out var free)) FreeBlocks[size] = free = new Stack<nint>();
            free.Push((nint)block);
            _live -= size;
        }
    }

    /// <summary>Frees a <typeparamref name="T"/> allocated with <see cref="Allocate{T}"/>.</summary>
    public static void Free<T>(T* block) where T : unmanaged => Free(block, sizeof(T));

    private static int Round(int size) => (size + 15) & ~15;

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, Map32Bit = 0x40;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);
}
