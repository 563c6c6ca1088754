using System;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Patchouly.Build.Tasks.Compile;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace Patchouly.Build.Tasks.MSBuild;

/// <summary>
/// The MSBuild task that runs before <c>CoreCompile</c>: builds a Roslyn compilation from the compiler's inputs, finds
/// the stencil libraries, and (re)builds their tables with clang when their C changed.
/// </summary>
public sealed class CompileStencils : MSBuildTask, ICancelableTask
{
    private readonly System.Threading.CancellationTokenSource _cancel = new();

    /// <summary>The <c>@(Compile)</c> items.</summary>
    [Required] public ITaskItem[] Sources { get; set; } = [];

    /// <summary>The <c>@(ReferencePath)</c> items.</summary>
    public ITaskItem[] References { get; set; } = [];

    /// <summary>The <c>$(DefineConstants)</c>.</summary>
    public string? DefineConstants { get; set; }

    /// <summary>The <c>$(LangVersion)</c>.</summary>
    public string? LangVersion { get; set; }

    /// <summary>The assembly name, for messages.</summary>
    public string AssemblyName { get; set; } = "Stencils";

    /// <summary>Where the C, objects and tables go.</summary>
    [Required] public string OutputDirectory { get; set; } = "";

    /// <summary>The <c>PatchoulyClang</c> property: a clang executable to use instead of searching PATH.</summary>
    public string? Clang { get; set; }

    /// <summary>The <c>PatchoulyOptimization</c> property: O3 (default), O2 or Os.</summary>
    public string? Optimization { get; set; }

    /// <summary>The <c>PatchoulyParallelism</c> property: clang processes at once (default: processor count).</summary>
    public int Parallelism { get; set; }

    /// <summary>The <c>PatchoulyRegisters</c> property: register count of libraries whose attribute sets none.</summary>
    public string? Registers { get; set; }

    /// <summary>The <c>PatchoulyTargets</c> property: runtime identifiers to build tables for (empty: every supported target).</summary>
    public string? Targets { get; set; }

    /// <summary>The <c>PatchoulyKeepIntermediate</c> property: keep object files.</summary>
    public bool KeepIntermediate { get; set; }

    /// <summary>The <c>PatchoulyRequireNative</c> property: a missing clang is an error (PATCH2001) instead of a warning (PATCH2008).</summary>
    public bool RequireNative { get; set; }

    /// <summary>True when clang was missing and some library got no native tables (it runs on the managed engine).</summary>
    [Output] public bool NativeMissing { get; set; }

    /// <summary>The tables files written or found up to date.</summary>
    [Output] public ITaskItem[] TablesFiles { get; set; } = [];

    /// <inheritdoc />
    public void Cancel() => _cancel.Cancel();

    /// <inheritdoc />
    public override bool Execute()
    {
        var log = new MSBuildLog(this);
        string optimization = string.IsNullOrWhiteSpace(Optimization) ? "O3" : Optimization!.Trim().TrimStart('-');
        if (optimization is not ("O3" or "O2" or "Os"))
        {
            log.Error("PATCH2006", $"PatchoulyOptimization is '{Optimization}'; use O3, O2 or Os.");
            return false;
        }
        try
        {
            var sources = Sources.Select(s => s.GetMetadata("FullPath")).Where(p => p.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)).ToList();
            var references = References.Select(r => r.GetMetadata("FullPath")).ToList();
            string outputDirectory = Path.GetFullPath(OutputDirectory);
            // The fast path: when no source the libraries depend on changed, skip the Roslyn compilation (docs/msbuild.md).
            string fingerprint = DependencyRecord.Fingerprint(sources, references,
                string.Join("|", DefineConstants, LangVersion, AssemblyName, outputDirectory, Clang, optimization, Registers, Targets, KeepIntermediate, RequireNative));
            if (DependencyRecord.IsUpToDate(outputDirectory, fingerprint, out string reason))
            {
                log.Message($"Patchouly: nothing to do for {AssemblyName}: {reason}; the stencil tables stand.", important: true);
                return true;
            }
            log.Message($"Patchouly: reading {AssemblyName}'s sources: {reason}.");
            var compilation = CompilationFactory.Create(sources, references, DefineConstants, LangVersion, AssemblyName);
            int? registers = Generators.Parsing.KnownNames.ParseRegisters(Registers);
            if (!string.IsNullOrWhiteSpace(Registers) && registers is not (>= 1 and <= Generators.Parsing.KnownNames.MaxRegisters))
            {
                log.Error("PATCH2006", $"PatchoulyRegisters is '{Registers}'; use a number from 1 to {Generators.Parsing.KnownNames.MaxRegisters}.");
                return false;
            }
            var targets = Patchouly.Build.Tasks.Targets.BuildTargets.Parse(Targets, out string? targetsError);
            if (targets is null)
            {
                log.Error("PATCH2006", targetsError!);
                return false;
            }
            var options = new StencilBuildOptions(outputDirectory, Clang, optimization, Parallelism, KeepIntermediate, registers, targets, RequireNative);
            var dependencies = new StencilDependencies();
            if (File.Exists(Path.Combine(outputDirectory, DependencyRecord.FileName))) File.Delete(Path.Combine(outputDirectory, DependencyRecord.FileName));
            var results = StencilBuild.Run(compilation, options, log, _cancel.Token, dependencies);
            if (results is null) return false;
            NativeMissing = dependencies.NativeMissing;
            // Without clang nothing is recorded: the next build looks for clang again.
            if (!Log.HasLoggedErrors && !NativeMissing) DependencyRecord.Write(outputDirectory, fingerprint, sources, dependencies);
            TablesFiles = results.Select(r => (ITaskItem)new Microsoft.Build.Utilities.TaskItem(r.TablesFile)).ToArray();
            return !Log.HasLoggedErrors;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("PATCH2005", $"Patchouly could not read the project's sources or references: {e.Message}");
            return false;
        }
        catch (Exception e)
        {
            // A bug in Patchouly: one coded error with the stack trace rather than MSBuild's MSB4018 crash report.
            log.Error("PATCH2007", $"Patchouly's build task failed unexpectedly ({e.GetType().Name}: {e.Message}); no tables were written. " +
                $"This is a bug in Patchouly; please report it with this message.\n{e}");
            return false;
        }
    }

    private sealed class MSBuildLog(MSBuildTask task) : IBuildLog
    {
        public void Message(string text, bool important = false) =>
            task.Log.LogMessage(important ? MessageImportance.High : MessageImportance.Low, text);

        public void Error(string code, string message, string? file = null, int line = 0, int column = 0) =>
            task.Log.LogError("Patchouly", code, null, file ?? "", line, column, 0, 0, message);

        public void Warning(string code, string message) =>
            task.Log.LogWarning("Patchouly", code, null, "", 0, 0, 0, 0, message);
    }
}
