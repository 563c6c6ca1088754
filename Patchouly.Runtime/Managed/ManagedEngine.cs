using System;
using System.Diagnostics;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Managed;

/// <summary>Why a library runs on the managed engine (<see cref="ManagedEngine.Fallback"/>).</summary>
public sealed class ManagedEngineFallbackEventArgs : EventArgs
{
    internal ManagedEngineFallbackEventArgs(StencilLibrary library, string reason)
    {
        Library = library;
        Reason = reason;
    }

    /// <summary>The library without native code.</summary>
    public StencilLibrary Library { get; }

    /// <summary>Why it has none (<see cref="StencilLibrary.NativeUnavailableReason"/>).</summary>
    public string Reason { get; }
}

/// <summary>
/// The managed engine's switches and notices: <see cref="Fallback"/> tells (once per library) that a library without
/// native code for this platform runs on the managed engine, and why; <see cref="CreateLibrary"/> is called by
/// generated code.
/// </summary>
public static class ManagedEngine
{
    /// <summary>
    /// Raised once per library, the first time a function of a library without native code (no tables for this
    /// platform, or clang was missing at build time) is compiled, with the reason; also written to
    /// <see cref="Trace"/> as a warning.
    /// </summary>
    public static event EventHandler<ManagedEngineFallbackEventArgs>? Fallback;

    /// <summary>The engine builders start with: <c>PATCHOULY_ENGINE</c> (<c>native</c>, <c>managed</c> or <c>interpreter</c>), else native.</summary>
    public static ExecutionEngine DefaultEngine { get; } = Parse(Environment.GetEnvironmentVariable("PATCHOULY_ENGINE"));

    /// <summary>A library that has no native code and runs on the managed engine only (called by generated code when the
    /// tables were not built).</summary>
    /// <param name="stencils">The library's stencils as managed code.</param>
    /// <param name="reason">Why there is no native code.</param>
    public static StencilLibrary CreateLibrary(ManagedStencils stencils, string reason)
    {
        ArgumentNullException.ThrowIfNull(stencils);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new StencilLibrary(stencils, reason);
    }

    /// <summary>Reports, once per library, that a library without native code runs managed.</summary>
    internal static void ReportFallback(StencilLibrary library)
    {
        if (!library.IsManagedOnly || !library.FirstFallback()) return;
        string reason = library.NativeUnavailableReason!;
        Trace.TraceWarning($"Patchouly: stencil library {library.Name} runs on the managed engine: {reason}");
        Fallback?.Invoke(null, new ManagedEngineFallbackEventArgs(library, reason));
    }

    private static ExecutionEngine Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "managed" => ExecutionEngine.Managed,
        "interpreter" or "interp" => ExecutionEngine.Interpreter,
        _ => ExecutionEngine.Native,
    };
}
