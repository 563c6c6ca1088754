using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Patchouly.Samples.Bf.Engines;

/// <summary>
/// A program's input and output: buffered in managed code. Output is flushed when the buffer fills, before each read
/// and by <see cref="Flush"/> at the end. Failures are caught and kept in <see cref="Error"/> (native code cannot
/// unwind exceptions), and the engines stop with <see cref="RunStatus.IoError"/>.
/// </summary>
public sealed class BfIo
{
    /// <summary>Returned by <see cref="Read"/> at end of input.</summary>
    public const int EndOfInput = -1;

    /// <summary>Returned by <see cref="Read"/> (and, as non-zero, by <see cref="Write"/>) when the stream failed.</summary>
    public const int Failed = -2;

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly byte[] _out;
    private readonly byte[] _in;
    private int _outLength;
    private int _inPosition;
    private int _inLength;
    private bool _eof;

    /// <summary>Creates the I/O of one run.</summary>
    public BfIo(Stream input, Stream output, int bufferSize = 1 << 16)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _out = new byte[bufferSize];
        _in = new byte[bufferSize];
    }

    /// <summary>The first failure of a stream, if any.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Bytes written by the program so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Writes one byte; 0 on success, <see cref="Failed"/> after a failure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(int value)
    {
        _out[_outLength++] = (byte)value;
        BytesWritten++;
        return _outLength == _out.Length ? FlushBuffer() : 0;
    }

    /// <summary>Reads one byte (0..255), <see cref="EndOfInput"/>, or <see cref="Failed"/>. Flushes the output first.</summary>
    public int Read()
    {
        if (_inPosition < _inLength) return _in[_inPosition++];
        return Fill();
    }

    /// <summary>Writes out buffered output; 0 on success, <see cref="Failed"/> after a failure.</summary>
    public int Flush()
    {
        if (FlushBuffer() != 0) return Failed;
        try
        {
            _output.Flush();
            return 0;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
        {
            Error ??= e;
            return Failed;
        }
    }

    private int FlushBuffer()
    {
        if (Error is not null) return Failed;
        if (_outLength == 0) return 0;
        try
        {
            _output.Write(_out, 0, _outLength);
            _outLength = 0;
            return 0;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
        {
            Error ??= e;
            _outLength = 0;
            return Failed;
        }
    }

    private int Fill()
    {
        if (_eof) return EndOfInput;
        if (Flush() != 0) return Failed;
        try
        {
            _inLength = _input.Read(_in, 0, _in.Length);
            _inPosition = 0;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
        {
            Error ??= e;
            return Failed;
        }
        if (_inLength <= 0)
        {
            _eof = true;
            _inLength = 0;
            return EndOfInput;
        }
        return _in[_inPosition++];
    }
}

/// <summary>The host callbacks native code (the JIT's stencils, the AOT library) calls, with a <see cref="GCHandle"/> to a <see cref="BfIo"/> as context.</summary>
public static unsafe class NativeIo
{
    /// <summary><c>int write(nint ctx, int value)</c>: 0 on success.</summary>
    public static delegate* unmanaged<nint, int, int> WritePointer => &Write;

    /// <summary><c>int read(nint ctx)</c>: a byte, -1 at end of input, -2 on failure.</summary>
    public static delegate* unmanaged<nint, int> ReadPointer => &Read;

    [UnmanagedCallersOnly]
    private static int Write(nint ctx, int value)
    {
        try
        {
            return ((BfIo)GCHandle.FromIntPtr(ctx).Target!).Write(value);
        }
        catch (Exception)
        {
            return BfIo.Failed; // never let an exception reach native frames
        }
    }

    [UnmanagedCallersOnly]
    private static int Read(nint ctx)
    {
        try
        {
            return ((BfIo)GCHandle.FromIntPtr(ctx).Target!).Read();
        }
        catch (Exception)
        {
            return BfIo.Failed;
        }
    }
}
