using System;

namespace Patchouly.Build.Tasks.ObjectFiles;

/// <summary>
/// An object file is malformed or uses a feature the reader does not support. This is the only exception the object
/// readers (ELF, COFF, Mach-O) throw for bad input; the message says what is wrong and where.
/// </summary>
public sealed class ObjectFileException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with <paramref name="fileName"/> when it is known.</summary>
    /// <param name="message">What is wrong and where (byte offset, section or symbol index).</param>
    /// <param name="fileName">The object file's name, or null.</param>
    public ObjectFileException(string message, string? fileName = null)
        : base(fileName is null ? message : fileName + ": " + message)
    {
        FileName = fileName;
    }

    /// <summary>The object file's name, when known.</summary>
    public string? FileName { get; }
}
