using System;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

/// <summary>
/// A function of a stencil library compiled for another instruction set than the process's was to be compiled into
/// executable memory (<see cref="FunctionBuilder.Compile"/>, <see cref="JitModule.Compile"/>). Such a library can still
/// be emitted and disassembled (<see cref="FunctionBuilder.Disassemble"/>), but its code cannot run here. Nothing was
/// mapped, and the builder is unchanged.
/// </summary>
public sealed class ArchitectureMismatchException : PlatformNotSupportedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="library">The library's name.</param>
    /// <param name="libraryArchitecture">The instruction set of the library's code.</param>
    /// <param name="processArchitecture">The process's.</param>
    public ArchitectureMismatchException(string library, TargetArchitecture libraryArchitecture, Architecture processArchitecture)
        : base($"Stencil library {library} holds {libraryArchitecture} code, but this process runs on {processArchitecture}: its functions can be emitted and disassembled (FunctionBuilder.Disassemble), not compiled to run. Use the library's tables for {processArchitecture}.")
    {
        LibraryArchitecture = libraryArchitecture;
        ProcessArchitecture = processArchitecture;
    }

    /// <summary>The instruction set of the library's code.</summary>
    public TargetArchitecture LibraryArchitecture { get; }

    /// <summary>The process's instruction set.</summary>
    public Architecture ProcessArchitecture { get; }
}
