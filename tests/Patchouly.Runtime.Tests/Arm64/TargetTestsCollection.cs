namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// The target tests run alone, after the parallel tests: they compile, map and free many functions, and the older
/// tests that measure per-thread allocation (pooled buffers) or check that freed code addresses stay unmapped are
/// disturbed by other threads doing the same at that moment.
/// </summary>
[CollectionDefinition(nameof(TargetTestsCollection), DisableParallelization = true)]
public sealed class TargetTestsCollection;
