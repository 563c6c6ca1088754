using System;

namespace Patchouly
{
    /// <summary>
    /// Pins a stencil value (an input parameter, an <c>out</c> parameter, or with <c>[return: Pinned(n)]</c> the return
    /// value) to register location <see cref="Register"/>: the build compiles only the variants that keep the value
    /// there, so a value that always lives in one register (a JIT's data pointer, say) costs no variants for the other
    /// placements. Emitting the stencil with the value elsewhere goes through the builder's scratch registers, or throws
    /// <c>MissingVariantException</c> when none are reserved.
    /// </summary>
    /// <remarks>
    /// The variant numbering does not change: the table keeps a slot for every placement and the omitted ones are
    /// empty. Holes and targets cannot be pinned, and two outputs cannot be pinned to the same register.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue, AllowMultiple = false, Inherited = false)]
    public sealed class PinnedAttribute : Attribute
    {
        /// <summary>Pins the value to register location <paramref name="register"/> (0 to the library's Registers - 1).</summary>
        public PinnedAttribute(int register) => Register = register;

        /// <summary>The register location (an index, as in <c>Location.Register(n)</c>).</summary>
        public int Register { get; }
    }
}
