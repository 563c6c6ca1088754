namespace Patchouly.Samples.Wasm.Spec;

/// <summary>Counts of one script (or several).</summary>
public sealed record SpecResult(string Script, int Passed, int Failed, int Skipped)
{
    /// <summary>The sum of two results.</summary>
    public static SpecResult operator +(SpecResult a, SpecResult b) => new(a.Script, a.Passed + b.Passed, a.Failed + b.Failed, a.Skipped + b.Skipped);

    /// <inheritdoc />
    public override string ToString() => $"{Script}: {Passed} passed, {Failed} failed, {Skipped} skipped";
}
