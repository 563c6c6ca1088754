namespace Patchouly.Samples.Wasm.Bench;

/// <summary>The benchmark driver (see the README).</summary>
public static class BenchRunner
{
    /// <summary>Runs the benchmarks.</summary>
    public static int Run(string[] args)
    {
        _ = args;
        System.Console.Error.WriteLine("bench: not implemented yet");
        return 2;
    }
}
