using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Stencils that call host functions (a function-pointer hole, and a module slot), built for every target by the real
/// Patchouly build; the family names and shapes are those of the hand-made test library, so tests can run on both
/// (see <see cref="CallbackTests"/> and, on Windows, the stack-walk tests).
/// </summary>
[StencilLibrary(Registers = 2)]
public static unsafe partial class CallbackStencils
{
    [Stencil] public static long AddImm(long a, [Hole] long b) => a + b;
    [Stencil] public static long CallHost(long a, [Hole] delegate* unmanaged<long, long> f) => f(a);
    [Stencil] public static long CallSlot(long a, [Hole] delegate* unmanaged<long, long>* slot) => (*slot)(a);
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;
}
