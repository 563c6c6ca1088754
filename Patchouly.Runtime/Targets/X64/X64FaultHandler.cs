using System;

namespace Patchouly.Runtime.Targets.X64;

/// <summary>
/// The fault handlers of x86-64, hand-encoded (assembled once with llvm-mc and kept as bytes, each line with its
/// instruction). Both read the runtime's fault state (<see cref="Patchouly.Runtime.Faults.FaultState"/>: the code
/// ranges at +0, the guarded regions at +8, the previous handler at +16, the reset function at +24), whose address is the
/// <c>movabs r8</c> immediate at <see cref="StateOffset"/>. A table is a count followed by 24-byte entries
/// (start, end, value), searched from the last entry down (<c>find</c>: rcx = address, r9 = table → eax = 1 and
/// r11 = value when inside).
/// </summary>
/// <remarks>
/// Recovery: when the faulting instruction is in JIT code and the address in a guarded region, the JIT function returns
/// the region's code as if its body had returned: the entry shim called the body with rsp equal to the spill frame's
/// base, which every stencil keeps in r12, so the return address is at [r12 - 8]. The handler checks that r12 - 8 lies
/// at most 1 MiB above the faulting rsp and that the address read there is JIT code, then sets rip to it, rsp to r12 and
/// rax to the code. The entry shim then restores the caller's registers from rbp (which stencils preserve) and returns.
/// Anything else is passed on, untouched.
/// </remarks>
internal static class X64FaultHandler
{
    /// <summary>Offset of the 8-byte fault state address in both handlers.</summary>
    public const int StateOffset = 2;

    /// <summary>
    /// The SA_SIGINFO SIGSEGV handler for Linux (System V: rdi = signal, rsi = siginfo_t*, rdx = ucontext_t*; glibc's
    /// x86-64 offsets: si_addr at 16, gregs at 40 in the ucontext, so r12 at 72, rax at 144, rsp at 160, rip at 168).
    /// A fault it does not handle goes on to the previous handler (a tail jump with the signal's three arguments, so
    /// it runs exactly as the kernel would have run it), or, when there was none, <c>signal(SIGSEGV, SIG_DFL)</c>
    /// runs and the fault recurs under the default action.
    /// </summary>
    public static readonly byte[] LinuxSignalHandler =
    [
        0x49, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, //   0: movabsq $0x1122334455667788, %r8
        0x48, 0x8B, 0x8A, 0xA8, 0x00, 0x00, 0x00,                   //   a: movq 0xa8(%rdx), %rcx
        0x4D, 0x8B, 0x08,                                           //  11: movq (%r8), %r9
        0xE8, 0x74, 0x00, 0x00, 0x00,                               //  14: callq 0x8d <find>
        0x85, 0xC0,                                                 //  19: testl %eax, %eax
        0x74, 0x5F,                                                 //  1b: je 0x7c <chain>
        0x48, 0x8B, 0x4E, 0x10,                                     //  1d: movq 0x10(%rsi), %rcx
        0x4D, 0x8B, 0x48, 0x08,                                     //  21: movq 0x8(%r8), %r9
        0xE8, 0x63, 0x00, 0x00, 0x00,                               //  25: callq 0x8d <find>
        0x85, 0xC0,                                                 //  2a: testl %eax, %eax
        0x74, 0x4E,                                                 //  2c: je 0x7c <chain>
        0x41, 0x53,                                                 //  2e: pushq %r11
        0x48, 0x8B, 0x7A, 0x48,                                     //  30: movq 0x48(%rdx), %rdi
        0x4C, 0x8B, 0x92, 0xA0, 0x00, 0x00, 0x00,                   //  34: movq 0xa0(%rdx), %r10
        0x48, 0x8D, 0x47, 0xF8,                                     //  3b: leaq -0x8(%rdi), %rax
        0x4C, 0x39, 0xD0,                                           //  3f: cmpq %r10, %rax
        0x72, 0x32,                                                 //  42: jb 0x76 <unframed>
        0x4C, 0x29, 0xD0,                                           //  44: subq %r10, %rax
        0x48, 0x3D, 0x00, 0x00, 0x10, 0x00,                         //  47: cmpq $0x100000, %rax
        0x77, 0x27,                                                 //  4d: ja 0x76 <unframed>
        0x48, 0x8B, 0x4F, 0xF8,                                     //  4f: movq -0x8(%rdi), %rcx
        0x4D, 0x8B, 0x08,                                           //  53: movq (%r8), %r9
        0xE8, 0x32, 0x00, 0x00, 0x00,                               //  56: callq 0x8d <find>
        0x85, 0xC0,                                                 //  5b: testl %eax, %eax
        0x74, 0x17,                                                 //  5d: je 0x76 <unframed>
        0x58,                                                       //  5f: popq %rax
        0x48, 0x89, 0x8A, 0xA8, 0x00, 0x00, 0x00,                   //  60: movq %rcx, 0xa8(%rdx)
        0x48, 0x89, 0xBA, 0xA0, 0x00, 0x00, 0x00,                   //  67: movq %rdi, 0xa0(%rdx)
        0x48, 0x89, 0x82, 0x90, 0x00, 0x00, 0x00,                   //  6e: movq %rax, 0x90(%rdx)
        0xC3,                                                       //  75: retq
        // unframed:
        0x58,                                                       //  76: popq %rax
        0xBF, 0x0B, 0x00, 0x00, 0x00,                               //  77: movl $0xb, %edi
        // chain:
        0x49, 0x8B, 0x40, 0x10,                                     //  7c: movq 0x10(%r8), %rax
        0x48, 0x85, 0xC0,                                           //  80: testq %rax, %rax
        0x74, 0x02,                                                 //  83: je 0x87 <reset>
        0xFF, 0xE0,                                                 //  85: jmpq *%rax
        // reset:
        0x31, 0xF6,                                                 //  87: xorl %esi, %esi
        0x41, 0xFF, 0x60, 0x18,                                     //  89: jmpq *0x18(%r8)
        // find: 0x8d
        .. Find,
    ];

