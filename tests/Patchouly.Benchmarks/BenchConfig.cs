using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Patchouly.Benchmarks;

/// <summary>
/// A short in-process job (no separate build of a host project, so a full run stays within a few minutes), the memory
/// diagnoser, and the console table.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    /// <param name="cpuTime">Time by the thread's CPU time (<see cref="ThreadCpuClock"/>) instead of wall time.</param>
    public BenchConfig(bool cpuTime = false)
    {
        var job = Job.ShortRun
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3)
            .WithIterationCount(5)
            .WithId(cpuTime ? "ShortCpu" : "Short");
        AddJob(cpuTime ? job.WithClock(ThreadCpuClock.Instance) : job);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min); // robust on a shared machine
        AddLogger(ConsoleLogger.Default);
        AddExporter(MarkdownExporter.Console);
        WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
    }
}
