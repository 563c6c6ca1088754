using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using Patchouly.Runtime.Internal;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Memory;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime;

/// <summary>
/// The functions of a <see cref="JitModule"/>, compiled into one executable allocation; made by
/// <see cref="JitModule.Compile"/>. Each function is a <see cref="CompiledFunction"/> (invoke it, take its entry
/// point, disassemble it).
/// </summary>
/// <remarks>
/// <see cref="Dispose"/> unmaps the code of every function and frees the slot table (deferred while an
/// <see cref="CompiledFunction.Invoke()"/> is running). A function stays valid while the module is referenced, and a
/// referenced function also keeps the module's memory alive; raw <see cref="CompiledFunction.EntryPoint"/> callers must
/// keep the module reachable and undisposed until their calls return.
/// </remarks>
public sealed partial class CompiledModule : IDisposable
{
    private readonly ExecutableMemory _memory;
    /// <summary>The managed engine's (empty) code; native code is in <see cref="_copy"/>.</summary>
    private readonly byte[] _image;
    private readonly CodeCopy? _copy;
    private readonly SlotTable _slots;
    private readonly CompiledFunction[] _functions;
    private readonly int _trampolineOffset;

    internal CompiledModule(StencilLibrary library, LinkResult linked, SlotTable slots, FunctionBuilder[] builders)
    {
        Library = library;
        _memory = linked.Memory;
        _image = [];
        _copy = linked.Image;
        _slots = slots;
        _trampolineOffset = linked.TrampolineOffset;
        TrampolineCount = linked.TrampolineCount;
        _functions = new CompiledFunction[builders.Length];
        for (int i = 0; i < builders.Length; i++)
        {
            var map = linked.Maps[i];
            int end = map.BodyOffset + map.BodyLength;
            _functions[i] = new CompiledFunction(library, _memory, _copy, map.EntryOffset, end - map.EntryOffset,
                builders[i].ParameterCount, builders[i].FrameSlots, map, this);
        }
        Functions = new ReadOnlyCollection<CompiledFunction>(_functions);
    }

    /// <summary>The stencil library of the module.</summary>
    public StencilLibrary Library { get; }

    /// <summary>The functions, in definition order.</summary>
    public IReadOnlyList<CompiledFunction> Functions { get; }

    /// <summary>Function number <paramref name="index"/> (in definition order).</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public CompiledFunction this[int index] => _functions[index];

    /// <summary>The compiled form of <paramref name="function"/>, a builder this module's <see cref="JitModule"/> defined.</summary>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a function of this module.</exception>
    public CompiledFunction GetFunction(FunctionBuilder function)
    {
        ArgumentNullException.ThrowIfNull(function);
        // The builders are not kept (their module's slot table identifies them), so a module does not hold them alive.
        int index = function.ModuleIndex;
        if (function.Module is not { } source || !ReferenceEquals(source.Slots, _slots) || (uint)index >= (uint)_functions.Length)
            throw new ArgumentException($"Function {function.DisplayName} is not a function of this module.", nameof(function));
        return _functions[index];
    }

    /// <summary>The function named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No function has that name.</exception>
    public CompiledFunction GetFunction(string name)
    {
        foreach (var f in _functions)
            if (string.Equals(f.Name, name, StringComparison.Ordinal)) return f;
        throw new KeyNotFoundException($"The module has no function named '{name}'.");
    }

    /// <summary>The address of the module's code (the first function's entry shim).</summary>
    /// <exception cref="ObjectDisposedException">The module was disposed.</exception>
    public nint Address => _managed is not null ? 0 : _memory.Address;

    /// <summary>All the module's machine code (a copy, made when first read and kept, so still readable after disposal once read before).</summary>
    /// <exception cref="ObjectDisposedException">The module was disposed before its code was first read.</exception>
    public ReadOnlySpan<byte> Code => _copy is null ? _image : _copy.Bytes;

    /// <summary>The number of trampolines to far host functions, shared by all functions.</summary>
    public int TrampolineCount { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _managed?.IsDisposed ?? _memory.IsDisposed;

    /// <summary>The address of function <paramref name="index"/>'s slot (which holds its entry point).</summary>
    internal nint SlotAddress(int index) => _slots.AddressOf(index);

    internal ReadOnlySpan<CompiledFunction> FunctionArray => _functions;

    /// <summary>Every function's disassembly (see <see cref="CompiledFunction.Disassemble"/>), each under <c>; function name</c>.</summary>
    /// <exception cref="InvalidOperationException">The module was compiled with <see cref="JitModule.KeepStencilMaps"/> false.</exception>
    public string Disassemble()
    {
        var sb = new StringBuilder();
        foreach (var f in _functions)
            sb.Append("; function ").Append(f.Name).Append('\n').Append(f.Disassemble()).Append('\n');
        return sb.ToString();
    }

    /// <summary>Unmaps the code and frees the slot table. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (_managed is not null)
        {
            _managed.Dispose(); // frees the slot table once no call runs
            return;
        }
        _memory.Dispose();
        _slots.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Library.Name} module of {_functions.Length} functions ({_copy?.Length ?? 0} bytes, trampolines at 0x{_trampolineOffset:x})");
}