    /// <summary>
    /// The vectored exception handler for Windows (rcx = EXCEPTION_POINTERS*; EXCEPTION_RECORD: code at 0,
    /// NumberParameters at 0x18, ExceptionInformation[1] (the address) at 0x28; CONTEXT: rax at 0x78, rsp at 0x98, r12 at
    /// 0xD8, rip at 0xF8). Returns EXCEPTION_CONTINUE_EXECUTION (-1) for a handled access violation, else
    /// EXCEPTION_CONTINUE_SEARCH (0): the next handler (.NET's) sees every other exception.
    /// </summary>
    public static readonly byte[] WindowsVectoredHandler =
    [
        0x49, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, //   0: movabsq $0x1122334455667788, %r8
        0x48, 0x8B, 0x01,                                           //   a: movq (%rcx), %rax
        0x48, 0x8B, 0x51, 0x08,                                     //   d: movq 0x8(%rcx), %rdx
        0x81, 0x38, 0x05, 0x00, 0x00, 0xC0,                         //  11: cmpl $0xc0000005, (%rax)
        0x75, 0x7C,                                                 //  17: jne 0x95 <pass>
        0x83, 0x78, 0x18, 0x02,                                     //  19: cmpl $0x2, 0x18(%rax)
        0x72, 0x76,                                                 //  1d: jb 0x95 <pass>
        0xFF, 0x70, 0x28,                                           //  1f: pushq 0x28(%rax)
        0x48, 0x8B, 0x8A, 0xF8, 0x00, 0x00, 0x00,                   //  22: movq 0xf8(%rdx), %rcx
        0x4D, 0x8B, 0x08,                                           //  29: movq (%r8), %r9
        0xE8, 0x67, 0x00, 0x00, 0x00,                               //  2c: callq 0x98 <find>
        0x59,                                                       //  31: popq %rcx
        0x85, 0xC0,                                                 //  32: testl %eax, %eax
        0x74, 0x5F,                                                 //  34: je 0x95 <pass>
        0x4D, 0x8B, 0x48, 0x08,                                     //  36: movq 0x8(%r8), %r9
        0xE8, 0x59, 0x00, 0x00, 0x00,                               //  3a: callq 0x98 <find>
        0x85, 0xC0,                                                 //  3f: testl %eax, %eax
        0x74, 0x52,                                                 //  41: je 0x95 <pass>
        0x41, 0x53,                                                 //  43: pushq %r11
        0x4C, 0x8B, 0x9A, 0xD8, 0x00, 0x00, 0x00,                   //  45: movq 0xd8(%rdx), %r11
        0x4C, 0x8B, 0x92, 0x98, 0x00, 0x00, 0x00,                   //  4c: movq 0x98(%rdx), %r10
        0x49, 0x8D, 0x43, 0xF8,                                     //  53: leaq -0x8(%r11), %rax
        0x4C, 0x39, 0xD0,                                           //  57: cmpq %r10, %rax
        0x72, 0x38,                                                 //  5a: jb 0x94 <unframed>
        0x4C, 0x29, 0xD0,                                           //  5c: subq %r10, %rax
        0x48, 0x3D, 0x00, 0x00, 0x10, 0x00,                         //  5f: cmpq $0x100000, %rax
        0x77, 0x2D,                                                 //  65: ja 0x94 <unframed>
        0x49, 0x8B, 0x4B, 0xF8,                                     //  67: movq -0x8(%r11), %rcx
        0x41, 0x53,                                                 //  6b: pushq %r11
        0x4D, 0x8B, 0x08,                                           //  6d: movq (%r8), %r9
        0xE8, 0x23, 0x00, 0x00, 0x00,                               //  70: callq 0x98 <find>
        0x41, 0x5B,                                                 //  75: popq %r11
        0x85, 0xC0,                                                 //  77: testl %eax, %eax
        0x74, 0x19,                                                 //  79: je 0x94 <unframed>
        0x58,                                                       //  7b: popq %rax
        0x48, 0x89, 0x8A, 0xF8, 0x00, 0x00, 0x00,                   //  7c: movq %rcx, 0xf8(%rdx)
        0x4C, 0x89, 0x9A, 0x98, 0x00, 0x00, 0x00,                   //  83: movq %r11, 0x98(%rdx)
        0x48, 0x89, 0x42, 0x78,                                     //  8a: movq %rax, 0x78(%rdx)
        0xB8, 0xFF, 0xFF, 0xFF, 0xFF,                               //  8e: movl $0xffffffff, %eax
        0xC3,                                                       //  93: retq
        // unframed:
        0x58,                                                       //  94: popq %rax
        // pass:
        0x31, 0xC0,                                                 //  95: xorl %eax, %eax
        0xC3,                                                       //  97: retq
        // find: 0x98
        .. Find,
    ];

