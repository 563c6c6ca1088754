using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Patchouly.Build.Tasks.Tables;
using Patchouly.Build.Tasks.MSBuild;
using Patchouly.Build.Tasks.Tests.Pipeline;

namespace Patchouly.Build.Tasks.Tests.BuildStage;

/// <summary>
/// How the build stage fails, and what it leaves behind: each failure is one error with its PATCH20xx code, and no
/// failed, killed or damaged write leaves a tables file that a later build would trust.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class FailureTests
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

    private static readonly string s_edited = Source.Replace("a + c", "a - c");

    private static string TempDir() => BuildStageSupport.TempDir("patchouly-fail-");

    private static string TablesPath(string dir) => Path.Combine(dir, "F.Small.PatchoulyTables.cs");

    private static IReadOnlyList<LibraryBuildResult>? Build(string dir, RecordingLog log, string source = Source, string? clang = null) =>
        StencilBuild.Run(TestStencils.CompileCSharp(source), new StencilBuildOptions(dir, ClangPath: clang, Parallelism: 1), log);

    /// <summary>Builds once with the real clang and returns the directory and the tables' text.</summary>
    private static (string Dir, string Tables) BuiltOnce(string source = Source)
    {
        string dir = TempDir();
        var log = new RecordingLog();
        Assert.True(Assert.Single(Build(dir, log, source)!).ClangRan);
        Assert.Empty(log.Errors);
        return (dir, File.ReadAllText(TablesPath(dir)));
    }

    [Fact]
    public void Tables_carry_a_hash_of_their_content()
    {
        var (dir, tables) = BuiltOnce();
        string first = tables.Split('\n')[0];
        Assert.StartsWith(TablesFile.HeaderPrefix, first);
        Assert.Contains(TablesFile.ContentMarker, first);
        var (state, buildHash) = TablesFile.Inspect(TablesPath(dir));
        Assert.Equal(TablesFileState.Intact, state);
        Assert.Equal(first.Substring(TablesFile.HeaderPrefix.Length, first.IndexOf(TablesFile.ContentMarker, StringComparison.Ordinal) - TablesFile.HeaderPrefix.Length), buildHash);
        Assert.Empty(Directory.GetFiles(dir, "*" + TablesFile.TemporarySuffix));
    }

    /// <summary>Damage a killed or failed non-atomic write (or a person, or another tool) could leave: the first line
    /// still names the right build hash, so only the content hash can tell.</summary>
    public static TheoryData<string> Damages() => ["truncated at half", "truncated after the first line", "one byte changed", "junk appended", "old header without content hash", "empty", "first line only, no newline"];

    private static string Damage(string tables, string how)
    {
        int newline = tables.IndexOf('\n');
        return how switch
        {
            "truncated at half" => tables.Substring(0, tables.Length / 2),
            "truncated after the first line" => tables.Substring(0, newline + 1),
            "one byte changed" => tables.Substring(0, tables.Length - 10) + (tables[^10] == '0' ? '1' : '0') + tables.Substring(tables.Length - 9),
            "junk appended" => tables + "// junk\n",
            "old header without content hash" => tables.Substring(0, tables.IndexOf(TablesFile.ContentMarker, StringComparison.Ordinal)) + tables.Substring(newline),
            "empty" => "",
            "first line only, no newline" => tables.Substring(0, newline),
            _ => throw new ArgumentException(how),
        };
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Damaged_tables_with_the_right_build_hash_are_rebuilt(string how)
    {
        var (dir, tables) = BuiltOnce();
        string damaged = Damage(tables, how);
        Assert.NotEqual(tables, damaged);
        File.WriteAllText(TablesPath(dir), damaged);
        Assert.Equal(TablesFileState.Damaged, TablesFile.Inspect(TablesPath(dir)).State);

        var log = new RecordingLog();
        Assert.True(Assert.Single(Build(dir, log)!).ClangRan, "damaged tables must not be trusted");
        Assert.Empty(log.Errors);
        Assert.Contains(log.Messages, m => m.Contains("does not match the hash in its first line"));
        Assert.Equal(tables, File.ReadAllText(TablesPath(dir)));
        Assert.Equal(TablesFileState.Intact, TablesFile.Inspect(TablesPath(dir)).State);
    }

    [Fact]
    public void Intact_tables_from_other_C_are_rebuilt()
    {
        var (dir, tablesA) = BuiltOnce();
        var log = new RecordingLog();
        Assert.True(Assert.Single(Build(dir, log, s_edited)!).ClangRan);
        string tablesB = File.ReadAllText(TablesPath(dir));
        Assert.NotEqual(tablesA, tablesB);

        // Put back the (complete, intact) tables of the old C: a stale file, as a restored backup or a reverted obj/ would be.
        File.WriteAllText(TablesPath(dir), tablesA);
        Assert.Equal(TablesFileState.Intact, TablesFile.Inspect(TablesPath(dir)).State);
        Assert.True(Assert.Single(Build(dir, log, s_edited)!).ClangRan, "tables of other C must be rebuilt");
        Assert.Equal(tablesB, File.ReadAllText(TablesPath(dir)));
        Assert.Empty(log.Errors);
        Assert.False(Assert.Single(Build(dir, log, s_edited)!).ClangRan, "and then they are up to date");
    }

    [Fact]
    public void A_full_disk_is_PATCH2005_and_keeps_the_old_tables()
    {
        var (dir, tables) = BuiltOnce();
        // Every write to /dev/full fails with ENOSPC: the temporary file the tables are written to is on a full disk.
        string temporary = TablesPath(dir) + TablesFile.TemporarySuffix;
        File.CreateSymbolicLink(temporary, "/dev/full");

        var log = new RecordingLog();
        Assert.Null(Build(dir, log, s_edited));
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2005", error.Code);
        Assert.Contains("No space left on device", error.Message);
        Assert.Equal(tables, File.ReadAllText(TablesPath(dir)));
        Assert.False(File.Exists(temporary) || new FileInfo(temporary).LinkTarget is not null, "the temporary file is removed");

        // The old tables are intact but of other C: the next build (with space) rebuilds them.
        log = new RecordingLog();
        Assert.True(Assert.Single(Build(dir, log, s_edited)!).ClangRan);
        Assert.Empty(log.Errors);
    }

    [Fact]
    public void A_full_disk_on_the_first_build_leaves_no_tables()
    {
        string dir = TempDir();
        File.CreateSymbolicLink(TablesPath(dir) + TablesFile.TemporarySuffix, "/dev/full");
        var log = new RecordingLog();
        Assert.Null(Build(dir, log));
        Assert.Equal("PATCH2005", Assert.Single(log.Errors).Code);
        Assert.False(File.Exists(TablesPath(dir)));
        Assert.Empty(Directory.GetFiles(dir, "*.PatchoulyTables.cs*"));
    }

    [Fact]
    public void A_directory_where_the_tables_go_is_PATCH2005()
    {
        string dir = TempDir();
        Directory.CreateDirectory(TablesPath(dir));
        var log = new RecordingLog();
        Assert.Null(Build(dir, log));
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2005", error.Code);
        Assert.Contains("F.Small.PatchoulyTables.cs", error.Message + string.Join(" ", log.Messages));
    }

    [Theory]
    [InlineData("SEGV", 11)]
    [InlineData("KILL", 9)]
    [InlineData("ABRT", 6)]
    public void Clang_killed_by_a_signal_is_PATCH2002_and_keeps_the_old_tables(string signal, int number)
    {
        var (dir, tables) = BuiltOnce();
        var log = new RecordingLog();
        // Half an object, then death: what a crashing or OOM-killed clang leaves.
        string clang = BuildStageSupport.FakeClang($"""
            for a in "$@"; do case "$prev" in -o) o="$a";; esac; prev="$a"; done
            printf '\177ELF\002\001\001' > "$o"
            kill -{signal} $$
            """);
        Assert.Null(Build(dir, log, s_edited, clang));
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2002", error.Code);
        Assert.Contains($"clang crashed (killed by signal {number} (SIG{signal}))", error.Message);
        Assert.Contains("no tables were written", error.Message);
        Assert.Equal(tables, File.ReadAllText(TablesPath(dir)));

        log = new RecordingLog();
        Assert.True(Assert.Single(Build(dir, log, s_edited)!).ClangRan, "the old tables are of other C: rebuilt");
        Assert.Empty(log.Errors);
    }

    [Fact]
    public void Clang_that_writes_garbage_and_succeeds_is_PATCH2003()
    {
        string dir = TempDir();
        var log = new RecordingLog();
        string clang = BuildStageSupport.FakeClang("""
            for a in "$@"; do case "$prev" in -o) o="$a";; esac; prev="$a"; done
            printf 'this is not an object file' > "$o"
            exit 0
            """);
        Assert.Null(Build(dir, log, clang: clang));
        Assert.Equal("PATCH2003", Assert.Single(log.Errors).Code);
        Assert.False(File.Exists(TablesPath(dir)));
    }

    /// <summary>A clang that runs the real one with its arguments rewritten for the aarch64 target only.</summary>
    private static string Aarch64RewritingClang(string rewrite)
    {
        string real = Patchouly.Build.Tasks.Compile.ClangLocator.Locate().Path;
        return BuildStageSupport.FakeClang($$"""
            case "$*" in
              *--target=aarch64*)
                n=$#; i=0
                while [ $i -lt $n ]; do a="$1"; shift; i=$((i+1)); {{rewrite}}; done ;;
            esac
            exec '{{real}}' "$@"
            """);
    }

    [Fact]
    public void An_object_file_for_the_wrong_machine_is_PATCH2004_naming_both_machines()
    {
        // The linux-arm64 units come back as (valid) x86-64 objects.
        string real = Patchouly.Build.Tasks.Compile.ClangLocator.Locate().Path;
        string clang = BuildStageSupport.FakeClang($$"""
            case "$*" in
              *--target=aarch64*)
                for a in "$@"; do case "$prev" in -o) o="$a";; esac; prev="$a"; done
                printf 'long f(long a) { return a + 1; }\n' | '{{real}}' --target=x86_64-unknown-linux-gnu -O2 -c -x c - -o "$o"; exit $? ;;
            esac
            exec '{{real}}' "$@"
            """);
        string dir = TempDir();
        var log = new RecordingLog();
        Assert.Null(Build(dir, log, clang: clang));
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2004", error.Code);
        Assert.Contains("cannot be patched on linux-arm64", error.Message);
        Assert.Contains("is for machine", error.Message);
        Assert.Contains("x86", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("AArch64", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(TablesPath(dir)));
    }

    [Fact]
    public void An_aarch64_relocation_the_extractor_does_not_know_is_PATCH2004_at_the_stencil()
    {
        // Position-independent small-model code: holes are loaded through the GOT (ADR_GOT_PAGE + LD64_GOT_LO12_NC).
        string clang = Aarch64RewritingClang("""case "$a" in -fno-pic) a=-fpic;; -mcmodel=large) a=-mcmodel=small;; esac; set -- "$@" "$a" """);
        string dir = TempDir();
        var log = new RecordingLog();
        Assert.Null(Build(dir, log, clang: clang));
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2004", error.Code);
        Assert.Contains("cannot be patched on linux-arm64", error.Message);
        Assert.Contains("is not supported", error.Message);
        Assert.Contains("GOT", error.Message);
        Assert.True(error.File is not null && error.Line > 0, $"the error should point at a stencil: {error.File}:{error.Line}");
        Assert.False(File.Exists(TablesPath(dir)));
    }

    [Fact]
    public void Clang_that_crashes_printing_its_version_is_PATCH2001()
    {
        string path = Path.Combine(TempDir(), "crashing-clang");
        File.WriteAllText(path, "#!/bin/sh\nkill -SEGV $$\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = new RecordingLog();
        Assert.Null(Build(TempDir(), log, clang: path));
        var error = Assert.Single(log.Errors);
        Assert.Equal("PATCH2001", error.Code);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Clang_that_is_not_executable_is_PATCH2001()
    {
        string path = Path.Combine(TempDir(), "clang-19");
        File.WriteAllText(path, "not a program");
        var log = new RecordingLog();
        Assert.Null(Build(TempDir(), log, clang: path));
        Assert.Equal("PATCH2001", Assert.Single(log.Errors).Code);
    }

    [Fact]
    public void A_leftover_temporary_file_is_never_read_and_is_replaced()
    {
        var (dir, tables) = BuiltOnce();
        string temporary = TablesPath(dir) + TablesFile.TemporarySuffix;
        File.WriteAllText(temporary, tables.Substring(0, tables.Length / 3)); // a build killed mid-write
        var log = new RecordingLog();
        Assert.False(Assert.Single(Build(dir, log)!).ClangRan, "the tables file itself is intact");
        Assert.True(Assert.Single(Build(dir, log, s_edited)!).ClangRan);
        Assert.False(File.Exists(temporary));
        Assert.Equal(TablesFileState.Intact, TablesFile.Inspect(TablesPath(dir)).State);
        Assert.Empty(log.Errors);
    }

    [Fact]
    public void A_library_named_with_a_keyword_keeps_its_tables()
    {
        string source = "using Patchouly; namespace @namespace.K; [StencilLibrary(Registers = 1)] public static partial class @class { [Stencil] public static long A(long a) => a; }";
        string dir = TempDir();
        var log = new RecordingLog();
        var first = Assert.Single(Build(dir, log, source)!);
        Assert.True(first.ClangRan);
        Assert.Equal("namespace.K.class.PatchoulyTables.cs", Path.GetFileName(first.TablesFile));
        string tables = File.ReadAllText(first.TablesFile);
        Assert.Contains("namespace @namespace.K;", tables);
        Assert.Contains("partial class @class", tables);
        Assert.False(Assert.Single(Build(dir, log, source)!).ClangRan, "the tables were not removed as stale");
        Assert.Empty(log.Errors);
    }

    // ---- the MSBuild task ----

    private sealed class RecordingEngine : IBuildEngine
    {
        public List<BuildErrorEventArgs> Errors { get; } = [];
        public bool ContinueOnError => false;
        public int LineNumberOfTaskNode => 0;
        public int ColumnNumberOfTaskNode => 0;
        public string ProjectFileOfTaskNode => "test.csproj";
        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;
        public void LogCustomEvent(CustomBuildEventArgs e) { }
        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
        public void LogMessageEvent(BuildMessageEventArgs e) { }
        public void LogWarningEvent(BuildWarningEventArgs e) { }
    }

    /// <summary>An item whose metadata cannot be read: stands for anything unexpected inside the task.</summary>
    private sealed class BrokenItem : ITaskItem
    {
        public string ItemSpec { get => "Broken.cs"; set { } }
        public ICollection MetadataNames => Array.Empty<string>();
        public int MetadataCount => 0;
        public IDictionary CloneCustomMetadata() => new Hashtable();
        public void CopyMetadataTo(ITaskItem destinationItem) { }
        public string GetMetadata(string metadataName) => throw new InvalidOperationException("simulated failure reading " + metadataName);
        public void RemoveMetadata(string metadataName) { }
        public void SetMetadata(string metadataName, string metadataValue) { }
    }

    [Fact]
    public void An_unexpected_exception_in_the_task_is_PATCH2007_not_a_crash()
    {
        var engine = new RecordingEngine();
        var task = new CompileStencils { BuildEngine = engine, Sources = [new BrokenItem()], OutputDirectory = TempDir() };
        Assert.False(task.Execute());
        var error = Assert.Single(engine.Errors);
        Assert.Equal("PATCH2007", error.Code);
        Assert.Contains("simulated failure", error.Message);
    }

    [Fact]
    public void The_task_reports_a_missing_clang_as_one_PATCH2001()
    {
        string dir = TempDir();
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
            RequireNative = true, // without it a missing clang is warning PATCH2008 (ManagedFallbackBuildTests)
        };
        Assert.False(task.Execute());
        var error = Assert.Single(engine.Errors);
        Assert.Equal("PATCH2001", error.Code);
        Assert.False(File.Exists(Path.Combine(dir, "obj", "F.Small.PatchoulyTables.cs")));
    }
}

/// <summary>The tables file format on its own: what the build writes, the compiler reads back unchanged.</summary>
public class TablesFileFormatTests
{
    [Fact]
    public void A_written_file_read_the_way_the_compiler_reads_additional_files_still_verifies()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("patchouly-format-").FullName, "N.L.PatchoulyTables.cs");
        // Non-ASCII text (stencil and parameter names may be any letters) and both kinds of line ending.
        string body = "// Ajouté(long é): 变量\r\nnamespace N;\npartial class L { }\n";
        TablesFile.WriteAtomically(path, TablesFile.Seal("abc", body));
        using var stream = File.OpenRead(path);
        var text = Microsoft.CodeAnalysis.Text.SourceText.From(stream, encoding: null, throwIfBinaryDetected: true);
        Assert.Equal("abc", Generators.EmitApi.TablesHeader.Verify(text.ToString()));
        Assert.Equal((TablesFileState.Intact, "abc"), TablesFile.Inspect(path));
        Assert.Null(Generators.EmitApi.TablesHeader.Verify(text.ToString().Replace("变量", "变")));
    }
}

