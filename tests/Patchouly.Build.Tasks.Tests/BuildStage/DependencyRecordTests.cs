using System;
using System.IO;
using System.Linq;
using Patchouly.Build.Tasks.MSBuild;

namespace Patchouly.Build.Tasks.Tests.BuildStage;

/// <summary>The task's fast path: "nothing to do" exactly when no source a stencil library depends on changed.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class DependencyRecordTests
{
    private const string Library = """
        using Patchouly;
        namespace D;
        [StencilLibrary(Registers = 2)]
        public static partial class Lib
        {
            [Stencil] public static long Add(long a, [Hole] long c) => a * Helpers.Factor + c;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
        }
        """;

    private const string Helpers = """
        namespace D;
        public static class Helpers { public const long Factor = 2; }
        """;

    private const string Program = """
        namespace D;
        public static class Program { public static int Main() => 0; }
        """;

    private static readonly string[] References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Append(typeof(Patchouly.StencilAttribute).Assembly.Location).Distinct().ToArray();

    [Fact]
    public void Only_changes_to_what_the_libraries_use_need_a_full_pass()
    {
        string src = BuildStageSupport.TempDir(), output = BuildStageSupport.TempDir();
        string lib = Path.Combine(src, "Lib.cs"), helpers = Path.Combine(src, "Helpers.cs"), program = Path.Combine(src, "Program.cs");
        File.WriteAllText(lib, Library);
        File.WriteAllText(helpers, Helpers);
        File.WriteAllText(program, Program);
        string[] sources = [lib, helpers, program];
        string fingerprint = DependencyRecord.Fingerprint(sources, References, "settings");

        Assert.False(DependencyRecord.IsUpToDate(output, fingerprint, out string reason));
        Assert.Equal("no record of the previous build", reason);

        var dependencies = new StencilDependencies();
        var compilation = CompilationFactory.Create(sources, References, null, null, "D");
        var log = new RecordingLog();
        Assert.NotNull(StencilBuild.Run(compilation, new StencilBuildOptions(output), log, default, dependencies));
        Assert.Empty(log.Errors);
        // The tables source and a blob per default target.
        Assert.True(dependencies.Outputs.Count == 1 + Patchouly.Build.Tasks.Targets.BuildTargets.All.Count, string.Join("\n", log.Messages));
        Assert.Equal(new[] { helpers, lib }, dependencies.Files.OrderBy(f => f, StringComparer.Ordinal));
        DependencyRecord.Write(output, fingerprint, sources, dependencies);

        Assert.True(DependencyRecord.IsUpToDate(output, fingerprint, out reason), reason);
        Assert.Equal("no source changed", reason);

        // A file the libraries do not use: nothing to do.
        Edit(program, Program + "// an edit\n");
        Assert.True(DependencyRecord.IsUpToDate(output, fingerprint, out reason), reason);
        Assert.Contains("1 source file(s) changed, none that a stencil library depends on", reason);

        // The same file declaring a type the stencils use (it could change what a name binds to): a full pass.
        Edit(program, Program + "namespace D.Inner { public static class Helpers { } }\n");
        Assert.False(DependencyRecord.IsUpToDate(output, fingerprint, out reason));
        Assert.Contains("declares Helpers", reason);
        Edit(program, Program);

        // A constant the stencils use, even though it is outside the library class: a full pass.
        Edit(helpers, Helpers.Replace("Factor = 2", "Factor = 3"));
        Assert.False(DependencyRecord.IsUpToDate(output, fingerprint, out reason));
        Assert.Contains("Helpers.cs, which a stencil library depends on, changed", reason);
        Edit(helpers, Helpers);
        Assert.True(DependencyRecord.IsUpToDate(output, fingerprint, out reason), reason); // touched back to the same content

        // Another source list, reference or property: another fingerprint.
        Assert.False(DependencyRecord.IsUpToDate(output, DependencyRecord.Fingerprint(sources, References, "other settings"), out reason));
        Assert.False(DependencyRecord.IsUpToDate(output, DependencyRecord.Fingerprint([lib, helpers], References, "settings"), out reason));

        // Missing tables: a full pass.
        File.Delete(dependencies.Outputs[0]);
        Assert.False(DependencyRecord.IsUpToDate(output, fingerprint, out reason));
        Assert.Contains("is missing", reason);
    }

    private static void Edit(string path, string text)
    {
        var before = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, before.AddSeconds(1) > DateTime.UtcNow ? before.AddSeconds(1) : DateTime.UtcNow);
    }
}
