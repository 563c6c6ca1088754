using System;
using System.Runtime.InteropServices;

namespace Patchouly.Runtime.Memory;

/// <summary>
/// Owns one anonymous mapping and unmaps it when released (or hands it to the <see cref="MappingPool"/>). Being a <see cref="SafeHandle"/>, it is reference-counted:
/// code running inside the mapping can hold a reference (<see cref="SafeHandle.DangerousAddRef"/>) so that a
/// concurrent dispose defers the <c>munmap</c> (<c>VirtualFree</c>) until the code has returned.
/// </summary>
internal sealed unsafe class MappingHandle : SafeHandle
{
    public MappingHandle(nint address, nuint length, nuint written, long fileOffset = -1) : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
        Written = written;
        FileOffset = fileOffset;
    }

    /// <summary>Where the mapping lies in the <see cref="CodeFile"/>, or -1 for anonymous memory.</summary>
    public long FileOffset { get; }

    /// <summary>
    /// How many bytes from the start may have been written (zeroed when the pool hands the mapping out again); 0 for a
    /// mapping placed near an address hint, which is unmapped, not pooled (its address was chosen for a reason).
    /// </summary>
    public nuint Written { get; }

    private SafeHandle? _dependent;
    private IDisposable? _unwind;
    private int _codeEntry = -1;

    /// <summary>The mapped length in bytes (a multiple of the page size).</summary>
    public nuint Length { get; }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0 || handle == -1;

    /// <summary>
    /// Keeps <paramref name="dependent"/> (memory the code reads, such as a module's slot table) from being released
    /// until this mapping is: takes a reference on it, released after the <c>munmap</c>. At most one.
    /// </summary>
    public void AddDependent(SafeHandle dependent)
    {
        if (_dependent is not null) throw new InvalidOperationException("The mapping already has a dependent handle.");
        bool added = false;
        dependent.DangerousAddRef(ref added);
        if (added) _dependent = dependent;
    }

    /// <summary>The code's registered unwind information, removed before the memory is released. At most one.</summary>
    public void SetUnwindRegistration(IDisposable registration)
    {
        if (_unwind is not null) throw new InvalidOperationException("The mapping already has unwind information.");
        _unwind = registration;
    }

    /// <summary>
    /// Records the mapping as JIT code for the fault handler (<see cref="GuardedRegions"/>), once it is executable; the
    /// record is removed before the memory is released.
    /// </summary>
    public void RegisterCode()
    {
        if (_codeEntry < 0 && GuardedRegions.IsSupported) _codeEntry = Faults.FaultState.AddCode(handle, Length);
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        if (_codeEntry >= 0) Faults.FaultState.RemoveCode(_codeEntry);
        _unwind?.Dispose();
        bool unmapped = OperatingSystem.IsWindows() ? WindowsMemory.Unmap(handle, Length)
            : OperatingSystem.IsMacOS() ? MacMemory.Unmap(handle, Length)
            : FileOffset >= 0 ? CodeFile.Release(handle, Length, FileOffset, Written)
            : LinuxMemory.Release(handle, Length, Written);
        _dependent?.DangerousRelease();
        return unmapped;
    }
}
