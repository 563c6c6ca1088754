using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>Stencils for functions that call each other through a <see cref="Runtime.JitModule"/>'s slots, built for
/// every target by the real Patchouly build (see <see cref="ModuleTests"/>).</summary>
[StencilLibrary(Registers = 2)]
public static unsafe partial class ModuleStencils
{
    [Stencil] public static long AddImm(long a, [Hole] long b) => a + b;
    [Stencil] public static Target IfZero(long a, Target zero) => a == 0 ? zero : Target.Next;
    [Stencil] public static long CallSlot(long a, [Hole] delegate* unmanaged<long, long>* slot) => (*slot)(a);
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;
    [Stencil(ReturnsToCaller = true)] public static long ReturnConst([Hole] long value) => value;
}
