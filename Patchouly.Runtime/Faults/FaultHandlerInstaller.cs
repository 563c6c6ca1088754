using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Targets;

namespace Patchouly.Runtime.Faults;

/// <summary>
/// The operating-system glue of the fault handler: copies the target's handler (<see cref="FaultHandlerCode"/>) into
/// executable memory with the <see cref="FaultState"/> address patched in, and installs it — on Linux as the SIGSEGV
/// action (<c>sigaction</c> with <c>SA_SIGINFO | SA_ONSTACK | SA_RESTART</c>: it runs on the thread's alternate signal
/// stack when there is one, as .NET's own handler does, so a stack overflow still reaches .NET), chaining to the action
/// it replaces; on Windows as the first vectored exception handler (<c>AddVectoredExceptionHandler(1, …)</c>), which
/// returns <c>EXCEPTION_CONTINUE_SEARCH</c> for anything it does not handle. Installed once per process, never removed.
/// </summary>
internal static unsafe class FaultHandlerInstaller
{
    private const int SigSegv = 11;
    private const int SaSigInfo = 4, SaOnStack = 0x08000000, SaRestart = 0x10000000;

    // glibc's struct sigaction on x86-64 and AArch64: handler at 0, sa_mask (128 bytes) at 8, sa_flags at 136, restorer at 144.
    private const int SigactionSize = 152, SigactionFlags = 136;

    private static readonly object s_lock = new();
    private static ExecutableMemory? s_code;

    /// <summary>Installs the handler if it is not yet installed.</summary>
    /// <exception cref="PlatformNotSupportedException">The handler cannot be installed.</exception>
    public static void EnsureInstalled()
    {
        lock (s_lock)
        {
            if (s_code is not null) return;
            ReadOnlySpan<byte> template = FaultHandlerCode.ForProcess(out int stateOffset);
            var code = ExecutableMemory.Allocate(template.Length);
            Span<byte> writable = code.Writable;
            template.CopyTo(writable);
            BitConverter.TryWriteBytes(writable.Slice(stateOffset, 8), (long)FaultState.Block);
            code.MakeExecutable();
            if (OperatingSystem.IsWindows()) InstallVectored(code.Address);
            else InstallSignal(code.Address);
            s_code = code;
        }
    }

    private static void InstallSignal(nint handler)
    {
        nint main = NativeLibrary.GetMainProgramHandle();
        if (!NativeLibrary.TryGetExport(main, "sigaction", out nint sigactionAddress) || !NativeLibrary.TryGetExport(main, "signal", out nint signal))
            throw new PlatformNotSupportedException("The C library's sigaction or signal was not found in the process.");
        var sigaction = (delegate* unmanaged<int, byte*, byte*, int>)sigactionAddress;
        byte* previous = stackalloc byte[SigactionSize];
        byte* action = stackalloc byte[SigactionSize];
        new Span<byte>(action, SigactionSize).Clear();
        FaultState.Block[FaultState.ResetFunction] = signal;
        // The previous action is recorded before ours is installed, so a fault in between is passed on correctly.
        if (sigaction(SigSegv, null, previous) != 0) throw new PlatformNotSupportedException("sigaction(SIGSEGV) failed.");
        SetPrevious(previous);
        *(nint*)action = handler;
        *(int*)(action + SigactionFlags) = SaSigInfo | SaOnStack | SaRestart;
        if (sigaction(SigSegv, action, previous) != 0) throw new PlatformNotSupportedException("sigaction(SIGSEGV) failed.");
        SetPrevious(previous); // what was replaced (the same, unless another thread changed it in between)
    }

    private static void SetPrevious(byte* action)
    {
        nint previous = *(nint*)action;
        // SIG_DFL (0) and SIG_IGN (1) have no code to run: the handler then restores the default action instead.
        System.Threading.Volatile.Write(ref FaultState.Block[FaultState.PreviousHandler], previous is 0 or 1 ? 0 : previous);
    }

    private static void InstallVectored(nint handler)
    {
        if (AddVectoredExceptionHandler(1, handler) == 0)
            throw new PlatformNotSupportedException("AddVectoredExceptionHandler failed.");
    }

    [DllImport("kernel32.dll")]
    private static extern nint AddVectoredExceptionHandler(uint first, nint handler);
}
