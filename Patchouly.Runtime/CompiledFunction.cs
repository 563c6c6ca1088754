using System;
using System.Globalization;
using System.Runtime.InteropServices;
using Patchouly.Runtime.Disassembly;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Memory;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

/// <summary>
/// A JIT-compiled function in executable memory, made by <see cref="FunctionBuilder.Compile"/>. Call it with
/// <see cref="Invoke()"/> (0 to 6 word arguments, a word result), <see cref="Invoke{TResult}()"/> (the result as a
/// <c>double</c>, <c>float</c>, <c>int</c>…) or through <see cref="EntryPoint"/>.
/// </summary>
/// <remarks>
/// <para>The code is laid out as <c>[entry shim][body][trampolines]</c> (a module: each function's entry shim and body, then the shared trampolines). The entry shim is a C-ABI function
/// <c>uint64_t f(uint64_t a0, …, uint64_t a5)</c>: it allocates the spill frame on the machine stack, puts the
/// arguments into the library's registers 0..5 and calls the body.</para>
/// <para>Lifetime: <see cref="Dispose"/> unmaps the code, after which <see cref="Invoke()"/> and
/// <see cref="EntryPoint"/> throw <see cref="ObjectDisposedException"/>. <see cref="Invoke()"/> holds a reference on
/// the memory while the code runs, so a <see cref="Dispose"/> racing with it on another thread defers the unmapping
/// until the call returns. Calls made through a raw <see cref="EntryPoint"/> pointer have no such protection: the
/// caller must not dispose the function while another thread may be running it, and must keep the
/// <see cref="CompiledFunction"/> reachable (for example with <see cref="GC.KeepAlive"/>) until such calls return,
/// because an unreachable function's memory is unmapped by its finalizer.</para>
/// </remarks>
public sealed unsafe partial class CompiledFunction : IDisposable
{
    private readonly ExecutableMemory _memory;
    /// <summary>The managed engine's (empty) code; native code is in <see cref="_copy"/>.</summary>
    private readonly byte[] _image;
    private readonly CodeCopy? _copy;
    private readonly int _start;
    private readonly int _length;
    private readonly nint _address;
    private readonly FunctionMap _map;

    internal CompiledFunction(StencilLibrary library, ExecutableMemory memory, CodeCopy image, int start, int length,
        int parameterCount, int frameSlots, FunctionMap map, CompiledModule? module)
    {
        Library = library;
        _memory = memory;
        _image = [];
        _copy = image;
        _start = start;
        _length = length;
        _address = memory.Address + map.EntryOffset;
        _map = map;
        ParameterCount = parameterCount;
        FrameSlots = frameSlots;
        Module = module;
    }

    /// <summary>The stencil library the function was built from.</summary>
    public StencilLibrary Library { get; }

    /// <summary>The function's name (<see cref="FunctionBuilder.Name"/>, or a generated one).</summary>
    public string Name => _managed?.Program.Name ?? _map.Name;

    /// <summary>The module the function belongs to, or null for a function compiled on its own.</summary>
    /// <remarks>A function of a module keeps the module's memory (and its slot table) alive while it is referenced.</remarks>
    public CompiledModule? Module { get; }

    /// <summary>The number of arguments the function takes.</summary>
    public int ParameterCount { get; }

    /// <summary>The number of 8-byte spill-frame slots the entry shim allocates.</summary>
    public int FrameSlots { get; }

    /// <summary>
    /// The address of the entry shim, callable as
    /// <c>delegate* unmanaged&lt;long, long, long, long, long, long, long&gt;</c> (or with fewer word arguments).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The function (or its module) was disposed.</exception>
    public nint EntryPoint
    {
        get
        {
            if (_managed is not null) return ManagedEntryPoint;
            ObjectDisposedException.ThrowIf(_memory.IsDisposed, this);
            return _address;
        }
    }

    /// <summary>
    /// The machine code (a copy of what is in executable memory, made when first read and kept, so still readable after
    /// disposal once read before): the entry shim, the body and the trampolines. For a function of a module, its entry
    /// shim and body (the module's shared trampolines are in <see cref="CompiledModule.Code"/>).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The function (or its module) was disposed before its code was first read.</exception>
    public ReadOnlySpan<byte> Code => _copy is null ? _image : _copy.Bytes.AsSpan(_start, _length);

    /// <summary>Where the body (the first emitted stencil) starts within <see cref="Code"/>.</summary>
    public int BodyOffset => _managed is not null ? 0 : _map.BodyOffset - _start;

