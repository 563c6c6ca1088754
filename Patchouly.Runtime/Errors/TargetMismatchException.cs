using System;

namespace Patchouly.Runtime;

/// <summary>
/// A function of a stencil library compiled for another operating system than the process's (same instruction set,
/// different calling convention: <c>linux-x64</c> code in a <c>win-x64</c> process, for example) was to be compiled into
/// executable memory. Such a library can still be emitted and disassembled, but its entry shim and host calls follow
/// the other system's ABI, so its code cannot run here. Nothing was mapped, and the builder is unchanged.
/// </summary>
public sealed class TargetMismatchException : PlatformNotSupportedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="library">The library's name.</param>
    /// <param name="libraryTarget">The runtime identifier the library's code was compiled for.</param>
    /// <param name="processTarget">The process's runtime identifier.</param>
    public TargetMismatchException(string library, string libraryTarget, string processTarget)
        : base($"Stencil library {library} holds {libraryTarget} code, but this process runs on {processTarget}: the calling conventions differ, so its functions can be emitted and disassembled (FunctionBuilder.Disassemble), not compiled to run. Use the library's {processTarget} tables (the generated Library property loads them by default; add {processTarget} to PatchoulyTargets if they are missing).")
    {
        LibraryTarget = libraryTarget;
        ProcessTarget = processTarget;
    }

    /// <summary>The runtime identifier of the library's code, for example <c>linux-x64</c>.</summary>
    public string LibraryTarget { get; }

    /// <summary>The process's runtime identifier, for example <c>win-x64</c>.</summary>
    public string ProcessTarget { get; }
}
