using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Patchouly.Build.Tasks.MSBuild;
using Patchouly.Build.Tasks.Tests.Pipeline;

namespace Patchouly.Build.Tasks.Tests.BuildStage;

/// <summary>
/// A missing clang without <c>PatchoulyRequireNative</c>: warning PATCH2008 per library, its old tables removed (the
/// generator then gives a library that runs on the managed engine), the task's <c>NativeMissing</c> output set and no
/// dependency record written (so the next build looks for clang again).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ManagedFallbackBuildTests
{
    private const string Source = """
        using Patchouly;
        namespace F;
        [StencilLibrary(Registers = 2)]
        public static partial class Small
        {
            [Stencil] public static long AddConst(long a, [Hole] long c) => a + c;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
        }
        """;

    [Fact]
    public void A_missing_clang_is_a_warning_and_removes_the_old_tables()
    {
        string dir = BuildStageSupport.TempDir();
        var log = new RecordingLog();
        // Tables from an earlier build with clang.
        var built = Assert.Single(StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(dir), log)!);
        Assert.True(File.Exists(built.TablesFile));

        var results = StencilBuild.Run(TestStencils.CompileCSharp(Source),
            new StencilBuildOptions(dir, ClangPath: "/nonexistent/clang-19", RequireNative: false), log);
        Assert.NotNull(results);
        Assert.Empty(results!);
        Assert.Empty(log.Errors);
        var warning = Assert.Single(log.Messages, m => m.StartsWith("warning PATCH2008", StringComparison.Ordinal));
        Assert.Contains("/nonexistent/clang-19", warning);
        Assert.Contains("F.Small", warning);
        Assert.Contains("PatchoulyRequireNative", warning);
        Assert.False(File.Exists(built.TablesFile));
        Assert.Empty(Directory.GetFiles(dir, "*.ptab", SearchOption.AllDirectories));
    }

    [Fact]
    public void Requiring_native_code_keeps_the_error()
    {
        var log = new RecordingLog();
        var results = StencilBuild.Run(TestStencils.CompileCSharp(Source),
            new StencilBuildOptions(BuildStageSupport.TempDir(), ClangPath: "/nonexistent/clang-19", RequireNative: true), log);
        Assert.Null(results);
        Assert.Equal("PATCH2001", Assert.Single(log.Errors).Code);
    }

    private sealed class RecordingEngine : IBuildEngine
    {
        public List<BuildErrorEventArgs> Errors { get; } = [];
        public List<BuildWarningEventArgs> Warnings { get; } = [];
        public bool ContinueOnError => false;
        public int LineNumberOfTaskNode => 0;
        public int ColumnNumberOfTaskNode => 0;
        public string ProjectFileOfTaskNode => "test.csproj";
        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;
        public void LogCustomEvent(CustomBuildEventArgs e) { }
        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
        public void LogMessageEvent(BuildMessageEventArgs e) { }
        public void LogWarningEvent(BuildWarningEventArgs e) => Warnings.Add(e);
    }

    [Fact]
    public void The_task_warns_once_per_library_and_reports_that_native_code_is_missing()
    {
        string dir = BuildStageSupport.TempDir();
        string file = Path.Combine(dir, "Stencils.cs");
        File.WriteAllText(file, Source);
        var engine = new RecordingEngine();
        var task = new CompileStencils
        {
            BuildEngine = engine,
            Sources = [new Microsoft.Build.Utilities.TaskItem(file)],
            References = TestStencils.References.Value.OfType<Microsoft.CodeAnalysis.PortableExecutableReference>()
                .Select(r => (ITaskItem)new Microsoft.Build.Utilities.TaskItem(r.FilePath!)).ToArray(),
            OutputDirectory = Path.Combine(dir, "obj"),
            Clang = "/nonexistent/clang-19",
        };
        Assert.True(task.Execute());
        Assert.Empty(engine.Errors);
        var warning = Assert.Single(engine.Warnings);
        Assert.Equal("PATCH2008", warning.Code);
        Assert.True(task.NativeMissing);
        Assert.Empty(task.TablesFiles);
        Assert.False(File.Exists(Path.Combine(dir, "obj", DependencyRecord.FileName)), "no record: the next build looks for clang again");
    }
}
