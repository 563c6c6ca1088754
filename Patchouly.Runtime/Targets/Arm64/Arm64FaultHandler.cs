using System;

namespace Patchouly.Runtime.Targets.Arm64;

/// <summary>
/// The fault handler of AArch64 Linux, hand-encoded (assembled once with llvm-mc and kept as instruction words, each
/// with its instruction). It reads the runtime's fault state (<see cref="Patchouly.Runtime.Faults.FaultState"/>: the code
/// ranges at +0, the guarded regions at +8, the previous handler at +16, the reset function at +24), whose address is
/// the 8-byte literal appended after <see cref="Code"/>. A table is a count followed by 24-byte entries (start, end,
/// value), searched from the last entry down (<c>find</c>: x3 = address, x9 = table → x4 = 1 and x5 = value when
/// inside; uses x10–x12).
/// </summary>
/// <remarks>
/// <para>The SA_SIGINFO SIGSEGV handler: x0 = signal, x1 = siginfo_t*, x2 = ucontext_t*; Linux's AArch64 offsets:
/// si_addr at 16, the sigcontext at 176 in the ucontext (regs[n] at 184 + 8n, so x0 at 184, x20 at 344, x30 at 424; sp
/// at 432, pc at 440).</para>
/// <para>Recovery: the entry shim calls the body with <c>bl</c> and sp equal to the spill frame's base, which every
/// stencil keeps in x20; stencils pass the return address on in x30 and return with <c>ret</c>. When the faulting
/// instruction is JIT code, the address is in a guarded region, x20 lies at most 1 MiB above the faulting sp and x30
/// is JIT code too, the handler sets pc to x30, sp to x20 and x0 to the region's code: the body returns that code to
/// its entry shim. A stencil that calls out (and so saves and reuses x30) must not fault on a guarded region. Anything
/// else is passed on with the signal's three arguments and x30 untouched (a tail branch to the previous handler, or to
/// <c>signal(SIGSEGV, SIG_DFL)</c> when there was none, after which the fault recurs under the default action).</para>
/// </remarks>
internal static class Arm64FaultHandler
{
    /// <summary>The handler's instructions; the fault state's address follows them as an 8-byte literal.</summary>
    public static ReadOnlySpan<uint> Code =>
    [
        0xAA1E03EFu,    //   0: mov x15, x30
        0x58000628u,    //   4: ldr x8, 0xc8 <state>
        0xF940DC43u,    //   8: ldr x3, [x2, #0x1b8]
        0xF9400109u,    //   c: ldr x9, [x8]
        0x9400001Eu,    //  10: bl 0x88 <find>
        0xB40002C4u,    //  14: cbz x4, 0x6c <chain>
        0xF9400823u,    //  18: ldr x3, [x1, #0x10]
        0xF9400509u,    //  1c: ldr x9, [x8, #0x8]
        0x9400001Au,    //  20: bl 0x88 <find>
        0xB4000244u,    //  24: cbz x4, 0x6c <chain>
        0xF940AC46u,    //  28: ldr x6, [x2, #0x158]
        0xF940D847u,    //  2c: ldr x7, [x2, #0x1b0]
        0xEB0700DFu,    //  30: cmp x6, x7
        0x540001C3u,    //  34: b.lo 0x6c <chain>
        0xCB0700C9u,    //  38: sub x9, x6, x7
        0xD2A0020Au,    //  3c: mov x10, #0x100000          // =1048576
        0xEB0A013Fu,    //  40: cmp x9, x10
        0x54000148u,    //  44: b.hi 0x6c <chain>
        0xF940D443u,    //  48: ldr x3, [x2, #0x1a8]
        0xF9400109u,    //  4c: ldr x9, [x8]
        0xAA0503EDu,    //  50: mov x13, x5
        0x9400000Du,    //  54: bl 0x88 <find>
        0xB40000A4u,    //  58: cbz x4, 0x6c <chain>
        0xF900DC43u,    //  5c: str x3, [x2, #0x1b8]
        0xF900D846u,    //  60: str x6, [x2, #0x1b0]
        0xF9005C4Du,    //  64: str x13, [x2, #0xb8]
        0xD65F01E0u,    //  68: ret x15
        // chain:
        0xAA0F03FEu,    //  6c: mov x30, x15
        0xF9400910u,    //  70: ldr x16, [x8, #0x10]
        0xB4000050u,    //  74: cbz x16, 0x7c <reset>
        0xD61F0200u,    //  78: br x16
        // reset:
        0xF9400D10u,    //  7c: ldr x16, [x8, #0x18]
        0xD2800001u,    //  80: mov x1, #0x0                // =0
        0xD61F0200u,    //  84: br x16
        // find:
        0xF840852Au,    //  88: ldr x10, [x9], #0x8
        0xB40001AAu,    //  8c: cbz x10, 0xc0 <find+0x38>
        0xD100054Au,    //  90: sub x10, x10, #0x1
        0xD280030Bu,    //  94: mov x11, #0x18              // =24
        0x9B0B254Bu,    //  98: madd x11, x10, x11, x9
        0xF940056Cu,    //  9c: ldr x12, [x11, #0x8]
        0xEB0C007Fu,    //  a0: cmp x3, x12
        0x54FFFF42u,    //  a4: b.hs 0x8c <find+0x4>
        0xF940016Cu,    //  a8: ldr x12, [x11]
        0xEB0C007Fu,    //  ac: cmp x3, x12
        0x54FFFEE3u,    //  b0: b.lo 0x8c <find+0x4>
        0xF9400965u,    //  b4: ldr x5, [x11, #0x10]
        0xD2800024u,    //  b8: mov x4, #0x1                // =1
        0xD65F03C0u,    //  bc: ret
        0xD2800004u,    //  c0: mov x4, #0x0                // =0
        0xD65F03C0u,    //  c4: ret
    ];
}
