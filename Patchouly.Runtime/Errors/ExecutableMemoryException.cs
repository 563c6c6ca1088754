using System;

namespace Patchouly.Runtime;

/// <summary>A system call that manages executable memory (<c>mmap</c>, <c>mprotect</c>, <c>munmap</c>) failed.</summary>
public sealed class ExecutableMemoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The failed call, for example <c>mmap</c>.</param>
    /// <param name="errno">The <c>errno</c> it set.</param>
    /// <param name="detail">What the call was doing.</param>
    public ExecutableMemoryException(string operation, int errno, string detail)
        : base($"{operation} failed ({detail}): errno {errno} ({Describe(errno)}).")
    {
        Operation = operation;
        Errno = errno;
    }

    /// <summary>The failed system call.</summary>
    public string Operation { get; }

    /// <summary>The <c>errno</c> value the call set.</summary>
    public int Errno { get; }

    private static string Describe(int errno)
    {
        try
        {
            return System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return "unknown error";
        }
    }
}
