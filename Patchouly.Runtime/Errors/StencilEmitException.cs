using System;

namespace Patchouly.Runtime;

/// <summary>
/// A <see cref="FunctionBuilder"/> was used wrongly: a stencil emitted with the wrong number of values, holes or
/// targets, a location the library does not have, a block of another builder, use after
/// <see cref="FunctionBuilder.Compile"/>, and the like. The builder is unchanged by the call that threw.
/// </summary>
public class StencilEmitException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, naming the stencil, argument and value.</param>
    /// <param name="stencil">The stencil being emitted, if any.</param>
    /// <param name="argument">The argument at fault (for example <c>inputs[1]</c> or <c>holes[0]</c>), if any.</param>
    public StencilEmitException(string message, string? stencil = null, string? argument = null) : base(message)
    {
        Stencil = stencil;
        Argument = argument;
    }

    /// <summary>The name of the stencil being emitted, or null.</summary>
    public string? Stencil { get; }

    /// <summary>The argument at fault (for example <c>inputs[1]</c>), or null.</summary>
    public string? Argument { get; }
}
