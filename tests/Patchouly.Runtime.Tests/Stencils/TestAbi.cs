using System;
using Iced.Intel;

namespace Patchouly.Runtime.Tests.Stencils;

/// <summary>
/// The C calling convention the hand-made x86-64 library follows, the process's own: System V on Linux, Win64 on
/// Windows (first argument in rcx, 32 bytes of shadow space for the callee, rsi/rdi/xmm6–15 preserved). Only the entry
/// shim and the host calls depend on it, as in clang's code for each triple.
/// </summary>
internal static class TestAbi
{
    /// <summary>True when the library follows the Win64 convention (a Windows process).</summary>
    public static bool IsWin64 => OperatingSystem.IsWindows();

    /// <summary>The triple the library claims: its code runs only on the platform of that triple.</summary>
    public static string Triple => IsWin64 ? "x86_64-pc-windows-msvc" : "x86_64-unknown-linux-gnu";

    /// <summary>The register of a C function's first integer argument.</summary>
    public static Register Argument0 => IsWin64 ? Register.RCX : Register.RDI;

    /// <summary>
    /// What a stencil subtracts from rsp around a C call: 8 to realign (a stencil starts with rsp ≡ 8 mod 16), plus the
    /// 32-byte shadow space on Win64 (clang's <c>sub rsp, 0x28</c>).
    /// </summary>
    public static int CallFrame => IsWin64 ? 40 : 8;
}
