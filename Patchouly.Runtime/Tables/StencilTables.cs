using System;

namespace Patchouly.Runtime.Tables;

/// <summary>The compiled tables of a stencil library are missing, stale or corrupt.</summary>
public sealed class StencilTablesException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public StencilTablesException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public StencilTablesException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Loads generated tables (called by generated code).</summary>
public static class StencilTables
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
}
