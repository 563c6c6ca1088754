namespace Patchouly.Runtime;

/// <summary>
/// The stencil has no compiled variant for the requested locations (for example two outputs in the same register).
/// </summary>
public sealed class MissingVariantException : StencilEmitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, naming the stencil and the locations.</param>
    /// <param name="stencil">The stencil's name.</param>
    /// <param name="locations">The requested locations, formatted like <c>[r0, s1 -> r0]</c>.</param>
    public MissingVariantException(string message, string stencil, string locations) : base(message, stencil)
    {
        Locations = locations;
    }

    /// <summary>The requested locations, formatted like <c>[r0, s1 -> r0]</c>.</summary>
    public string Locations { get; }
}
