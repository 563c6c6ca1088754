namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>
/// Encodes the handful of AArch64 instructions the hand-made arm64 test stencils use (64-bit forms; register 31 is
/// sp or xzr as the instruction defines). Checked against <c>llvm-mc -triple=aarch64 -show-encoding</c>.
/// </summary>
internal static class A64
{
    public const int Sp = 31;
    public const int Fp = 29;
    public const int Lr = 30;

    /// <summary><c>movz xd, #imm16, lsl #shift</c> (shift 0, 16, 32, 48).</summary>
    public static uint MovZ(int rd, int imm16, int shift) => 0xD2800000u | (uint)(shift / 16) << 21 | (uint)(imm16 & 0xFFFF) << 5 | (uint)rd;

    /// <summary><c>movk xd, #imm16, lsl #shift</c>.</summary>
    public static uint MovK(int rd, int imm16, int shift) => 0xF2800000u | (uint)(shift / 16) << 21 | (uint)(imm16 & 0xFFFF) << 5 | (uint)rd;

    /// <summary><c>add xd, xn, xm</c>.</summary>
    public static uint Add(int rd, int rn, int rm) => 0x8B000000u | (uint)rm << 16 | (uint)rn << 5 | (uint)rd;

    /// <summary><c>sub xd, xn, xm</c>.</summary>
    public static uint Sub(int rd, int rn, int rm) => 0xCB000000u | (uint)rm << 16 | (uint)rn << 5 | (uint)rd;

    /// <summary><c>add xd|sp, xn|sp, #imm12</c>.</summary>
    public static uint AddImm(int rd, int rn, int imm12) => 0x91000000u | (uint)imm12 << 10 | (uint)rn << 5 | (uint)rd;

    /// <summary><c>sub xd|sp, xn|sp, #imm12</c>.</summary>
    public static uint SubImm(int rd, int rn, int imm12) => 0xD1000000u | (uint)imm12 << 10 | (uint)rn << 5 | (uint)rd;

    /// <summary><c>mov xd|sp, xn|sp</c> (<c>add xd, xn, #0</c>).</summary>
    public static uint MovSp(int rd, int rn) => AddImm(rd, rn, 0);

    /// <summary><c>mov xd, xm</c> (<c>orr xd, xzr, xm</c>).</summary>
    public static uint Mov(int rd, int rm) => 0xAA0003E0u | (uint)rm << 16 | (uint)rd;

    /// <summary><c>and x9, x9, #~15</c>.</summary>
    public const uint AndX9Not15 = 0x927CED29;

    /// <summary><c>sub sp, sp, xm</c> (extended register, uxtx).</summary>
    public static uint SubSp(int rm) => 0xCB2063FFu | (uint)rm << 16;

    /// <summary><c>ldr xt, [xn, xm]</c>.</summary>
    public static uint LdrReg(int rt, int rn, int rm) => 0xF8606800u | (uint)rm << 16 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>str xt, [xn, xm]</c>.</summary>
    public static uint StrReg(int rt, int rn, int rm) => 0xF8206800u | (uint)rm << 16 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>stp xt1, xt2, [sp, #-16]!</c>.</summary>
    public static uint PushPair(int rt1, int rt2) => 0xA9BF0000u | (uint)rt2 << 10 | (uint)Sp << 5 | (uint)rt1;

    /// <summary><c>ldp xt1, xt2, [sp], #16</c>.</summary>
    public static uint PopPair(int rt1, int rt2) => 0xA8C10000u | (uint)rt2 << 10 | (uint)Sp << 5 | (uint)rt1;

    /// <summary><c>b</c> by <paramref name="bytes"/>.</summary>
    public static uint B(int bytes) => 0x14000000u | ((uint)(bytes >> 2) & 0x03FFFFFF);

    /// <summary><c>bl</c> by <paramref name="bytes"/>.</summary>
    public static uint Bl(int bytes) => 0x94000000u | ((uint)(bytes >> 2) & 0x03FFFFFF);

    /// <summary><c>blr xn</c>.</summary>
    public static uint Blr(int rn) => 0xD63F0000u | (uint)rn << 5;

    /// <summary><c>cbz xt, #bytes</c>.</summary>
    public static uint Cbz(int rt, int bytes) => 0xB4000000u | ((uint)(bytes >> 2) & 0x7FFFF) << 5 | (uint)rt;

    /// <summary><c>cbnz xt, #bytes</c>.</summary>
    public static uint Cbnz(int rt, int bytes) => 0xB5000000u | ((uint)(bytes >> 2) & 0x7FFFF) << 5 | (uint)rt;

    /// <summary><c>movn xd, #imm16</c>.</summary>
    public static uint MovN(int rd, int imm16) => 0x92800000u | (uint)(imm16 & 0xFFFF) << 5 | (uint)rd;

    /// <summary><c>adrp xd, #pages·4096</c> (relative to the instruction's page).</summary>
    public static uint Adrp(int rd, int pages = 0) => 0x90000000u | ((uint)pages & 3) << 29 | (((uint)pages >> 2) & 0x7FFFF) << 5 | (uint)rd;

    /// <summary><c>ldr xt, [xn, #bytes]</c> (unsigned offset, a multiple of 8).</summary>
    public static uint LdrImm(int rt, int rn, int bytes = 0) => 0xF9400000u | (uint)(bytes / 8) << 10 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>ldr wt, [xn, #bytes]</c> (a multiple of 4).</summary>
    public static uint LdrWImm(int rt, int rn, int bytes = 0) => 0xB9400000u | (uint)(bytes / 4) << 10 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>ldrh wt, [xn, #bytes]</c> (a multiple of 2).</summary>
    public static uint LdrhImm(int rt, int rn, int bytes = 0) => 0x79400000u | (uint)(bytes / 2) << 10 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>ldrb wt, [xn, #bytes]</c>.</summary>
    public static uint LdrbImm(int rt, int rn, int bytes = 0) => 0x39400000u | (uint)bytes << 10 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>ldr qt, [xn, #bytes]</c> (a multiple of 16).</summary>
    public static uint LdrQImm(int rt, int rn, int bytes = 0) => 0x3DC00000u | (uint)(bytes / 16) << 10 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>str xt, [xn, #bytes]</c> (a multiple of 8).</summary>
    public static uint StrImm(int rt, int rn, int bytes = 0) => 0xF9000000u | (uint)(bytes / 8) << 10 | (uint)rn << 5 | (uint)rt;

    /// <summary><c>add wd, wn, #imm12</c>.</summary>
    public static uint AddImmW(int rd, int rn, int imm12) => 0x11000000u | (uint)imm12 << 10 | (uint)rn << 5 | (uint)rd;

    /// <summary><c>cmp xn, xm</c> (<c>subs xzr, xn, xm</c>).</summary>
    public static uint Cmp(int rn, int rm) => 0xEB00001Fu | (uint)rm << 16 | (uint)rn << 5;

    /// <summary>Condition codes of <see cref="BCond"/>.</summary>
    public const int Ge = 0xA, Lt = 0xB;

    /// <summary><c>b.cond #bytes</c>.</summary>
    public static uint BCond(int condition, int bytes) => 0x54000000u | ((uint)(bytes >> 2) & 0x7FFFF) << 5 | (uint)condition;

    public const uint Ret = 0xD65F03C0;
    public const uint Nop = 0xD503201F;
    public const uint Brk0 = 0xD4200000;
}
