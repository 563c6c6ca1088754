using System;
using Patchouly.Runtime.Faults;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime;

/// <summary>
/// Turns memory faults of JIT code into a controlled exit: when an instruction of code compiled by this runtime faults
/// on an address inside a registered <see cref="GuardedRegion"/>, the running JIT function returns the region's exit
/// code to its caller, as if its returning stencil had returned it (its spill frame is discarded and the entry shim
/// restores the caller's registers). A front end reserves address space without access around the memory its code
/// reads and writes, registers it, and drops the explicit bounds checks: an access beyond the accessible part is then
/// the trap (as guard pages are in V8 and Wasmtime).
/// </summary>
/// <remarks>
/// <para>The handler is native code (<c>Targets/X64/X64FaultHandler.cs</c>, <c>Targets/Arm64/Arm64FaultHandler.cs</c>),
/// installed on first <see cref="Register"/>: a SIGSEGV action on Linux, a vectored exception handler on Windows. Every
/// other fault — not in code compiled by this runtime, or not on a registered address — goes on unchanged to the
/// handler installed before (.NET's: <see cref="NullReferenceException"/>, stack overflow), never swallowed.</para>
/// <para>The function that faults is the innermost JIT function running (each function's entry shim starts a frame);
/// functions that called it see it return the code. The faulting stencil must be one that makes no call (on AArch64 a
/// calling stencil reuses the return-address register). Thread-safe: any thread may register and dispose regions, and
/// faults on several threads at once are handled independently.</para>
/// <para>Supported on linux-x64, linux-arm64 and win-x64 (<see cref="IsSupported"/>); not on osx-arm64, where a front end
/// keeps explicit checks. The environment variable <c>PATCHOULY_FAULT_HANDLER=0</c> makes <see cref="IsSupported"/>
/// false (to compare against explicit checks).</para>
/// </remarks>
public static class GuardedRegions
{
    /// <summary>True when faults can be turned into exits in this process.</summary>
    public static bool IsSupported { get; } =
        FaultHandlerCode.Exists && Environment.GetEnvironmentVariable("PATCHOULY_FAULT_HANDLER") != "0";

    /// <summary>
    /// Registers <c>[start, start + length)</c>: a fault of JIT code on an address in it makes the JIT function return
    /// <paramref name="exitCode"/>. Installs the fault handler on first use. Dispose the result to unregister (before
    /// the memory is released).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is 0, <paramref name="length"/> is 0, or the range wraps.</exception>
    /// <exception cref="PlatformNotSupportedException"><see cref="IsSupported"/> is false.</exception>
    public static GuardedRegion Register(nint start, nuint length, long exitCode)
    {
        if (!IsSupported)
            throw new PlatformNotSupportedException(FaultHandlerCode.Exists
                ? "Guarded regions are turned off (PATCHOULY_FAULT_HANDLER=0)."
                : "Guarded regions are implemented for linux-x64, linux-arm64 and win-x64.");
        if (start == 0) throw new ArgumentOutOfRangeException(nameof(start), "A guarded region cannot start at address 0.");
        ulong begin = (ulong)start, end = begin + length;
        if (length == 0 || end < begin) throw new ArgumentOutOfRangeException(nameof(length), length, "A guarded region must be non-empty and must not wrap.");
        FaultHandlerInstaller.EnsureInstalled();
        return new GuardedRegion(start, length, exitCode, FaultState.AddRegion(begin, end, exitCode));
    }
}

/// <summary>A registered guarded region (see <see cref="GuardedRegions"/>); <see cref="Dispose"/> unregisters it.</summary>
public sealed class GuardedRegion : IDisposable
{
    private readonly int _entry;
    private int _disposed;

    internal GuardedRegion(nint start, nuint length, long exitCode, int entry)
    {
        Start = start;
        Length = length;
        ExitCode = exitCode;
        _entry = entry;
    }

    /// <summary>The first address.</summary>
    public nint Start { get; }

    /// <summary>The length in bytes.</summary>
    public nuint Length { get; }

    /// <summary>What a JIT function that faults in the region returns.</summary>
    public long ExitCode { get; }

    /// <summary>True once unregistered.</summary>
    public bool IsDisposed => _disposed != 0;

    /// <summary>Unregisters the region (faults on it are no longer handled). Safe to call more than once.</summary>
    public void Dispose()
    {
        if (System.Threading.Interlocked.Exchange(ref _disposed, 1) == 0) FaultState.RemoveRegion(_entry);
    }
}
