using System;
using System.Collections.Generic;
using System.Linq;
using Patchouly.Runtime.Tests.Stencils;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

/// <summary>W^X, lifetime and errors of executable memory.</summary>
[Collection(nameof(ProcessWideCollection))]
public unsafe class ExecutableMemoryTests
{
    [Fact]
    public void CompiledCodeIsNeverWritableAndExecutable()
    {
        var stages = new List<(string Stage, string Permissions)>();
        bool file = false;
        ExecutableMemory.StageObserver = (memory, stage) =>
        {
            file = memory.IsFileBacked;
            foreach (var p in MemoryMaps.Permissions(memory.Address, memory.MappedSize))
                stages.Add((stage, p));
        };
        CompiledFunction f;
        try
        {
            f = Compile(e =>
            {
                e.Const(8, S(1));
                e.Return(S(1));
            });
        }
        finally
        {
            ExecutableMemory.StageObserver = null;
        }
        using (f)
        {
            Assert.Equal(["mapped", "written", "executable"], stages.Select(s => s.Stage).Distinct());
            Assert.All(stages, s => Assert.False(MemoryMaps.IsWritableAndExecutable(s.Permissions), $"{s.Stage}: {s.Permissions}"));
            // The code file's regions are never writable: read-execute from the start, the code staged elsewhere.
            Assert.Equal(CodeFileExpected, file);
            Assert.All(stages.Where(s => s.Stage != "executable"), s => Assert.Equal(file ? "r-xs" : "rw-p", s.Permissions));
            Assert.All(stages.Where(s => s.Stage == "executable"), s => Assert.Equal(file ? "r-xs" : "r-xp", s.Permissions));
            Assert.Equal([file ? "r-xs" : "r-xp"], MemoryMaps.Permissions(f.EntryPoint, f.Code.Length).Distinct());
            Assert.Equal(8, f.Invoke());
        }
    }

    [Fact]
    public void NothingIsMappedWhenCompileFails()
    {
        int mapped = 0;
        ExecutableMemory.StageObserver = (_, _) => mapped++;
        try
        {
            var b = Builder();
            new TestEmitter(b).Const(1, R0); // runs off the end
            Assert.Throws<FunctionCompileException>(() => b.Compile());
        }
        finally
        {
            ExecutableMemory.StageObserver = null;
        }
        Assert.Equal(0, mapped);
    }

    [Fact]
    public void AllocateWriteProtectRunDispose()
    {
        var memory = ExecutableMemory.Allocate(NativeCode.Double.Length);
        bool file = memory.IsFileBacked;
        Assert.Equal(CodeFileExpected, file);
        Assert.Equal(NativeCode.Double.Length, memory.Size);
        Assert.Equal(Environment.SystemPageSize, memory.MappedSize);
        Assert.False(memory.IsExecutable);
        NativeCode.Double.AsSpan().CopyTo(memory.Writable);
        Assert.Equal([file ? "r-xs" : "rw-p"], MemoryMaps.Permissions(memory.Address, memory.MappedSize).Distinct());
        if (file) // staged: the mapping shows the code only once it is made executable
            Assert.False(new ReadOnlySpan<byte>((void*)memory.Address, NativeCode.Double.Length).SequenceEqual(NativeCode.Double));
        memory.MakeExecutable();
        memory.MakeExecutable(); // once is enough; again is harmless
        Assert.True(memory.IsExecutable);
        Assert.Equal([file ? "r-xs" : "r-xp"], MemoryMaps.Permissions(memory.Address, memory.MappedSize).Distinct());
        Assert.Equal(NativeCode.Double, new ReadOnlySpan<byte>((void*)memory.Address, NativeCode.Double.Length).ToArray());
        Assert.Throws<InvalidOperationException>(() => memory.Writable.Length);
        Assert.Equal(NativeCode.Double, memory.Contents.ToArray());
        Assert.Equal(84, ((delegate* unmanaged<long, long>)memory.Address)(42));

        nint address = memory.Address;
        memory.Dispose();
        memory.Dispose();
        Assert.True(memory.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => memory.Address);
        Assert.Throws<ObjectDisposedException>(() => memory.Contents.Length);
        Assert.Throws<ObjectDisposedException>(() => memory.MakeExecutable());
        Assert.DoesNotContain("r-xp", MemoryMaps.Permissions(address, 1));
        if (file) Assert.True(MemoryMaps.HoldsOnlyTraps(address, NativeCode.Double.Length)); // kept for reuse, the code gone
    }

