using Patchouly;

namespace Patchouly.Benchmarks;

/// <summary>
/// The stencils the benchmarks emit, compiled by the Patchouly toolchain (clang) like any user library: arithmetic,
/// constants (narrow and wide holes), memory, branches, host calls and calls through module slots.
/// </summary>
[StencilLibrary(Registers = 4)]
public static unsafe partial class BenchStencils
{
    [Stencil] public static long Const([Hole] long value) => value;
    [Stencil] public static long Add(long a, long b) => a + b;
    [Stencil] public static long Sub(long a, long b) => a - b;
    [Stencil] public static long Mul(long a, long b) => a * b;
    [Stencil] public static long AddConst(long a, [Hole] long c) => a + c;
    [Stencil] public static long Load(long* p, [Hole] int index) => p[index];
    [Stencil] public static void Store(long* p, long v, [Hole] int index) { p[index] = v; }
    [Stencil] public static Target IfZero(long a, Target zero) => a == 0 ? zero : Target.Next;
    [Stencil] public static Target IfLess(long a, long b, Target less, Target notLess) => a < b ? less : notLess;
    [Stencil] public static long CallHost(long a, [Hole] delegate* unmanaged<long, long> f) => f(a);
    [Stencil] public static long CallSlot(long a, [Hole] delegate* unmanaged<long, long>* slot) => (*slot)(a);
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;
    [Stencil(ReturnsToCaller = true)] public static long ReturnConst([Hole] long value) => value;
}
