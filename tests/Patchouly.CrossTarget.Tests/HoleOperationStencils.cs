using Patchouly;

namespace Patchouly.CrossTarget.Tests;

/// <summary>
/// Integer operations with a value hole as one operand, which a target may compile to an instruction with the hole as
/// its immediate (x86-64: imm32, sign-extended imm32 for 64-bit operands, imm8 shift counts), built for every target
/// by the real Patchouly build; see <see cref="HoleOperationTests"/>. Some are deliberately not recognised (the hole on
/// the left of a subtraction, a hole the stencil reassigns) and must stay correct as plain C.
/// </summary>
[StencilLibrary(Registers = 2)]
public static partial class HoleOperationStencils
{
    [Stencil] public static long Const([Hole] long value) => value;
    [Stencil(ReturnsToCaller = true)] public static long Return(long value) => value;

    // 32-bit operands.
    [Stencil] public static int AddI32(int a, [Hole] int k) => a + k;
    [Stencil] public static int SubI32(int a, [Hole] int k) => a - k;
    [Stencil] public static int SubFromI32(int a, [Hole] int k) => k - a;
    [Stencil] public static int MulI32(int a, [Hole] int k) => a * k;
    [Stencil] public static int MulLeftI32(int a, [Hole] int k) => k * a;
    [Stencil] public static int AndI32(int a, [Hole] int k) => a & k;
    [Stencil] public static int OrI32(int a, [Hole] int k) => a | k;
    [Stencil] public static uint XorU32(uint a, [Hole] uint k) => a ^ k;
    [Stencil] public static int ShlI32(int a, [Hole] int k) => a << k;
    [Stencil] public static int SarI32(int a, [Hole] int k) => a >> k;
    [Stencil] public static uint ShrU32(uint a, [Hole] int k) => a >> k;
    [Stencil] public static int ShrLogicalI32(int a, [Hole] int k) => a >>> k;
    [Stencil] public static long EqI32(int a, [Hole] int k) => a == k ? 1 : 0;
    [Stencil] public static long NeI32(int a, [Hole] int k) => a != k ? 1 : 0;
    [Stencil] public static long LtI32(int a, [Hole] int k) => a < k ? 1 : 0;
    [Stencil] public static long LeI32(int a, [Hole] int k) => a <= k ? 1 : 0;
    [Stencil] public static long GtI32(int a, [Hole] int k) => a > k ? 1 : 0;
    [Stencil] public static long GeI32(int a, [Hole] int k) => a >= k ? 1 : 0;
    [Stencil] public static long HoleLessThanI32(int a, [Hole] int k) => k < a ? 1 : 0;
    [Stencil] public static long LtUnsignedI32(int a, [Hole] int k) => (uint)a < (uint)k ? 1 : 0;
    [Stencil] public static long GeU32(uint a, [Hole] uint k) => a >= k ? 1 : 0;
    [Stencil] public static long HoleAtMostU32(uint a, [Hole] uint k) => k <= a ? 1 : 0;
    [Stencil] public static Target BranchLtI32(int a, [Hole] int k, Target taken) => a < k ? taken : Target.Next;
    [Stencil] public static Target BranchGtUI32(int a, [Hole] int k, Target taken) => (uint)a > (uint)k ? taken : Target.Next;

    // 32-bit operations on the low half of a 64-bit input (the register's upper half is not zero), with a uint result
    // (which must come out zero-extended): also for a shift whose count masks to 0.
    [Stencil] public static uint ShlTruncatedU32(long a, [Hole] int k) => (uint)a << k;
    [Stencil] public static uint AddTruncatedU32(long a, [Hole] uint k) => (uint)a + k;
    [Stencil] public static uint MulTruncatedU32(long a, [Hole] uint k) => (uint)a * k;

    // 64-bit operands.
    [Stencil] public static long AddI64(long a, [Hole] long k) => a + k;
    [Stencil] public static long SubI64(long a, [Hole] long k) => a - k;
    [Stencil] public static long MulI64(long a, [Hole] long k) => a * k;
    [Stencil] public static long AndI64(long a, [Hole] long k) => a & k;
    [Stencil] public static ulong OrU64(ulong a, [Hole] ulong k) => a | k;
    [Stencil] public static long XorI64(long a, [Hole] long k) => a ^ k;
    [Stencil] public static long ShlI64(long a, [Hole] int k) => a << k;
    [Stencil] public static long SarI64(long a, [Hole] int k) => a >> k;
    [Stencil] public static ulong ShrU64(ulong a, [Hole] int k) => a >> k;
    [Stencil] public static long EqI64(long a, [Hole] long k) => a == k ? 1 : 0;
    [Stencil] public static long LtI64(long a, [Hole] long k) => a < k ? 1 : 0;
    [Stencil] public static long GeI64(long a, [Hole] long k) => a >= k ? 1 : 0;
    [Stencil] public static long LtUnsignedI64(long a, [Hole] long k) => (ulong)a < (ulong)k ? 1 : 0;
    [Stencil] public static long HoleGreaterU64(ulong a, [Hole] ulong k) => k > a ? 1 : 0;
    [Stencil] public static Target BranchNeI64(long a, [Hole] long k, Target taken) => a != k ? taken : Target.Next;

    // Combinations, and holes that are not operands of a recognised operation.
    [Stencil] public static long MulAddI64(long a, [Hole] long k) => a * k + k;
    [Stencil] public static int ShiftThenAddI32(int a, [Hole] int shift, [Hole] int k) => (a << shift) + k;
    [Stencil] public static long WidenedI64(long a, [Hole] int k) => a + k;
    [Stencil]
    public static long ReassignedI64(long a, [Hole] long k)
    {
        k += 1;
        return a - k;
    }
}
