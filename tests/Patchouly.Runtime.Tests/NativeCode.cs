using System;

namespace Patchouly.Runtime.Tests;

/// <summary>Tiny native functions for host-call tests, in their own executable memory, in the process's C convention
/// (the argument in rdi on System V, rcx on Win64).</summary>
internal static class NativeCode
{
    /// <summary>
    /// <c>long f(long x)</c> returning <c>(x &lt;&lt; 4) | (rsp &amp; 15)</c> as seen on entry: a correctly aligned call
    /// (rsp ≡ 0 mod 16 before the call) gives <c>(x &lt;&lt; 4) | 8</c>.
    /// </summary>
    public static readonly byte[] StackAlignmentProbe = OperatingSystem.IsWindows()
        ?
        [
            0x48, 0x89, 0xE0,       // mov rax, rsp
            0x83, 0xE0, 0x0F,       // and eax, 15
            0x48, 0xC1, 0xE1, 0x04, // shl rcx, 4
            0x48, 0x09, 0xC8,       // or rax, rcx
            0xC3,                   // ret
        ]
        :
        [
            0x48, 0x89, 0xE0,       // mov rax, rsp
            0x83, 0xE0, 0x0F,       // and eax, 15
            0x48, 0xC1, 0xE7, 0x04, // shl rdi, 4
            0x48, 0x09, 0xF8,       // or rax, rdi
            0xC3,                   // ret
        ];

    /// <summary><c>long f(long x) => x + x</c>.</summary>
    public static readonly byte[] Double = OperatingSystem.IsWindows()
        ? [0x48, 0x8D, 0x04, 0x09, 0xC3]  // lea rax, [rcx+rcx]; ret
        : [0x48, 0x8D, 0x04, 0x3F, 0xC3]; // lea rax, [rdi+rdi]; ret

    public static ExecutableMemory Load(byte[] code, nint near = 0)
    {
        var memory = ExecutableMemory.Allocate(code.Length, near);
        code.AsSpan().CopyTo(memory.Writable);
        memory.MakeExecutable();
        return memory;
    }
}