    /// <summary>Linux x86-64 puts code of up to 1 MiB into the code file; elsewhere (and for larger code) memory is anonymous.</summary>
    private static bool CodeFileExpected =>
        OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
        && Environment.GetEnvironmentVariable("PATCHOULY_CODE_FILE") != "0";

    [Fact]
    public void CodeFileRegionsAreFilledWithTrapsWhenFreedAndReused()
    {
        Assert.Equal(CodeFileExpected, Memory.CodeFile.IsEnabled);
        // A size class no other test uses (7 pages), so the pool hands back this very region.
        int size = 7 * 4096 - 100;
        var first = ExecutableMemory.Allocate(size);
        Assert.Equal(CodeFileExpected, first.IsFileBacked);
        first.Writable.Fill(0x90); // nop
        first.Writable[^1] = 0xC3; // ret
        first.MakeExecutable();
        nint address = first.Address;
        int live = Memory.CodeFile.LiveRegions;
        first.Dispose();
        if (!first.IsFileBacked)
        {
            Assert.Equal(0, live);
            return; // anonymous memory: FreedMemoryIsKeptReadWriteAndReusedZeroedPastTheNewSize covers its reuse
        }
        Assert.Equal(live - 1, Memory.CodeFile.LiveRegions);
        Assert.Contains(address, Memory.CodeFile.PooledAddresses());
        Assert.Equal(["r-xs"], MemoryMaps.Permissions(address, 7 * 4096).Distinct()); // still mapped, never writable
        Assert.True(MemoryMaps.HoldsOnlyTraps(address, size)); // freed code does not run: int3

        var second = ExecutableMemory.Allocate(size - 1000);
        try
        {
            Assert.Equal(address, second.Address);
            Assert.DoesNotContain(address, Memory.CodeFile.PooledAddresses());
            byte[] returns42 = [0xB8, 42, 0, 0, 0, 0xC3]; // mov eax, 42; ret
            returns42.CopyTo(second.Writable);
            second.MakeExecutable();
            Assert.Equal(42, ((delegate* unmanaged<int>)second.Address)());
            Assert.Equal(["r-xs"], MemoryMaps.Permissions(address, 7 * 4096).Distinct());
        }
        finally
        {
            second.Dispose();
        }
    }

    [Fact]
    public void LargeCodeIsNotPutInTheCodeFile()
    {
        var memory = ExecutableMemory.Allocate(Memory.CodeFile.MaxLength + 1);
        try
        {
            Assert.False(memory.IsFileBacked);
            Assert.Equal(["rw-p"], MemoryMaps.Permissions(memory.Address, memory.MappedSize).Distinct());
        }
        finally
        {
            memory.Dispose();
        }
    }

