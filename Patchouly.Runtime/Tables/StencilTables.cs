using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace Patchouly.Runtime.Tables;

/// <summary>The compiled tables of a stencil library are missing, stale or corrupt.</summary>
public sealed class StencilTablesException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public StencilTablesException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public StencilTablesException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The library has no tables for the platform this process runs on (it was built for other targets: see
/// <see cref="AvailableTargets"/> and the <c>PatchoulyTargets</c> build property).
/// </summary>
public sealed class StencilTargetNotFoundException : PlatformNotSupportedException
{
    /// <summary>Creates the exception.</summary>
    public StencilTargetNotFoundException(string library, string runtimeIdentifier, IReadOnlyList<string> available)
        : base($"Stencil library {library} has no tables for this platform ({runtimeIdentifier}); it was built for " +
            (available.Count == 0 ? "no target" : string.Join(", ", available)) +
            $". Add {runtimeIdentifier} to the PatchoulyTargets build property (supported: {string.Join(", ", TableTarget.All.Select(t => t.RuntimeIdentifier))}) and rebuild.")
    {
        Library = library;
        RuntimeIdentifier = runtimeIdentifier;
        AvailableTargets = available;
    }

    /// <summary>The library's full C# name.</summary>
    public string Library { get; }

    /// <summary>The platform that was looked for.</summary>
    public string RuntimeIdentifier { get; }

    /// <summary>The runtime identifiers the library has tables for.</summary>
    public IReadOnlyList<string> AvailableTargets { get; }
}

/// <summary>Loads generated tables (called by generated code).</summary>
public static partial class StencilTables
{
    /// <summary>
    /// Creates a library from its generated tables after checking that they were compiled from the same stencils as
    /// the generated emit API.
    /// </summary>
    /// <param name="libraryName">The library's full C# name, for messages.</param>
    /// <param name="apiHash">The model hash the emit API was generated from.</param>
    /// <param name="tablesHash">The model hash the tables were compiled from.</param>
    /// <param name="create">Constructs the library (throws <see cref="StencilTablesException"/> when the tables are missing).</param>
    public static StencilLibrary Load(string libraryName, string apiHash, string tablesHash, Func<StencilLibrary> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (tablesHash.Length > 0 && !string.Equals(apiHash, tablesHash, StringComparison.Ordinal))
            throw new StencilTablesException(
                $"The stencil tables of {libraryName} are stale: they were compiled from stencils with hash {tablesHash}, but the code was compiled from stencils with hash {apiHash}. Rebuild the project with 'dotnet build'.");
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new StencilTablesException($"The stencil tables of {libraryName} are corrupt: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads a library's tables for this process's platform from the embedded resources of <paramref name="assembly"/>
    /// (written by the Patchouly build, one per target in <c>PatchoulyTargets</c>), after checking that they were
    /// compiled from the same stencils as the generated emit API.
    /// </summary>
    /// <param name="assembly">The assembly that declares the library.</param>
    /// <param name="libraryName">The library's full C# name, for messages.</param>
    /// <param name="libraryFileName">The library's file name (its resources are <c>Patchouly/&lt;file name&gt;/&lt;rid&gt;.ptab</c>).</param>
    /// <param name="apiHash">The model hash the emit API was generated from.</param>
    /// <exception cref="StencilTargetNotFoundException">There are no tables for this platform.</exception>
    /// <exception cref="StencilTablesException">The tables are stale or corrupt.</exception>
    public static StencilLibrary LoadEmbedded(Assembly assembly, string libraryName, string libraryFileName, string apiHash) =>
        LoadEmbedded(assembly, libraryName, libraryFileName, apiHash, TableTarget.ProcessRuntimeIdentifier);

    /// <summary>As <see cref="LoadEmbedded(Assembly, string, string, string)"/>, for the tables of <paramref name="runtimeIdentifier"/>
    /// (which may be another platform's: their code can be emitted and disassembled, but runs only on that platform).</summary>
    public static StencilLibrary LoadEmbedded(Assembly assembly, string libraryName, string libraryFileName, string apiHash, string runtimeIdentifier)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        string resource = TableBlob.ResourceName(libraryFileName, runtimeIdentifier);
        using var stream = assembly.GetManifestResourceStream(resource);
        if (stream is null)
        {
            string prefix = TableBlob.ResourcePrefix(libraryFileName);
            var available = assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".ptab", StringComparison.Ordinal))
                .Select(n => n.Substring(prefix.Length, n.Length - prefix.Length - ".ptab".Length))
                .OrderBy(n => n, StringComparer.Ordinal).ToList();
            throw new StencilTargetNotFoundException(libraryName, runtimeIdentifier, available);
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var contents = TableBlob.Read(bytes, $"The {runtimeIdentifier} stencil tables of {libraryName}");
        var library = Load(libraryName, apiHash, contents.ModelHash, contents.CreateLibrary);
        library.Embedded = new EmbeddedTables(assembly, libraryName, libraryFileName, apiHash, runtimeIdentifier);
        return library;
    }

    /// <summary>
    /// Loads the tables that the Patchouly build compiled for <paramref name="target"/> from the same stencils as
    /// <paramref name="library"/> (embedded in the same assembly), to run them in this process: for example the
    /// osx-arm64 tables in a linux-arm64 process, whose machine code is AArch64 too, to test them. Functions of the
    /// returned library are built with <see cref="FunctionBuilder"/> as usual, and the library's generated
    /// <c>Emitter</c> accepts their builders. Each call loads the tables anew (keep the instance); asking for the
    /// target <paramref name="library"/> was loaded for returns <paramref name="library"/> itself.
    /// </summary>
    /// <remarks>The target's tables must exist (the <c>PatchoulyTargets</c> build property lists the targets built),
    /// and its C calling convention must be the process's (AArch64's is the same on Linux and macOS). Code that calls
    /// the platform (a host function of the other operating system) must not run here; stencils that
    /// only compute, branch and call back into the process are portable between operating systems of one architecture.
    /// To only emit and disassemble another architecture's code, use
    /// <see cref="LoadEmbedded(Assembly, string, string, string, string)"/>.</remarks>
    /// <param name="library">A library loaded from embedded tables (a generated <c>Library</c> property).</param>
    /// <param name="target">The target whose tables to load.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="library"/> was not loaded from embedded tables (it was constructed directly).</exception>
    /// <exception cref="ArchitectureMismatchException">The target's instruction set is not the process's: its code cannot run here.</exception>
    /// <exception cref="PlatformNotSupportedException">The target's C calling convention is not the process's (win-x64
    /// tables in a Linux process, or the reverse).</exception>
    /// <exception cref="StencilTargetNotFoundException">The assembly has no tables of <paramref name="library"/> for <paramref name="target"/>.</exception>
    /// <exception cref="StencilTablesException">The tables are stale or corrupt.</exception>
    public static StencilLibrary LoadEmbedded(StencilLibrary library, TableTarget target)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(target);
        var source = library.Embedded
            ?? throw new ArgumentException($"Stencil library {library.Name} was not loaded from embedded tables, so there are no tables of it for other targets.", nameof(library));
        if (target.Architecture != Targets.ProcessTarget.Architecture)
            throw new ArchitectureMismatchException(source.LibraryName, target.Architecture, System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture);
        if (string.Equals(target.RuntimeIdentifier, source.RuntimeIdentifier, StringComparison.Ordinal)) return library;
        // The entry shim and host calls follow the target's C calling convention (see ProcessTarget).
        if (!Targets.ProcessTarget.SharesCallingConvention(target.RuntimeIdentifier))
            throw new PlatformNotSupportedException(
                $"The {target.RuntimeIdentifier} stencil tables of {source.LibraryName} follow another C calling convention than this process's ({TableTarget.ProcessRuntimeIdentifier}): their functions cannot be called here.");
        return LoadEmbedded(source.Assembly, source.LibraryName, source.LibraryFileName, source.ApiHash, target.RuntimeIdentifier);
    }
}
