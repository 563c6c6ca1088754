using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// The few Linux libc calls executable memory needs (<see cref="LinuxMemory"/>), bound through function pointers looked up in the process's global
/// symbols (libc is always loaded), so no library name (<c>libc.so.6</c>, musl's, …) is hard-coded.
/// </summary>
internal static unsafe class LibC
{
    public const int ProtNone = 0;
    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int ProtExec = 4;

    // Linux values (the same on x86-64 and arm64).
    public const int MapPrivate = 0x02;
    public const int MapAnonymous = 0x20;
    public const int MapPopulate = 0x8000;

    public const int MadvHugePage = 14;

    public static readonly void* MapFailed = (void*)-1;

    private static readonly delegate* unmanaged<void*, nuint, int, int, int, nint, void*> s_mmap =
        (delegate* unmanaged<void*, nuint, int, int, int, nint, void*>)Resolve("mmap");

    private static readonly delegate* unmanaged<void*, nuint, int, int> s_mprotect =
        (delegate* unmanaged<void*, nuint, int, int>)Resolve("mprotect");

    private static readonly delegate* unmanaged<void*, nuint, int, int> s_madvise =
        (delegate* unmanaged<void*, nuint, int, int>)Resolve("madvise");

    private static readonly delegate* unmanaged<void*, nuint, int> s_munmap =
        (delegate* unmanaged<void*, nuint, int>)Resolve("munmap");

    /// <summary><c>mmap</c>; returns <see cref="MapFailed"/> and sets <paramref name="errno"/> on failure.</summary>
    public static void* Mmap(void* address, nuint length, int protection, int flags, out int errno)
    {
        Marshal.SetLastSystemError(0);
        void* result = s_mmap(address, length, protection, flags, -1, 0);
        errno = Marshal.GetLastSystemError();
        return result;
    }

    /// <summary><c>mprotect</c>; returns 0, or -1 and sets <paramref name="errno"/>.</summary>
    public static int Mprotect(void* address, nuint length, int protection, out int errno)
    {
        Marshal.SetLastSystemError(0);
        int result = s_mprotect(address, length, protection);
        errno = Marshal.GetLastSystemError();
        return result;
    }

    /// <summary><c>madvise</c>; returns 0, or -1 (advice is only advice: callers ignore failures).</summary>
    public static int Madvise(void* address, nuint length, int advice) => s_madvise(address, length, advice);

    /// <summary><c>munmap</c>; returns 0, or -1 and sets <paramref name="errno"/>.</summary>
    public static int Munmap(void* address, nuint length, out int errno)
    {
        Marshal.SetLastSystemError(0);
        int result = s_munmap(address, length);
        errno = Marshal.GetLastSystemError();
        return result;
    }

    private static nint Resolve(string name)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("These are the Linux C library's calls (see LinuxMemory).");
        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), name, out nint address))
            return address;
        throw new PlatformNotSupportedException($"The C library function '{name}' was not found in the process.");
    }
}
