using System;
using Patchouly.Runtime.Managed;

namespace Patchouly.Runtime.Tables;

// Loading a generated library together with its managed stencils, falling back to the managed engine when there is no
// native code for this platform.
public static partial class StencilTables
{
    /// <summary>
    /// As <see cref="Load(string, string, string, Func{StencilLibrary})"/>, and attaches the library's stencils as managed
    /// code (<paramref name="managed"/>). When the library has no tables for this process's platform
    /// (<see cref="StencilTargetNotFoundException"/>), returns a library without native code, whose functions run on the
    /// managed engine (see <see cref="StencilLibrary.NativeUnavailableReason"/>). Called by generated code.
    /// </summary>
    /// <exception cref="StencilTablesException">The tables are stale or corrupt.</exception>
    public static StencilLibrary Load(string libraryName, string apiHash, string tablesHash, Func<StencilLibrary> create, ManagedStencils managed)
    {
        ArgumentNullException.ThrowIfNull(managed);
        StencilLibrary library;
        try
        {
            library = Load(libraryName, apiHash, tablesHash, create);
        }
        catch (StencilTargetNotFoundException e)
        {
            return new StencilLibrary(managed, e.Message);
        }
        if (library.HasNativeCode) library.AttachManaged(managed);
        return library;
    }
}
