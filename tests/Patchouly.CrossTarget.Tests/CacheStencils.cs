using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Stencils for values kept in registers across blocks with <see cref="Runtime.Allocation.RegisterCache"/> and
/// <see cref="Runtime.Allocation.ParallelMove"/>, built for every target by the real Patchouly build (see
/// <see cref="RegisterCacheTests"/>). Register 0 holds a pointer to the values' homes.
/// </summary>
[StencilLibrary(Registers = 5)]
public static unsafe partial class CacheStencils
{
    [Stencil] public static long Load([Pinned(0)] long* homes, [Hole] nint index) => homes[index];
    [Stencil] public static void Store([Pinned(0)] long* homes, [Hole] nint index, long value) => homes[index] = value;
    [Stencil] public static long Const([Hole] long value) => value;
    [Stencil] public static long AddImm(long a, [Hole] long b) => a + b;
    [Stencil] public static long Add(long a, long b) => a + b;
    [Stencil] public static Target LoopIfNonZero(long c, Target exit, Target body) => c != 0 ? body : exit;
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;
}
