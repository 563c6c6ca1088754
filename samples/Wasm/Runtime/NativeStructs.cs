using System.Runtime.InteropServices;

namespace Patchouly.Samples.Wasm.Runtime;

/// <summary>A linear memory as JIT code sees it: its base (never moves: the maximum is reserved) and its size in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MemoryDesc
{
    /// <summary>Address of byte 0.</summary>
    public byte* Base;

    /// <summary>Current size in bytes (a multiple of 64 KiB).</summary>
    public ulong Size;
}

/// <summary>A table as JIT code sees it: elements (<see cref="FuncRef"/> pointers or extern values, 0 = null) and length.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct TableDesc
{
    /// <summary>The elements.</summary>
    public ulong* Elements;

    /// <summary>Number of elements.</summary>
    public ulong Length;
}

/// <summary>A function reference: its canonical signature id and the address of its C-ABI entry (<c>long f()</c>, 0 = ok, else a trap code).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuncRef
{
    /// <summary>Canonical id of the function's type (equal types, equal ids, across modules).</summary>
    public long Signature;

    /// <summary>Entry point: arguments and results go through <see cref="Exchange"/>.</summary>
    public nint Entry;
}

/// <summary>
/// The process-wide area through which calls pass arguments and results, and traps their code. A caller stores the
/// arguments in <see cref="Values"/>, calls, and reads the results from <see cref="Values"/>; a callee copies its
/// arguments into its frame first thing and stores its results just before returning.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Exchange
{
    /// <summary>Number of value cells.</summary>
    public const int Capacity = 4096;

    /// <summary>The code of the trap being propagated: recorded by the call (or host operation) that got it, read by
    /// the caller's <c>Rethrow</c>.</summary>
    public long TrapCode;

    /// <summary>Calls trap with call-stack exhaustion when the machine stack pointer is below this.</summary>
    public ulong StackLimit;

    /// <summary>Arguments and results.</summary>
    public fixed long Values[Capacity];
}
