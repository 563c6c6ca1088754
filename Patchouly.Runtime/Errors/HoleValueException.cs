namespace Patchouly.Runtime;

/// <summary>A hole value cannot be patched into any variant of the stencil (or is wider than the hole's type).</summary>
public sealed class HoleValueException : StencilEmitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the stencil, the hole and the value.</param>
    /// <param name="stencil">The stencil's name.</param>
    /// <param name="hole">The hole's index.</param>
    /// <param name="value">The value given for it.</param>
    public HoleValueException(string message, string stencil, int hole, ulong value) : base(message, stencil, $"holes[{hole}]")
    {
        Hole = hole;
        Value = value;
    }

    /// <summary>The index of the hole at fault.</summary>
    public int Hole { get; }

    /// <summary>The value given for the hole.</summary>
    public ulong Value { get; }
}
