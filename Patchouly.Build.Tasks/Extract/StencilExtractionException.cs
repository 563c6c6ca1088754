using System;

namespace Patchouly.Build.Tasks.Extract;

/// <summary>Compiled stencil code that the runtime could not patch correctly (an unknown relocation, a reference to
/// data, an external call); the message names the stencil and the cause.</summary>
public sealed class StencilExtractionException(string stencil, string message) : Exception($"stencil {stencil}: {message}")
{
    /// <summary>The family (C# stencil name) at fault.</summary>
    public string Stencil { get; } = stencil;
}
