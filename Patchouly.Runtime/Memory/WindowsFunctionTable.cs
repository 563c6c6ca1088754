using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// A table of <c>RUNTIME_FUNCTION</c> entries registered with the system's unwinder
/// (<c>RtlAddGrowableFunctionTable</c> of ntdll), so that stack walks, debuggers and exception dispatch find the unwind
/// information of JIT code. The table and its <c>UNWIND_INFO</c> records live in the code's own mapping (read-only once it
/// is executable); <see cref="Dispose"/> removes the registration (<c>RtlDeleteGrowableFunctionTable</c>), which must
/// happen before the memory is released.
/// </summary>
internal sealed unsafe partial class WindowsFunctionTable : IDisposable
{
    private nint _handle;

    private WindowsFunctionTable(nint handle) => _handle = handle;

    /// <summary>Test hook: when false, nothing is registered (to show that a stack walk then fails).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>
    /// Registers <paramref name="count"/> entries at <paramref name="table"/>, sorted by begin address, whose offsets are
    /// relative to <paramref name="rangeBase"/> and which lie in [<paramref name="rangeBase"/>, <paramref name="rangeEnd"/>).
    /// Returns null when registration is switched off for a test.
    /// </summary>
    /// <exception cref="ExecutableMemoryException"><c>RtlAddGrowableFunctionTable</c> failed.</exception>
    public static WindowsFunctionTable? Register(nint table, int count, nint rangeBase, nint rangeEnd)
    {
        if (!Enabled) return null;
        nint handle;
        int status = RtlAddGrowableFunctionTable(&handle, (void*)table, (uint)count, (uint)count, rangeBase, rangeEnd);
        if (status != 0)
            throw new ExecutableMemoryException("RtlAddGrowableFunctionTable", status,
                $"registering the unwind information of {count} functions at 0x{rangeBase:x} (NTSTATUS 0x{status:x8})");
        return new WindowsFunctionTable(handle);
    }

    /// <summary>Removes the registration. Safe to call more than once.</summary>
    public void Dispose()
    {
        nint handle = System.Threading.Interlocked.Exchange(ref _handle, 0);
        if (handle != 0) RtlDeleteGrowableFunctionTable(handle);
    }

    [LibraryImport("ntdll.dll")]
    private static partial int RtlAddGrowableFunctionTable(nint* dynamicTable, void* functionTable, uint entryCount, uint maximumEntryCount, nint rangeBase, nint rangeEnd);

    [LibraryImport("ntdll.dll")]
    private static partial void RtlDeleteGrowableFunctionTable(nint dynamicTable);
}
