using System;
using Patchouly.Runtime.Linking;
using Patchouly.Runtime.Memory;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets.X64;

namespace Patchouly.Runtime.Targets;

/// <summary>
/// Unwind information for linked code, where the system's unwinder needs it to walk the stack through JIT code: on
/// Windows x64, one shared <c>UNWIND_INFO</c> record describing the entry shim (<see cref="X64WindowsUnwind"/>) and one
/// <c>RUNTIME_FUNCTION</c> per function (entry shim to end of body), placed after the code in the same mapping and
/// registered once it is executable. Linux and macOS need nothing: their unwinders are not asked to walk JIT frames by
/// .NET, and the code carries no DWARF CFI.
/// </summary>
internal sealed class UnwindTables
{
    private readonly byte[] _record;
    private readonly int _functions;

    private UnwindTables(byte[] record, int functions)
    {
        _record = record;
        _functions = functions;
    }

    /// <summary>The bytes the tables take after the code.</summary>
    public int Size => _record.Length + _functions * X64WindowsUnwind.RuntimeFunctionSize;

    /// <summary>The tables <paramref name="functions"/> functions of <paramref name="library"/> need in this process, or null when none are needed.</summary>
    /// <exception cref="StencilTablesException">The entry shim's prologue cannot be described to the unwinder.</exception>
    public static UnwindTables? For(StencilLibrary library, int functions)
    {
        if (!OperatingSystem.IsWindows() || library.Architecture != TargetArchitecture.X64) return null;
        var entry = library.CodeOf(library.Variants[library.EntryFamily.FirstVariant]);
        try
        {
            return new UnwindTables(X64WindowsUnwind.Describe(entry), functions);
        }
        catch (FormatException e)
        {
            throw new StencilTablesException(
                $"The entry shim of {library.Name} cannot be described to the Windows unwinder: {e.Message}. Rebuild the library with this version of Patchouly.", e);
        }
    }

    /// <summary>The offset of the tables after an image of <paramref name="codeSize"/> bytes (4-byte aligned, as records must be).</summary>
    public static long OffsetAfter(long codeSize) => (codeSize + 3) & ~3L;

    /// <summary>Writes the record and the function entries at <paramref name="offset"/> of <paramref name="image"/>.</summary>
    public void Write(Span<byte> image, int offset, FunctionMap[] maps)
    {
        _record.CopyTo(image[offset..]);
        int table = offset + _record.Length;
        for (int i = 0; i < maps.Length; i++)
            X64WindowsUnwind.WriteRuntimeFunction(image.Slice(table + i * X64WindowsUnwind.RuntimeFunctionSize, X64WindowsUnwind.RuntimeFunctionSize),
                maps[i].EntryOffset, maps[i].BodyOffset + maps[i].BodyLength, offset);
    }

    /// <summary>Registers the entries written at <paramref name="offset"/> of the executable <paramref name="memory"/>; removed when it is released.</summary>
    /// <exception cref="ExecutableMemoryException">The system refused them.</exception>
    public void Register(ExecutableMemory memory, int offset)
    {
        nint start = memory.Address;
        var registration = WindowsFunctionTable.Register(start + offset + _record.Length, _functions, start, start + memory.MappedSize);
        if (registration is not null) memory.SetUnwindRegistration(registration);
    }
}