    [Fact]
    public void SizeMustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExecutableMemory.Allocate(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExecutableMemory.Allocate(-5));
    }

    [Fact]
    public void SystemCallErrorsCarryErrno()
    {
        var e = new ExecutableMemoryException("mmap", 12, "mapping 4096 bytes read-write");
        Assert.Equal(12, e.Errno);
        Assert.Equal("mmap", e.Operation);
        Assert.Contains("errno 12", e.Message);
        Assert.Contains("mapping 4096 bytes", e.Message);
        Assert.Contains("memory", e.Message, StringComparison.OrdinalIgnoreCase); // strerror(ENOMEM)
    }

    [Fact]
    public void InvokeAfterDisposeThrows()
    {
        var f = Compile(e => e.ReturnConst(3));
        Assert.Equal(3, f.Invoke());
        nint entry = f.EntryPoint;
        f.Dispose();
        f.Dispose();
        Assert.True(f.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => f.Invoke());
        Assert.Throws<ObjectDisposedException>(() => f.EntryPoint);
        Assert.Throws<ObjectDisposedException>(() => f.Code.Length); // never read before disposal: no copy was made
        Assert.Throws<ObjectDisposedException>(() => f.Disassemble()); // the stencil map's storage went back to the pool
        Assert.DoesNotContain("r-xp", MemoryMaps.Permissions(entry, 1));
    }

    [Fact]
    public void CodeReadBeforeDisposeStaysReadable()
    {
        var f = Compile(e => e.ReturnConst(3));
        var code = f.Code.ToArray(); // the first read makes the copy
        f.Dispose();
        Assert.Equal(code, f.Code.ToArray());
    }

    [Fact]
    public void DisassemblyBeforeDisposeStaysAvailable()
    {
        var f = Compile(e => e.ReturnConst(3));
        string listing = f.Disassemble();
        f.Dispose();
        Assert.Contains("ReturnConst", listing);
        Assert.Equal(listing, f.Disassemble()); // decoded before the dispose
    }

    [Fact]
    public void FreedMemoryIsKeptReadWriteAndReusedZeroedPastTheNewSize()
    {
        // A size class no other test uses (2.5 to 3 MiB), so the pool hands back this very mapping.
        var first = ExecutableMemory.Allocate(2_700_000);
        Assert.Equal(3 << 20, first.MappedSize);
        first.Writable.Fill(0xCC);
        first.MakeExecutable();
        nint address = first.Address;
        first.Dispose();
        var permissions = MemoryMaps.Permissions(address, 3 << 20).Distinct().ToList();
        Assert.Equal(["rw-p"], permissions); // kept, but no longer executable (and never both)

        var second = ExecutableMemory.Allocate(2_650_000);
        try
        {
            Assert.Equal(address, second.Address);
            Assert.Equal(3 << 20, second.MappedSize);
            Assert.All(MemoryMaps.Permissions(address, 3 << 20), p => Assert.False(MemoryMaps.IsWritableAndExecutable(p)));
            // Bytes the first user wrote past the second's size are zeroed; the second overwrites the rest itself.
            Assert.True(new ReadOnlySpan<byte>((void*)(address + 2_650_000), 50_000).IndexOfAnyExcept((byte)0) < 0);
            Assert.True(new ReadOnlySpan<byte>((void*)(address + 2_700_000), (3 << 20) - 2_700_000).IndexOfAnyExcept((byte)0) < 0);
        }
        finally
        {
            second.Dispose();
        }
    }

    [Fact]
    public void LargeMappingsAreHugePageAlignedAndRunCode()
    {
        // From 2 MiB on (and 1 to 2 MiB, rounded up to 2 MiB), a mapping starts at a huge-page boundary.
        var memory = ExecutableMemory.Allocate(1_500_000);
        try
        {
            Assert.Equal(2 << 20, memory.MappedSize);
            Assert.Equal(0, memory.Address & ((2 << 20) - 1));
            var code = memory.Writable;
            code.Fill(0xCC);
            byte[] returns42 = [0xB8, 42, 0, 0, 0, 0xC3]; // mov eax, 42; ret
            returns42.CopyTo(code[1_400_000..]);
            Assert.Equal(["rw-p"], MemoryMaps.Permissions(memory.Address, memory.MappedSize).Distinct());
            memory.MakeExecutable();
            Assert.Equal(["r-xp"], MemoryMaps.Permissions(memory.Address, memory.MappedSize).Distinct());
            if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
                Assert.Equal(42, ((delegate* unmanaged<int>)(memory.Address + 1_400_000))());
        }
        finally
        {
            memory.Dispose();
        }
    }

    [Theory]
    [InlineData(1, 4096)]
    [InlineData(4096 * 4, 4096 * 4)]          // up to 4 pages: exact
    [InlineData(4096 * 4 + 1, 4096 * 40)]     // from 5 pages: at least 34 (the TLB is flushed at once), in the 160 KiB class
    [InlineData(65_648, 4096 * 40)]
    [InlineData(4096 * 41, 4096 * 48)]         // above 64 KiB: eighths of the next power of two
    [InlineData(1_048_000, 1_048_576)]         // (1 MiB)
    [InlineData(1_048_656, 2 << 20)]           // above 1 MiB up to 2 MiB: one huge page
    [InlineData(2_700_000, 3 << 20)]
    public void MappingLengthsAreRoundedToSizeClasses(int size, int length) =>
        Assert.Equal((nuint)length, Memory.MappingPool.RoundUp((nuint)size, 4096));
}
