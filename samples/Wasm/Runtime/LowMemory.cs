using System;
using System.Runtime.InteropServices;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>
/// A bump allocator for the small native structures JIT code refers to (memory and table descriptors, function
/// references, global cells, the exchange area). Chunks are mapped below 2 GiB (<c>MAP_32BIT</c>) when possible, so
/// their addresses are 32-bit immediates in the code (narrow stencil variants). Memory is zeroed and never freed
/// (the sample's instances live as long as the process).
/// </summary>
public static unsafe partial class LowMemory
{
    private const int ChunkSize = 1 << 20;
    private static readonly object Lock = new();
    private static byte* _next, _end;

    /// <summary>Allocates <paramref name="size"/> zeroed bytes, 16-byte aligned.</summary>
    public static void* Allocate(int size)
    {
        size = (size + 15) & ~15;
        lock (Lock)
        {
            if (_next == null || _end - _next < size)
            {
                int chunk = Math.Max(ChunkSize, size);
                void* p = Mmap(null, (nuint)chunk, ProtRead | ProtWrite, MapPrivate | MapAnonymous | Map32Bit, -1, 0);
                if (p == (void*)-1) p = NativeMemory.AllocZeroed((nuint)chunk);
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

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, Map32Bit = 0x40;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);
}
