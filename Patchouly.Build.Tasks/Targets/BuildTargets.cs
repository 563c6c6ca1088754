using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Build.Tasks.Targets.LinuxArm64;
using Patchouly.Build.Tasks.Targets.LinuxX64;
using Patchouly.Build.Tasks.Targets.OsxArm64;
using Patchouly.Build.Tasks.Targets.WinX64;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Targets;

/// <summary>Chooses a target: one branch per platform.</summary>
public static class BuildTargets
{
    /// <summary>The build side of <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException">The toolkit has no build target for it.</exception>
    public static BuildTarget For(TableTarget target) => target.RuntimeIdentifier switch
    {
        "linux-x64" => LinuxX64Target.Instance,
        "linux-arm64" => LinuxArm64Target.Instance,
        "win-x64" => WinX64Target.Instance,
        "osx-arm64" => OsxArm64Target.Instance,
        _ => throw new ArgumentException($"Patchouly has no build target for {target.RuntimeIdentifier}.", nameof(target)),
    };

    /// <summary>Every supported target, in <see cref="TableTarget.All"/> order (the default of <c>PatchoulyTargets</c>).</summary>
    public static IReadOnlyList<BuildTarget> All { get; } = TableTarget.All.Select(For).ToArray();

    /// <summary>The x86-64 Linux target.</summary>
    public static BuildTarget LinuxX64 => LinuxX64Target.Instance;

    /// <summary>The AArch64 Linux target.</summary>
    public static BuildTarget LinuxArm64 => LinuxArm64Target.Instance;

    /// <summary>The x86-64 Windows target.</summary>
    public static BuildTarget WinX64 => WinX64Target.Instance;

    /// <summary>The AArch64 macOS target.</summary>
    public static BuildTarget OsxArm64 => OsxArm64Target.Instance;

    /// <summary>
    /// The targets named by the <c>PatchoulyTargets</c> property (runtime identifiers separated by semicolons or
    /// commas; empty: all), each once, in the order given; null with <paramref name="error"/> set when one is unknown.
    /// </summary>
    public static IReadOnlyList<BuildTarget>? Parse(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return All;
        var result = new List<BuildTarget>();
        foreach (string part in value!.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var target = TableTarget.FromRuntimeIdentifier(part);
            if (target is null)
            {
                error = $"PatchoulyTargets names '{part}', which is not a supported target; use runtime identifiers from: {string.Join(", ", All.Select(t => t.RuntimeIdentifier))}.";
                return null;
            }
            var build = For(target);
            if (!result.Contains(build)) result.Add(build);
        }
        if (result.Count == 0) return All;
        return result;
    }
}
