using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// A managed copy of the first <see cref="Length"/> bytes of executable memory, made on first use (<see cref="Bytes"/>)
/// and kept, so that it stays readable after the memory is unmapped. Made only for memory that is already executable.
/// </summary>
/// <remarks>
/// Copying every compiled function's code eagerly cost more than the rest of compiling: a fresh large array takes a
/// page fault per page (about 4 ms for 1 MiB on the development VM) and its allocations trigger full collections.
/// Most code is never read back, so the copy waits until someone reads it.
/// </remarks>
internal sealed unsafe class CodeCopy(ExecutableMemory memory, int length)
{
    private byte[]? _bytes;

    /// <summary>How many bytes are copied.</summary>
    public int Length { get; } = length;

    /// <summary>The copy, made now if it was not yet.</summary>
    /// <exception cref="ObjectDisposedException">The memory was disposed before the code was first read.</exception>
    public byte[] Bytes => _bytes ?? Copy();

    private byte[] Copy()
    {
        lock (this)
        {
            if (_bytes is not null) return _bytes;
            SafeHandle handle = memory.Handle;
            bool referenced = false;
            try
            {
                // Holding a reference keeps a concurrent Dispose from unmapping the memory while it is copied.
                if (!memory.IsDisposed) handle.DangerousAddRef(ref referenced);
            }
            catch (ObjectDisposedException)
            {
            }
            if (!referenced)
                throw new ObjectDisposedException(nameof(CompiledFunction),
                    "The code was disposed before it was first read; read Code (or Disassemble) before disposing to keep a copy.");
            try
            {
                var bytes = GC.AllocateUninitializedArray<byte>(Length);
                // The memory is executable (readable); read through the handle, which a racing Dispose has marked disposed.
                new ReadOnlySpan<byte>((void*)handle.DangerousGetHandle(), Length).CopyTo(bytes);
                return _bytes = bytes;
            }
            finally
            {
                handle.DangerousRelease();
            }
        }
    }
}
