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
    public const int MapShared = 0x01;

    public const int MfdCloexec = 1;
    public const int MadvDontFork = 10;
    public const int FallocPunchHole = 0x02 | 0x01; // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
    public const int Eintr = 4;

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
    public static void* Mmap(void* address, nuint length, int protection, int flags, out int errno) =>
        Mmap(address, length, protection, flags, -1, 0, out errno);

    /// <summary><c>mmap</c> of a file; returns <see cref="MapFailed"/> and sets <paramref name="errno"/> on failure.</summary>
    public static void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset, out int errno)
    {
        Marshal.SetLastSystemError(0);
        void* result = s_mmap(address, length, protection, flags, fd, (nint)offset);
        errno = Marshal.GetLastSystemError();
        return result;
    }

    /// <summary><c>memfd_create</c>; returns the descriptor, or -1 and sets <paramref name="errno"/> (also when the C library lacks it).</summary>
    public static int MemfdCreate(string name, int flags, out int errno)
    {
        if (s_memfdCreate == null)
        {
            errno = 38; // ENOSYS
            return -1;
        }
        Marshal.SetLastSystemError(0);
        int result;
        fixed (byte* utf8 = System.Text.Encoding.UTF8.GetBytes(name + "\0")) result = s_memfdCreate(utf8, (uint)flags);
        errno = Marshal.GetLastSystemError();
        return result;
    }

    /// <summary><c>ftruncate</c>; returns 0, or -1 and sets <paramref name="errno"/>.</summary>
    public static int Ftruncate(int fd, long length, out int errno)
    {
        Marshal.SetLastSystemError(0);
        int result = s_ftruncate(fd, (nint)length);
        errno = Marshal.GetLastSystemError();
        return result;
    }

    /// <summary><c>pwrite</c>; returns the bytes written, or -1 and sets <paramref name="errno"/>.</summary>
    public static nint Pwrite(int fd, void* buffer, nuint count, long offset, out int errno)
    {
        Marshal.SetLastSystemError(0);
        nint result = s_pwrite(fd, buffer, count, (nint)offset);
        errno = Marshal.GetLastSystemError();
        return result;
    }

    /// <summary><c>fallocate</c>; returns 0, or -1 (callers that only free memory ignore failures).</summary>
    public static int Fallocate(int fd, int mode, long offset, long length) => s_fallocate(fd, mode, (nint)offset, (nint)length);

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

    private static readonly delegate* unmanaged<byte*, uint, int> s_memfdCreate =
        (delegate* unmanaged<byte*, uint, int>)TryResolve("memfd_create");

    private static readonly delegate* unmanaged<int, nint, int> s_ftruncate =
        (delegate* unmanaged<int, nint, int>)Resolve("ftruncate");

    private static readonly delegate* unmanaged<int, void*, nuint, nint, nint> s_pwrite =
        (delegate* unmanaged<int, void*, nuint, nint, nint>)Resolve("pwrite");

    private static readonly delegate* unmanaged<int, int, nint, nint, int> s_fallocate =
        (delegate* unmanaged<int, int, nint, nint, int>)Resolve("fallocate");

    private static nint TryResolve(string name) =>
        NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), name, out nint address) ? address : 0;

    private static nint Resolve(string name)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("These are the Linux C library's calls (see LinuxMemory).");
        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), name, out nint address))
            return address;
        throw new PlatformNotSupportedException($"The C library function '{name}' was not found in the process.");
    }
}