    /// <summary>
    /// The table search both handlers end with (offsets from its start): rcx = address, r9 = table → eax = 1 and r11 =
    /// the entry's value when the address lies in an entry, else eax = 0.
    /// </summary>
    private static ReadOnlySpan<byte> Find =>
    [
        0x4D, 0x8B, 0x11,                                           //   0: movq (%r9), %r10
        0x49, 0x83, 0xC1, 0x08,                                     //   3: addq $0x8, %r9
        0x4D, 0x85, 0xD2,                                           //   7: testq %r10, %r10
        0x74, 0x1F,                                                 //   a: je 0x2b <find+0x2b>
        0x49, 0xFF, 0xCA,                                           //   c: decq %r10
        0x4B, 0x8D, 0x04, 0x52,                                     //   f: leaq (%r10,%r10,2), %rax
        0x49, 0x3B, 0x4C, 0xC1, 0x08,                               //  13: cmpq 0x8(%r9,%rax,8), %rcx
        0x73, 0xED,                                                 //  18: jae 0x7 <find+0x7>
        0x49, 0x3B, 0x0C, 0xC1,                                     //  1a: cmpq (%r9,%rax,8), %rcx
        0x72, 0xE7,                                                 //  1e: jb 0x7 <find+0x7>
        0x4D, 0x8B, 0x5C, 0xC1, 0x10,                               //  20: movq 0x10(%r9,%rax,8), %r11
        0xB8, 0x01, 0x00, 0x00, 0x00,                               //  25: movl $0x1, %eax
        0xC3,                                                       //  2a: retq
        0x31, 0xC0,                                                 //  2b: xorl %eax, %eax
        0xC3,                                                       //  2d: retq
    ];
}
