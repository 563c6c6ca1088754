using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// The tables of a stencil library that run in this process: its own platform's, and in a linux-arm64 process also the
/// osx-arm64 ones (AArch64 code extracted from Mach-O objects: the same instruction set and C calling convention, so
/// code that makes no platform call runs here and proves the Mach-O relocation handling). Loaded with
/// <see cref="StencilTables.LoadEmbedded(StencilLibrary, TableTarget)"/> and kept per library and target.
/// </summary>
internal static class RunnableTables
{
    private static readonly ConcurrentDictionary<(StencilLibrary, string), StencilLibrary> s_loaded = new();

    /// <summary>The runtime identifiers of the tables that run here, the process's own first.</summary>
    public static IReadOnlyList<string> RuntimeIdentifiers { get; } = Find();

    private static string[] Find()
    {
        string own = TableTarget.ProcessRuntimeIdentifier;
        if (own == TableTarget.LinuxArm64.RuntimeIdentifier) return [own, TableTarget.OsxArm64.RuntimeIdentifier];
        return [own];
    }

    /// <summary>The tables of <paramref name="library"/> (a generated <c>Library</c>) for <paramref name="runtimeIdentifier"/>.</summary>
    public static StencilLibrary Of(StencilLibrary library, string runtimeIdentifier) =>
        runtimeIdentifier == TableTarget.ProcessRuntimeIdentifier
            ? library
            : s_loaded.GetOrAdd((library, runtimeIdentifier),
                static key => StencilTables.LoadEmbedded(key.Item1, TableTarget.FromRuntimeIdentifier(key.Item2)
                    ?? throw new ArgumentException($"unknown target {key.Item2}")));

    /// <summary>Theory rows: every runtime identifier of <see cref="RuntimeIdentifiers"/> with every row of <paramref name="rows"/>.</summary>
    public static IEnumerable<object?[]> Cross(IEnumerable<object?[]> rows)
    {
        foreach (var row in rows)
            foreach (var rid in RuntimeIdentifiers)
                yield return [rid, .. row];
    }

    /// <summary>Theory rows: one per runtime identifier.</summary>
    public static TheoryData<string> Targets() => new(RuntimeIdentifiers);

    public static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
}
