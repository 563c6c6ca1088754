using System;
using System.Runtime.InteropServices;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Read-write memory mapped at a chosen address (below 4 GiB, or far above it), to test which stencil variant a hole
/// value selects: <c>mmap</c> with <c>MAP_FIXED_NOREPLACE</c> on Linux (checked: older kernels take it as a hint),
/// <c>VirtualAlloc</c> at the address on Windows. The first free address of the candidates is taken.
/// </summary>
internal sealed unsafe partial class FixedAddressMemory : IDisposable
{
    private const int Size = 1 << 16;
    public byte* Pointer { get; private set; }

    private FixedAddressMemory(byte* pointer) => Pointer = pointer;

    /// <summary>Memory at one of <paramref name="candidates"/>; throws when none of them is free.</summary>
    public static FixedAddressMemory At(params ulong[] candidates)
    {
        foreach (ulong address in candidates)
        {
            byte* p = Map(address);
            if (p != null) return new FixedAddressMemory(p);
        }
        throw new InvalidOperationException($"none of the addresses {string.Join(", ", Array.ConvertAll(candidates, a => $"0x{a:x}"))} could be mapped");
    }

    /// <summary>Memory below 2 GiB (a narrow hole value on every target).</summary>
    public static FixedAddressMemory Low() => At(0x2000_0000, 0x3000_0000, 0x4000_0000, 0x5000_0000, 0x6000_0000);

    /// <summary>Memory above 4 GiB (only a wide hole value holds it on x86-64 and linux-arm64).</summary>
    public static FixedAddressMemory High() => At(0x10_0000_0000, 0x20_0000_0000, 0x30_0000_0000, 0x40_0000_0000, 0x50_0000_0000);

    private static byte* Map(ulong address)
    {
        if (OperatingSystem.IsWindows())
            return (byte*)VirtualAlloc((void*)address, Size, 0x3000 /* MEM_COMMIT | MEM_RESERVE */, 0x04 /* PAGE_READWRITE */);
        void* p = Mmap((void*)address, Size, 3 /* PROT_READ | PROT_WRITE */, 0x22 | 0x100000 /* MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE */, -1, 0);
        if (p == (void*)-1) return null;
        if ((ulong)p == address) return (byte*)p;
        Munmap(p, Size);
        return null;
    }

    public void Dispose()
    {
        if (Pointer == null) return;
        if (OperatingSystem.IsWindows()) VirtualFree(Pointer, 0, 0x8000 /* MEM_RELEASE */);
        else Munmap(Pointer, Size);
        Pointer = null;
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("kernel32", EntryPoint = "VirtualAlloc")]
    private static partial void* VirtualAlloc(void* address, nuint size, uint type, uint protect);

    [LibraryImport("kernel32", EntryPoint = "VirtualFree")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool VirtualFree(void* address, nuint size, uint type);
}
