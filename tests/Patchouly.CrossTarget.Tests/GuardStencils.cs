namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Stencils that read and write memory at a register offset from a base address hole, with no bounds check, and call
/// the host: the accesses a front end leaves to guarded regions (<see cref="GuardedRegionTests"/>).
/// </summary>
[StencilLibrary(Registers = 2)]
public static unsafe partial class GuardStencils
{
    [Stencil] public static long LoadAt(long offset, [Hole] byte* region) => *(long*)(region + offset);
    [Stencil] public static void StoreAt(long offset, long value, [Hole] byte* region) => *(long*)(region + offset) = value;
    [Stencil] public static long CallHost(long a, [Hole] delegate* unmanaged<long, long> f) => f(a);
    [Stencil] public static long CallSlot(long a, [Hole] delegate* unmanaged<long, long>* slot) => (*slot)(a);
    [Stencil] public static long AddImm(long a, [Hole] long b) => a + b;
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;
}
