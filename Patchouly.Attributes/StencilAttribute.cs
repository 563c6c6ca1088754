using System;

namespace Patchouly
{
    /// <summary>
    /// Marks a static method of a <see cref="StencilLibraryAttribute"/> class as a stencil: a piece of code that the
    /// JIT copies and patches. Ordinary parameters are inputs, the return value and <c>out</c> parameters are outputs,
    /// <see cref="HoleAttribute"/> parameters are constants patched at JIT time, and <see cref="Target"/> parameters are
    /// places control may continue at.
    /// </summary>
    /// <remarks>
    /// A stencil that returns <c>void</c> or a value continues with the next stencil. A stencil that returns
    /// <see cref="Target"/> continues at the target it returns (<see cref="Target.Next"/> for the next stencil).
    /// A stencil with <see cref="ReturnsToCaller"/> ends the JIT-compiled function and returns its value to the caller.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class StencilAttribute : Attribute
    {
        /// <summary>
        /// When true, the stencil returns from the JIT-compiled function to its caller; its return value
        /// (an integer, pointer or <c>bool</c>, or <c>void</c>) becomes the function's result.
        /// </summary>
        public bool ReturnsToCaller { get; set; }
    }

    /// <summary>
    /// Marks a stencil parameter as a hole: a constant whose value is chosen at JIT time and patched into the copied
    /// machine code. Holes may be integers, <c>bool</c>, <c>char</c>, pointers or unmanaged function pointers.
    /// </summary>
    [AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
    public sealed class HoleAttribute : Attribute
    {
    }

    /// <summary>
    /// Marks a stencil parameter of type <see cref="Patchouly.Target"/> as a jump target. Optional: every
    /// <see cref="Patchouly.Target"/> parameter is a target; the attribute only makes that explicit, or marks the
    /// target <see cref="Cold"/>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
    public sealed class TargetAttribute : Attribute
    {
        /// <summary>
        /// When true, control rarely leaves through this target (a trap, an error exit), and the stencil's outputs are
        /// unspecified when it does: the native code stores no outputs on that path, so the path is a conditional
        /// branch to a jump at the stencil's end and the likely path falls through. Use it for exits whose continuation
        /// does not read the stencil's outputs.
        /// </summary>
        public bool Cold { get; set; }
    }
}
