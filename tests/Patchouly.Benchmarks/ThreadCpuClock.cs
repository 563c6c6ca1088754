using System;
using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace Patchouly.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the calling thread's CPU time (user + system, <c>CLOCK_THREAD_CPUTIME_ID</c>)
/// instead of wall time, so time the thread spends descheduled on a busy machine is not counted (<c>--cpu</c>). The
/// in-process toolchain measures on the thread that runs the workload, which is what this needs.
/// </summary>
public sealed unsafe class ThreadCpuClock : IClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>The shared instance.</summary>
    public static readonly ThreadCpuClock Instance = new();

    public string Title => "ThreadCpuTime";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => Frequency.GHz; // timestamps in nanoseconds

    public long GetTimestamp() => Now();

    /// <summary>The calling thread's CPU time in nanoseconds.</summary>
    public static long Now()
    {
        Timespec t;
        if (clock_gettime(ClockThreadCpuTimeId, &t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds, Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int clock_gettime(int clock, Timespec* time);
}
