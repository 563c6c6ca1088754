using System;

namespace Patchouly
{
    /// <summary>
    /// Marks a <c>static partial class</c> whose <see cref="StencilAttribute"/> methods form one stencil library.
    /// The build compiles every stencil into native code for every assignment of its values to locations;
    /// the source generator adds a typed emit API and the compiled tables to the class.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class StencilLibraryAttribute : Attribute
    {
        /// <summary>The default number of register locations (9, as in the reference design).</summary>
        public const int DefaultRegisters = 9;

        /// <summary>The largest supported number of register locations: the fewest that every supported target passes in <c>preserve_none</c> argument registers, less the one that carries the frame (the same number as the table format's <c>VariantIndex.MaxRegisters</c>).</summary>
        public const int MaxRegisters = 11;

        /// <summary>
        /// How many machine registers values may live in (1 to <see cref="MaxRegisters"/>). Every stencil gets a
        /// variant for every assignment of its inputs and outputs to these registers or to a stack slot, so the
        /// number of variants grows as (Registers + 1)^(inputs + outputs).
        /// </summary>
        public int Registers { get; set; } = DefaultRegisters;

        /// <summary>The largest supported number of float register locations: the floating-point argument registers every supported target passes <c>preserve_none</c> arguments in (xmm0–xmm7, v0–v7; the table format's <c>VariantIndex.MaxFloatRegisters</c>).</summary>
        public const int MaxFloatRegisters = 8;

        /// <summary>
        /// How many floating-point machine registers <c>float</c> and <c>double</c> values may live in (0 to
        /// <see cref="MaxFloatRegisters"/>; 0, the default, keeps them as their bits in the ordinary registers). With 1 or
        /// more, every <c>float</c>/<c>double</c> input and output of every stencil is of the float class: its variants
        /// place it in one of these float registers (<c>Location.FloatRegister(k)</c>) or a stack slot, never in an
        /// ordinary register, so floating-point code does not move values between register files at stencil boundaries.
        /// A <c>float</c> occupies the low 32 bits of its float register. The library gains the built-in moves
        /// <c>__move_float</c>, <c>__move_float_to_int</c> and <c>__move_int_to_float</c>.
        /// </summary>
        public int FloatRegisters { get; set; }

        /// <summary>
        /// How many more machine registers (after the <see cref="Registers"/>) only the built-in moves reach (0, the
        /// default, to <see cref="MaxRegisters"/> - <see cref="Registers"/>): register locations
        /// <c>Registers .. Registers + MoveRegisters - 1</c> are passed through every stencil like the others, so a
        /// value kept there survives any stencil, but only <c>__move</c> (and the float/int moves) has variants that read
        /// or write them; the other stencils' variants do not grow. Use them for values a JIT keeps in a register for a
        /// long time but reads through a move (a cheap register-to-register copy instead of a load from a stack slot),
        /// such as the variables of a function.
        /// </summary>
        public int MoveRegisters { get; set; }

        /// <summary>
        /// As <see cref="MoveRegisters"/> for the float class: float register locations
        /// <c>FloatRegisters .. FloatRegisters + MoveFloatRegisters - 1</c> (at most <see cref="MaxFloatRegisters"/> in
        /// all), which only the float moves reach. Needs <see cref="FloatRegisters"/> of 1 or more.
        /// </summary>
        public int MoveFloatRegisters { get; set; }

        /// <summary>The optimisation level clang compiles this library with.</summary>
        public StencilOptimization Optimization { get; set; } = StencilOptimization.Default;
    }

    /// <summary>The optimisation level of a stencil library's native code.</summary>
    public enum StencilOptimization
    {
        /// <summary>Use the project's <c>PatchoulyOptimization</c> property (O3 unless set).</summary>
        Default = 0,
        /// <summary><c>clang -O3</c>: fastest code.</summary>
        O3 = 3,
        /// <summary><c>clang -O2</c>.</summary>
        O2 = 2,
        /// <summary><c>clang -Os</c>: smaller stencils (CPython's choice for its JIT).</summary>
        Os = 10,
    }
}
