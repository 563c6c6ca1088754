using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Patchouly.Build.Tasks.MSBuild;
using Patchouly.Build.Tasks.Tests.Pipeline;

namespace Patchouly.Build.Tasks.Tests.BuildStage;

/// <summary>The build stage in-process: tables written once, clang skipped when nothing changed, and each failure a
/// single error with its PATCH20xx code.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class StencilBuildTests
{
    private const string Source = """
        using Patchouly;
        namespace B;
        [StencilLibrary(Registers = 2)]
        public static partial class Small
        {
            [Stencil] public static long AddConst(long a, [Hole] long c) => a + c;
            [Stencil(ReturnsToCaller = true)] public static long Ret(long a) => a;
        }
        """;

    private static string TempDir() => BuildStageSupport.TempDir();

    [Fact]
    public void Writes_tables_once_then_skips_clang()
    {
        string dir = TempDir();
        var compilation = TestStencils.CompileCSharp(Source);
        var log = new RecordingLog();
        var first = StencilBuild.Run(compilation, new StencilBuildOptions(dir), log);
        Assert.NotNull(first);
        var result = Assert.Single(first!);
        Assert.True(result.ClangRan);
        Assert.True(File.Exists(result.TablesFile));
        Assert.Equal(Patchouly.Build.Tasks.Targets.BuildTargets.All.Select(t => t.RuntimeIdentifier).Order(), result.TargetFiles.Keys.Order());
        foreach (var rid in Patchouly.Build.Tasks.Targets.BuildTargets.All.Select(t => t.RuntimeIdentifier))
        {
            Assert.True(File.Exists(Path.Combine(dir, "B.Small", rid, "Small.c")), "the C stays in obj/ for readers");
            Assert.True(File.Exists(result.TargetFiles[rid]), $"the {rid} tables blob is written");
            var blob = Patchouly.Runtime.Tables.TableBlob.Read(File.ReadAllBytes(result.TargetFiles[rid]), rid);
            Assert.Equal(Patchouly.Runtime.Tables.TableTarget.FromRuntimeIdentifier(rid)!.Triple, blob.Triple);
            string listing = File.ReadAllText(StencilBuild.ListingPath(dir, "B.Small", rid));
            Assert.Contains("AddConst: long AddConst(long a, [Hole] long c)", listing);
            Assert.Contains("hole c (", listing); // each relocation is named in the disassembly
        }
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetFiles(dir, "*.o", SearchOption.AllDirectories), f => Path.GetFileName(Path.GetDirectoryName(f)) != "cache");
        string tables = File.ReadAllText(result.TablesFile);
        Assert.Contains("partial class Small", tables);
        Assert.True(tables.Length < 20_000, "the tables source stays small: the code is in the blobs");
        // Hovering a family constant in the IDE shows its C# signature, its C prototype and its variants.
        Assert.Matches(@"/// <summary><c>long AddConst\(long a, \[Hole\] long c\)</c></summary>\s+/// <remarks>C: <c>[^<]*int64_t f\d+_AddConst\(int64_t v_a, int64_t v_c\)</c><br/>" + string.Concat(Patchouly.Build.Tasks.Targets.BuildTargets.All.Select(t => $@"\s+/// {t.RuntimeIdentifier}: \d+ variants \(slots \d+\.\.\d+\), \d+(-\d+)? bytes( each)?\.<br/>")) + @"\s+/// </remarks>\s+internal const int AddConst = \d+;", tables);

        var again = StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(dir), log);
        Assert.False(Assert.Single(again!).ClangRan);
        Assert.Contains(log.Messages, m => m.Contains("up to date"));

        var edited = StencilBuild.Run(TestStencils.CompileCSharp(Source.Replace("a + c", "a - c")), new StencilBuildOptions(dir), log);
        Assert.True(Assert.Single(edited!).ClangRan);

        var optimised = StencilBuild.Run(TestStencils.CompileCSharp(Source.Replace("a + c", "a - c")), new StencilBuildOptions(dir, Optimization: "Os"), log);
        Assert.True(Assert.Single(optimised!).ClangRan, "changing the flags changes the build hash");
        Assert.Empty(log.Errors);
    }

    [Fact]
    public void Editing_one_stencil_recompiles_only_its_family()
    {
        string dir = TempDir();
        var log = new RecordingLog();
        Assert.True(Assert.Single(StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(dir, Parallelism: 2), log)!).ClangRan);
        // 5 families: the entry, move and jump built-ins, AddConst and Ret.
        foreach (var rid in new[] { "linux-x64", "linux-arm64" })
            Assert.Contains(log.Messages, m => m.StartsWith($"Patchouly: compiled Small for {rid}:") && m.Contains("; compiled 5 of 5 families ("));

        log.Messages.Clear();
        var edited = Source.Replace("a + c", "a - c");
        Assert.True(Assert.Single(StencilBuild.Run(TestStencils.CompileCSharp(edited), new StencilBuildOptions(dir, Parallelism: 2), log)!).ClangRan);
        foreach (var rid in new[] { "linux-x64", "linux-arm64" })
            Assert.Contains(log.Messages, m => m.StartsWith($"Patchouly: compiled Small for {rid}:") && m.Contains("; compiled 1 of 5 families (18 variants, 4 reused);"));

        // The cache keeps what the current families use, and no more: the old AddConst object is gone.
        string cache = Path.Combine(dir, "B.Small", "linux-x64", "cache");
        Assert.Equal(5, Directory.GetFiles(cache, "*.families").SelectMany(File.ReadAllLines).Count(l => l.Length > 0));
        Assert.Equal(Directory.GetFiles(cache, "*.families").Length, Directory.GetFiles(cache, "*.o").Length);
        log.Messages.Clear();
        Assert.True(Assert.Single(StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(dir, Parallelism: 2), log)!).ClangRan);
        Assert.Contains(log.Messages, m => m.Contains("; compiled 1 of 5 families (18 variants, 4 reused);"));

        // Another clang version (or flags, or target) is another key: everything recompiles.
        log.Messages.Clear();
        Assert.True(Assert.Single(StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(dir, Optimization: "Os", Parallelism: 2), log)!).ClangRan);
        Assert.Contains(log.Messages, m => m.Contains("; compiled 5 of 5 families ("));
        Assert.Empty(log.Errors);
    }

    [Fact]
    public void Removes_tables_of_libraries_that_no_longer_exist()
    {
        string dir = TempDir();
        File.WriteAllText(Path.Combine(dir, "Gone.Library.PatchoulyTables.cs"), "// stale");
        var log = new RecordingLog();
        StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(dir), log);
        Assert.False(File.Exists(Path.Combine(dir, "Gone.Library.PatchoulyTables.cs")));
    }

    [Fact]
    public void Missing_clang_is_PATCH2001()
    {
        var log = new RecordingLog();
        var result = StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(TempDir(), ClangPath: "/nonexistent/clang-19"), log);
        Assert.Null(result);
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2001", error.Code);
        Assert.Contains("/nonexistent/clang-19", error.Message);
        Assert.Contains("apt-get install clang-19", error.Message);
    }

    [Fact]
    public void Old_clang_is_PATCH2001_with_its_version()
    {
        var log = new RecordingLog();
        var result = StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(TempDir(), ClangPath: BuildStageSupport.FakeClang("exit 1", version: "18.1.8")), log);
        Assert.Null(result);
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2001", error.Code);
        Assert.Contains("18.1.8", error.Message);
    }

    [Fact]
    public void Clang_errors_are_PATCH2002_naming_the_stencil_and_its_line()
    {
        // The fake clang reports an error on the first line of the AddConst family in whatever unit it is given.
        string script = """
            for a in "$@"; do case "$a" in *.c) f="$a";; esac; done
            line=$(grep -n '^/\* ---- AddConst' "$f" | cut -d: -f1)
            echo "$f:$line:1: error: simulated failure" >&2
            exit 1
            """;
        var log = new RecordingLog();
        var result = StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(TempDir(), ClangPath: BuildStageSupport.FakeClang(script), Parallelism: 1), log);
        Assert.Null(result);
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2002", error.Code);
        Assert.Contains("stencil AddConst", error.Message);
        Assert.Contains("simulated failure", error.Message);
        Assert.Equal("Stencils.cs", Path.GetFileName(error.File));
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void Crashing_clang_leaves_no_tables()
    {
        string dir = TempDir();
        var log = new RecordingLog();
        var result = StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(dir, ClangPath: BuildStageSupport.FakeClang("kill -SEGV $$")), log);
        Assert.Null(result);
        Assert.Equal("PATCH2002", Assert.Single(log.Errors).Code);
        Assert.Empty(Directory.GetFiles(dir, "*.PatchoulyTables.cs"));
    }

    [Fact]
    public void Unwritable_output_is_PATCH2005()
    {
        string file = Path.Combine(TempDir(), "not-a-directory");
        File.WriteAllText(file, "");
        var log = new RecordingLog();
        var result = StencilBuild.Run(TestStencils.CompileCSharp(Source), new StencilBuildOptions(Path.Combine(file, "patchouly")), log);
        Assert.Null(result);
        Assert.Equal("PATCH2005", Assert.Single(log.Errors).Code);
    }

    [Fact]
    public void Libraries_with_stencil_errors_are_left_to_the_compiler()
    {
        var log = new RecordingLog();
        var result = StencilBuild.Run(TestStencils.CompileCSharp(Source.Replace("a + c", "a + \"x\".Length")), new StencilBuildOptions(TempDir()), log);
        Assert.NotNull(result);
        Assert.Empty(result!);
        Assert.Empty(log.Errors);
        Assert.Contains(log.Messages, m => m.Contains("reported by the compiler"));
    }
}
