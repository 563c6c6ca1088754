using System;
using System.Globalization;
using System.IO;
using System.Text;
using Patchouly.Runtime.Linking;

namespace Patchouly.Runtime;

/// <summary>
/// Writes Linux <c>perf</c> map entries for JIT-compiled code, so that <c>perf report</c> names its samples: one line
/// <c>&lt;hex start&gt; &lt;hex size&gt; &lt;name&gt;</c> per function (or per stencil) in <c>/tmp/perf-&lt;pid&gt;.map</c>,
/// appended whenever a function or module is compiled.
/// </summary>
/// <remarks>
/// Off by default. Turn it on with <see cref="Enabled"/>, or with the environment variable
/// <c>PATCHOULY_PERF_MAP=1</c> (functions) or <c>PATCHOULY_PERF_MAP=stencils</c> (every stencil) read at startup.
/// Names are <c>Library::function</c>; with <see cref="IncludeStencils"/>, the entry shim is <c>Library::function::entry</c>
/// and each stencil <c>Library::function::Stencil</c>. Shared trampolines are <c>Library::trampolines</c>. Writing is
/// best-effort: an I/O error does not fail the compilation. Entries are not removed when code is freed (perf maps have no
/// way to say so), so a long-running process that recompiles often should leave this off.
/// </remarks>
public static class PerfMap
{
    private static readonly object s_lock = new();

    static PerfMap()
    {
        string? value = Environment.GetEnvironmentVariable("PATCHOULY_PERF_MAP");
        Enabled = value is "1" or "true" or "functions" or "stencils";
        IncludeStencils = value is "stencils";
    }

    /// <summary>Whether compiling writes perf map entries.</summary>
    public static bool Enabled { get; set; }

    /// <summary>Whether to write one entry per stencil (and the entry shim) instead of one per function.</summary>
    public static bool IncludeStencils { get; set; }

    /// <summary>
    /// The file the entries go to: <c>/tmp/perf-&lt;pid&gt;.map</c>, or <c>/tmp/perf-&lt;pid&gt;.patchouly.map</c> when the
    /// .NET runtime writes its own perf map (<c>DOTNET_PerfMapEnabled</c> 1 or 3). The runtime keeps that file open and
    /// writes at its own position, so lines appended by anyone else are overwritten; append the Patchouly file to it
    /// after the process exits (<c>cat /tmp/perf-PID.patchouly.map &gt;&gt; /tmp/perf-PID.map</c>).
    /// </summary>
    public static string FilePath { get; } = ChooseFilePath(Environment.ProcessId,
        Environment.GetEnvironmentVariable("DOTNET_PerfMapEnabled") ?? Environment.GetEnvironmentVariable("COMPlus_PerfMapEnabled"));

    /// <summary>The perf map file of process <paramref name="pid"/>, given the runtime's <c>PerfMapEnabled</c> setting.</summary>
    internal static string ChooseFilePath(int pid, string? runtimePerfMap)
    {
        // PerfMapEnabled: 0 off, 1 perf map and jitdump, 2 jitdump only, 3 perf map only.
        bool runtimeWritesMap = runtimePerfMap?.Trim() is "1" or "3";
        return string.Create(CultureInfo.InvariantCulture, $"/tmp/perf-{pid}{(runtimeWritesMap ? ".patchouly" : "")}.map");
    }

    /// <summary>Appends the entries of freshly linked functions (when enabled).</summary>
    internal static void Record(LinkResult linked, ReadOnlySpan<CompiledFunction> functions)
    {
        if (!Enabled || functions.Length == 0) return;
        bool stencils = IncludeStencils;
        ulong baseAddress = (ulong)linked.Memory.Address;
        string library = functions[0].Library.Name;
        var sb = new StringBuilder();
        foreach (var function in functions)
        {
            var map = function.Map;
            string name = library + "::" + map.Name;
            if (!stencils)
            {
                Line(sb, baseAddress + (ulong)map.EntryOffset, map.BodyOffset + map.BodyLength - map.EntryOffset, name);
                continue;
            }
            Line(sb, baseAddress + (ulong)map.EntryOffset, map.EntryLength, name + "::entry");
            for (int i = 0; i < map.Stencils.Length; i++)
            {
                int length = map.StencilLength(i);
                if (length > 0)
                    Line(sb, baseAddress + (ulong)(map.BodyOffset + map.Stencils[i].Offset), length, name + "::" + map.FamilyOf(map.Stencils[i]).Name);
            }
        }
        if (linked.TrampolineCount > 0)
            Line(sb, baseAddress + (ulong)linked.TrampolineOffset, linked.TrampolineCount * FunctionLinker.TrampolineSize, library + "::trampolines");
        try
        {
            lock (s_lock)
                File.AppendAllText(FilePath, sb.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: profiling aid only.
        }
    }

    private static void Line(StringBuilder sb, ulong start, int size, string name) =>
        sb.Append(start.ToString("x", CultureInfo.InvariantCulture)).Append(' ')
          .Append(size.ToString("x", CultureInfo.InvariantCulture)).Append(' ')
          .Append(name).Append('\n');
}
