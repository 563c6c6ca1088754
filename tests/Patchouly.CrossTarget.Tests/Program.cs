using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Runs this assembly's xunit tests in-process, without vstest: the way they run on a target where no test host
/// exists (linux-arm64 under qemu-user). Prints each failure and ends with "N passed, N failed"; the exit code is 0
/// only when every test passed and at least one ran. <c>dotnet test</c> runs the same tests the ordinary way.
/// Arguments: optional substrings; only tests whose display name contains one of them run.
/// The environment variable <c>PATCHOULY_TEST_IDLE_TIMEOUT</c> (seconds) ends the run as failed when no test has
/// finished for that long (under wine, a test failing with an exception can hang the process: see build.sh).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == GuardedRegionTests.UnhandledFaultMode) return GuardedRegionTests.FaultUnhandled(args[1]);
        // Test methods are invoked through IL stubs, not the runtime's native invoke frames: under wine, an exception
        // that escapes a test through those native frames leaves wine's exception dispatch looping on a stale frame at
        // the next exception (the process hangs).
        AppContext.SetSwitch("Switch.System.Reflection.ForceEmitInvoke", true);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Patchouly.CrossTarget.Tests on {RuntimeInformation.RuntimeIdentifier} ({RuntimeInformation.ProcessArchitecture}), {RuntimeInformation.FrameworkDescription}");
        var assembly = typeof(Program).Assembly;
        var diagnostics = new Sink();
        using var framework = new XunitTestFramework(diagnostics);
        var assemblyInfo = Reflector.Wrap(assembly);

        using var discoverer = framework.GetDiscoverer(assemblyInfo);
        var discovery = new Sink();
        discoverer.Find(includeSourceInformation: false, discovery, new Options());
        discovery.Finished.WaitOne();
        var cases = discovery.TestCases
            .Where(c => args.Length == 0 || args.Any(a => c.DisplayName.Contains(a, StringComparison.Ordinal)))
            .ToList();
        Console.WriteLine($"{cases.Count} test cases discovered in {clock.Elapsed.TotalSeconds:F1} s");

        using var executor = framework.GetExecutor(assembly.GetName());
        var execution = new Sink();
        using var watchdog = Watchdog(execution);
        var options = new Options();
        options.SetValue("xunit.execution.DisableParallelization", false);
        executor.RunTests(cases, execution, options);
        execution.Finished.WaitOne();

        foreach (var error in diagnostics.Errors.Concat(discovery.Errors).Concat(execution.Errors))
            Console.WriteLine($"ERROR {error}");
        int failed = execution.Failed + discovery.Errors.Count + execution.Errors.Count;
        Console.WriteLine($"in {clock.Elapsed.TotalSeconds:F1} s; {execution.Skipped} skipped");
        Console.WriteLine($"{execution.Passed} passed, {failed} failed");
        return failed == 0 && execution.Passed > 0 ? 0 : 1;
    }

    /// <summary>When PATCHOULY_TEST_IDLE_TIMEOUT is set: a timer that ends the process as failed once no test has finished for that many seconds.</summary>
    private static Timer? Watchdog(Sink execution)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("PATCHOULY_TEST_IDLE_TIMEOUT"), out int seconds) || seconds <= 0) return null;
        return new Timer(_ =>
        {
            if (execution.Idle < TimeSpan.FromSeconds(seconds)) return;
            Console.WriteLine($"ERROR no test finished in {seconds} s (PATCHOULY_TEST_IDLE_TIMEOUT); stopping. Still running: {string.Join(", ", execution.Running)}");
            Console.WriteLine($"{execution.Passed} passed, {execution.Failed + Math.Max(1, execution.Running.Count)} failed");
            Console.Out.Flush();
            Environment.Exit(1);
        }, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    /// <summary>Collects discovered cases and results, printing failures as they arrive.</summary>
    private sealed class Sink : LongLivedMarshalByRefObject, IMessageSink
    {
        public readonly List<ITestCase> TestCases = [];
        public readonly List<string> Errors = [];
        public readonly ManualResetEvent Finished = new(false);
        public int Passed, Failed, Skipped;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastActivityTicks;
        private readonly HashSet<string> _running = [];

        /// <summary>How long ago a test last started or finished (for the watchdog).</summary>
        public TimeSpan Idle => _clock.Elapsed - TimeSpan.FromTicks(Interlocked.Read(ref _lastActivityTicks));

        /// <summary>The tests started and not finished.</summary>
        public List<string> Running
        {
            get { lock (_running) return [.. _running]; }
        }

        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is ITestStarting starting) lock (_running) _running.Add(starting.Test.DisplayName);
            if (message is ITestFinished finished) lock (_running) _running.Remove(finished.Test.DisplayName);
            if (message is ITestStarting or ITestFinished) Interlocked.Exchange(ref _lastActivityTicks, _clock.Elapsed.Ticks);
            switch (message)
            {
                case ITestCaseDiscoveryMessage d:
                    lock (TestCases) TestCases.Add(d.TestCase);
                    break;
                case IDiscoveryCompleteMessage:
                case ITestAssemblyFinished:
                    Finished.Set();
                    break;
                case ITestPassed:
                    Interlocked.Increment(ref Passed);
                    break;
                case ITestSkipped s:
                    Interlocked.Increment(ref Skipped);
                    Console.WriteLine($"SKIP {s.Test.DisplayName}: {s.Reason}");
                    break;
                case ITestFailed f:
                    Interlocked.Increment(ref Failed);
                    lock (this)
                    {
                        Console.WriteLine($"FAIL {f.Test.DisplayName} ({f.ExecutionTime:F2} s)");
                        for (int i = 0; i < f.Messages.Length; i++)
                            Console.WriteLine($"  {f.ExceptionTypes[i]}: {f.Messages[i]}\n{f.StackTraces[i]}");
                        if (!string.IsNullOrEmpty(f.Output)) Console.WriteLine("  output:\n" + f.Output);
                    }
                    break;
                case IErrorMessage e:
                    lock (Errors) Errors.Add($"{string.Join("; ", e.ExceptionTypes)}: {string.Join("; ", e.Messages)}\n{string.Join("\n", e.StackTraces)}");
                    break;
                case ITestAssemblyCleanupFailure or ITestCollectionCleanupFailure or ITestClassCleanupFailure or ITestCaseCleanupFailure or ITestMethodCleanupFailure or ITestCleanupFailure:
                    var c = (IFailureInformation)message;
                    lock (Errors) Errors.Add($"cleanup: {string.Join("; ", c.Messages)}");
                    break;
            }
            return true;
        }
    }

    /// <summary>Discovery and execution options (xunit.runner.utility's TestFrameworkOptions is not available).</summary>
    private sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = new();
        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var v) && v is TValue t ? t : default!;
        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
