using System;
using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// A library with move registers (<c>Registers = 2, FloatRegisters = 2, MoveRegisters = 3, MoveFloatRegisters = 2</c>):
/// r2..r4 and f2..f3 are passed through every stencil but only the built-in moves read or write them. Compiled by the
/// real Patchouly build for every target and run by <see cref="MoveRegisterTests"/>.
/// </summary>
[StencilLibrary(Registers = 2, FloatRegisters = 2, MoveRegisters = 3, MoveFloatRegisters = 2)]
public static unsafe partial class MoveRegisterStencils
{
    [Stencil] public static long Const([Hole] long value) => value;
    [Stencil] public static double ConstDouble([Hole] double value) => value;
    [Stencil] public static long Add(long a, long b) => a + b;
    [Stencil] public static long Mul(long a, long b) => a * b;
    [Stencil] public static long Div(long a, long b) => b == 0 || (a == long.MinValue && b == -1) ? 0 : a / b;
    [Stencil] public static long Shl(long a, long b) => a << (int)b;
    [Stencil] public static double AddDouble(double a, double b) => a + b;
    [Stencil] public static double MulDouble(double a, double b) => a * b;

    /// <summary>Calls out (a C function pointer), so the registers it passes on must survive a call.</summary>
    [Stencil] public static long CallOut(long a, [Hole] delegate* unmanaged<long, long> f) => f(a);

    [Stencil] public static Target IfLess(long a, long b, Target less) => a < b ? less : Target.Next;
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;
    [Stencil(ReturnsToCaller = true)] public static ulong ReturnDoubleBits(double value) => BitConverter.DoubleToUInt64Bits(value);
}
