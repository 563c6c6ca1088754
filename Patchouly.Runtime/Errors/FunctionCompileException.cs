using System;

namespace Patchouly.Runtime;

/// <summary>
/// <see cref="FunctionBuilder.Compile"/> found the function incomplete: a block that is jumped to but never started,
/// code that would run off the end of the function, an empty function, or a function too large. Nothing was made
/// executable, and the builder is unchanged: the mistake can be fixed and <see cref="FunctionBuilder.Compile"/> called again.
/// </summary>
public sealed class FunctionCompileException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the block and stencil.</param>
    /// <param name="block">The block at fault, if any.</param>
    /// <param name="stencil">The stencil at fault, if any.</param>
    public FunctionCompileException(string message, Block? block = null, string? stencil = null) : base(message)
    {
        Block = block;
        Stencil = stencil;
    }

    /// <summary>The block at fault, or null.</summary>
    public Block? Block { get; }

    /// <summary>The name of the stencil at fault, or null.</summary>
    public string? Stencil { get; }

    /// <summary>The name of the function at fault when a <see cref="JitModule"/> was compiled, or null.</summary>
    public string? Function { get; init; }
}