/// <summary>A build cancelled (Ctrl+C) while clang runs.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CancellationTests
{
    private sealed class NullLog : IBuildLog
    {
        public int Errors;
        public void Message(string text, bool important = false) { }
        public void Error(string code, string message, string? file = null, int line = 0, int column = 0) => Errors++;
    }

    [Fact]
    public void Cancelling_kills_clang_at_once_and_writes_no_tables()
    {
        string dir = Directory.CreateTempSubdirectory("patchouly-cancel-").FullName;
        string pidFile = Path.Combine(dir, "clang.pid");
        string clang = Path.Combine(dir, "slow-clang");
        // Records its pid, then takes a minute "compiling".
        File.WriteAllText(clang, $"#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo \"clang version 19.1.7 (fake)\"; exit 0; fi\necho $$ > {pidFile}\nexec sleep 60\n");
        File.SetUnixFileMode(clang, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var cancel = new System.Threading.CancellationTokenSource();
        var log = new NullLog();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var build = System.Threading.Tasks.Task.Run(() => StencilBuild.Run(TestStencils.CompileCSharp("""
            using Patchouly;
            namespace C;
            [StencilLibrary(Registers = 1)]
            public static partial class Slow { [Stencil] public static long A(long a) => a; }
            """), new StencilBuildOptions(dir, ClangPath: clang, Parallelism: 1), log, cancel.Token));
        for (int i = 0; i < 300 && !File.Exists(pidFile); i++) System.Threading.Thread.Sleep(50);
        Assert.True(File.Exists(pidFile), "clang was started");
        cancel.Cancel();
        var thrown = Assert.ThrowsAny<OperationCanceledException>(() => build.GetAwaiter().GetResult());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"cancellation took {clock.Elapsed}");
        int pid = int.Parse(File.ReadAllText(pidFile).Trim());
        System.Threading.Thread.Sleep(200);
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "), "clang is still running");
        Assert.Equal(0, log.Errors);
        Assert.False(File.Exists(Path.Combine(dir, "C.Slow.PatchoulyTables.cs")));
    }
}
