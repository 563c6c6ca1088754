using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Owns one anonymous mapping and unmaps it when released. Being a <see cref="SafeHandle"/>, it is reference-counted:
/// code running inside the mapping can hold a reference (<see cref="SafeHandle.DangerousAddRef"/>) so that a
/// concurrent dispose defers the <c>munmap</c> until the code has returned.
/// </summary>
internal sealed unsafe class MappingHandle : SafeHandle
{
    public MappingHandle(nint address, nuint length) : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>The mapped length in bytes (a multiple of the page size).</summary>
    public nuint Length { get; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0 || handle == -1;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => LibC.Munmap((void*)handle, Length, out _) == 0;
}