    /// <summary>True once the function (or its module) was disposed.</summary>
    public bool IsDisposed => _managed?.Lifetime.IsDisposed ?? _memory.IsDisposed;

    /// <summary>The number of trampolines to far host functions this function's calls use.</summary>
    internal int TrampolineCount => _map.Trampolines.Length;

    /// <summary>The memory holding the code.</summary>
    internal ExecutableMemory Memory => _memory;

    /// <summary>Where everything is.</summary>
    internal FunctionMap Map => _map;

    /// <summary>Runs the function with no arguments.</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes parameters.</exception>
    public long Invoke() => Call(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Runs the function with one argument (in register 0).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters.</exception>
    public long Invoke(long a0) => Call(1, a0, 0, 0, 0, 0, 0);

    /// <summary>Runs the function with two arguments (in registers 0 and 1).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters.</exception>
    public long Invoke(long a0, long a1) => Call(2, a0, a1, 0, 0, 0, 0);

    /// <summary>Runs the function with three arguments (in registers 0..2).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters.</exception>
    public long Invoke(long a0, long a1, long a2) => Call(3, a0, a1, a2, 0, 0, 0);

    /// <summary>Runs the function with four arguments (in registers 0..3).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters.</exception>
    public long Invoke(long a0, long a1, long a2, long a3) => Call(4, a0, a1, a2, a3, 0, 0);

    /// <summary>Runs the function with five arguments (in registers 0..4).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters.</exception>
    public long Invoke(long a0, long a1, long a2, long a3, long a4) => Call(5, a0, a1, a2, a3, a4, 0);

    /// <summary>Runs the function with six arguments (in registers 0..5).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters.</exception>
    public long Invoke(long a0, long a1, long a2, long a3, long a4, long a5) => Call(6, a0, a1, a2, a3, a4, a5);

    /// <summary>
    /// Runs the function with no arguments and returns its result as a <typeparamref name="TResult"/>:
    /// <c>f.Invoke&lt;double&gt;()</c> for a stencil returning <c>double</c>.
    /// </summary>
    /// <typeparam name="TResult">The type of the value the returning stencil returns: <c>double</c>, <c>float</c>,
    /// <c>int</c>, <c>bool</c>, an enum, a pointer… (any unmanaged type of at most 8 bytes). The result word is
    /// reinterpreted, never converted: a <c>double</c> arrives as its IEEE bits, a <c>float</c> in the low 32 bits, so
    /// <c>Invoke&lt;double&gt;()</c> is <c>BitConverter.Int64BitsToDouble(Invoke())</c>.</typeparam>
    /// <remarks>Arguments are words too: pass a <c>double</c> argument as <c>BitConverter.DoubleToInt64Bits(x)</c> (a
    /// <c>float</c> as <c>BitConverter.SingleToUInt32Bits(x)</c>).</remarks>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes parameters, or <typeparamref name="TResult"/> is larger
    /// than 8 bytes (checked before the code runs).</exception>
    public TResult Invoke<TResult>() where TResult : unmanaged => Result<TResult>(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Runs the function with one argument and returns its result as a <typeparamref name="TResult"/> (see <see cref="Invoke{TResult}()"/>).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters, or <typeparamref name="TResult"/> is larger than 8 bytes.</exception>
    public TResult Invoke<TResult>(long a0) where TResult : unmanaged => Result<TResult>(1, a0, 0, 0, 0, 0, 0);

    /// <summary>Runs the function with two arguments and returns its result as a <typeparamref name="TResult"/> (see <see cref="Invoke{TResult}()"/>).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters, or <typeparamref name="TResult"/> is larger than 8 bytes.</exception>
    public TResult Invoke<TResult>(long a0, long a1) where TResult : unmanaged => Result<TResult>(2, a0, a1, 0, 0, 0, 0);

    /// <summary>Runs the function with three arguments and returns its result as a <typeparamref name="TResult"/> (see <see cref="Invoke{TResult}()"/>).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters, or <typeparamref name="TResult"/> is larger than 8 bytes.</exception>
    public TResult Invoke<TResult>(long a0, long a1, long a2) where TResult : unmanaged => Result<TResult>(3, a0, a1, a2, 0, 0, 0);

    /// <summary>Runs the function with four arguments and returns its result as a <typeparamref name="TResult"/> (see <see cref="Invoke{TResult}()"/>).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters, or <typeparamref name="TResult"/> is larger than 8 bytes.</exception>
    public TResult Invoke<TResult>(long a0, long a1, long a2, long a3) where TResult : unmanaged => Result<TResult>(4, a0, a1, a2, a3, 0, 0);

    /// <summary>Runs the function with five arguments and returns its result as a <typeparamref name="TResult"/> (see <see cref="Invoke{TResult}()"/>).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters, or <typeparamref name="TResult"/> is larger than 8 bytes.</exception>
    public TResult Invoke<TResult>(long a0, long a1, long a2, long a3, long a4) where TResult : unmanaged => Result<TResult>(5, a0, a1, a2, a3, a4, 0);

    /// <summary>Runs the function with six arguments and returns its result as a <typeparamref name="TResult"/> (see <see cref="Invoke{TResult}()"/>).</summary>
    /// <exception cref="ObjectDisposedException">The function was disposed.</exception>
    /// <exception cref="ArgumentException">The function takes a different number of parameters, or <typeparamref name="TResult"/> is larger than 8 bytes.</exception>
    public TResult Invoke<TResult>(long a0, long a1, long a2, long a3, long a4, long a5) where TResult : unmanaged => Result<TResult>(6, a0, a1, a2, a3, a4, a5);

    /// <summary>
    /// The code as assembly: the entry shim, then each stencil under a line
    /// <c>; Name [inputs -> outputs] narrow|wide</c>, block labels (<c>B3:</c>), and the far jumps. x86-64 code is
    /// printed in Intel syntax; arm64 code one instruction word per line (<c>.inst 0x…</c>), with branches, moves of
    /// immediates and the runtime's own instructions decoded in a comment.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The function was disposed before it was first disassembled (or its
    /// <see cref="Code"/> read).</exception>
    /// <exception cref="InvalidOperationException">The function's module was compiled with
    /// <see cref="JitModule.KeepStencilMaps"/> false.</exception>
    public string Disassemble() => _managed is not null ? _managed.Program.Describe() : FunctionDisassembler.Disassemble(_copy!.Bytes, (ulong)(_address - _map.EntryOffset), _map);

    /// <summary>
    /// Unmaps the code (or keeps the memory, no longer executable, for reuse) and returns the stencil map's storage to
    /// the pool. Safe to call more than once. For a function of a module, this does nothing: the module owns the
    /// memory, and <see cref="CompiledModule.Dispose"/> unmaps every function at once.
    /// </summary>
    public void Dispose()
    {
        if (Module is not null) return;
        if (DisposeManaged()) return;
        _memory.Dispose();
        _map.ReleaseLog();
    }

    /// <inheritdoc />
    public override string ToString() => _managed is not null ? ManagedDescription :
        string.Create(CultureInfo.InvariantCulture, $"{Library.Name} function {Name} at 0x{_address:x} ({_length} bytes, {ParameterCount} parameters, {FrameSlots} stack slots)");

    /// <summary>Calls the function and reinterprets the low bytes of the result word as a <typeparamref name="TResult"/>.</summary>
    private TResult Result<TResult>(int count, long a0, long a1, long a2, long a3, long a4, long a5) where TResult : unmanaged
    {
        if (sizeof(TResult) > sizeof(long))
            throw new ArgumentException(
                $"Invoke<{typeof(TResult).Name}>: {typeof(TResult).Name} is {sizeof(TResult)} bytes, but a compiled function returns one 8-byte word.", nameof(TResult));
        long word = Call(count, a0, a1, a2, a3, a4, a5);
        return *(TResult*)&word; // little-endian: the low bytes of the word
    }

    private long Call(int count, long a0, long a1, long a2, long a3, long a4, long a5)
    {
        if (_managed is null) ObjectDisposedException.ThrowIf(_memory.IsDisposed, this);
        else ObjectDisposedException.ThrowIf(_managed.Lifetime.IsDisposed, this);
        if (count != ParameterCount)
            throw new ArgumentException(
                $"The function takes {ParameterCount} argument{(ParameterCount == 1 ? "" : "s")}, but Invoke was given {count}.");
        if (_managed is not null) return _managed.Call(a0, a1, a2, a3, a4, a5);
        SafeHandle handle = _memory.Handle;
        bool referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced); // throws ObjectDisposedException if disposed meanwhile
            var entry = (delegate* unmanaged<long, long, long, long, long, long, long>)_address;
            return entry(a0, a1, a2, a3, a4, a5);
        }
        finally
        {
            if (referenced) handle.DangerousRelease();
        }
    }
}
