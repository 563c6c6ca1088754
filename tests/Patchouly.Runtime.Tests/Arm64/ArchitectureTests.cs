using System.Runtime.InteropServices;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Targets;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.Runtime.Tests.Arm64;

/// <summary>A library of another instruction set than the process's can be emitted and disassembled, never run.</summary>
[Collection(nameof(TargetTestsCollection))]
public class ArchitectureTests
{
    /// <summary>The hand-made library whose code this process cannot run (arm64 on x86-64, x86-64 on arm64).</summary>
    private static StencilLibrary Foreign =>
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? TestStencils.Library : Arm64TestStencils.Library;

    [Fact]
    public void CompilingForeignCodeThrowsAndLeavesTheBuilderUsable()
    {
        var library = Foreign;
        var b = new FunctionBuilder(library, 1);
        b.Emit(library.GetFamily("Add"), [Location.Register(0), Location.Register(0)], [Location.Register(1)]);
        b.Emit(library.GetFamily("Return"), [Location.Register(1)], default);
        int mapped = 0;
        ExecutableMemory.StageObserver = (_, _) => mapped++;
        try
        {
            var e = Assert.Throws<ArchitectureMismatchException>(() => b.Compile());
            Assert.Equal(library.Architecture, e.LibraryArchitecture);
            Assert.Equal(RuntimeInformation.ProcessArchitecture, e.ProcessArchitecture);
            Assert.Contains(library.Architecture.ToString(), e.Message);
            Assert.Contains(RuntimeInformation.ProcessArchitecture.ToString(), e.Message);
            Assert.IsAssignableFrom<System.PlatformNotSupportedException>(e);
        }
        finally
        {
            ExecutableMemory.StageObserver = null;
        }
        Assert.Equal(0, mapped);
        Assert.False(b.IsCompiled);
        Assert.Contains("; Add [r0, r0 -> r1] narrow", b.Disassemble());
    }

    [Fact]
    public void CompilingAForeignModuleThrows()
    {
        var module = new JitModule(Foreign);
        var f = module.DefineFunction(1);
        f.Emit(Foreign.GetFamily("Return"), [Location.Register(0)], default);
        Assert.Throws<ArchitectureMismatchException>(() => module.Compile());
        Assert.False(module.IsCompiled);
    }

    [Fact]
    public void CodeOfTheSameInstructionSetForAnotherSystemIsNotRun()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            // On macOS, code for linux-arm64 (which may use x18, the platform's register) is refused; on Linux, code for
            // osx-arm64 (x18 reserved, AAPCS64 otherwise) runs.
            if (TableTarget.ProcessRuntimeIdentifier == TableTarget.OsxArm64.RuntimeIdentifier)
            {
                AssertMismatch(Arm64TestStencils.Create("ForeignSystem", triple: TableTarget.LinuxArm64.Triple), TableTarget.LinuxArm64);
                return;
            }
            var library = Arm64TestStencils.Create("OtherSystem", triple: TableTarget.OsxArm64.Triple);
            var builder = new FunctionBuilder(library, 1);
            builder.Emit(library.GetFamily("Return"), [Location.Register(0)], default);
            using (var f = builder.Compile()) Assert.Equal(41L, f.Invoke(41));
            return;
        }
        var foreign = System.OperatingSystem.IsWindows() ? TableTarget.LinuxX64 : TableTarget.WinX64;
        AssertMismatch(TestStencils.Create("ForeignSystem", triple: foreign.Triple), foreign);
    }

    private static void AssertMismatch(StencilLibrary library, TableTarget target)
    {
        var b = new FunctionBuilder(library, 1);
        b.Emit(library.GetFamily("Return"), [Location.Register(0)], default);
        int mapped = 0;
        ExecutableMemory.StageObserver = (_, _) => mapped++;
        try
        {
            var e = Assert.Throws<TargetMismatchException>(() => b.Compile());
            Assert.Equal(target.RuntimeIdentifier, e.LibraryTarget);
            Assert.Equal(TableTarget.ProcessRuntimeIdentifier, e.ProcessTarget);
            Assert.Contains("calling conventions differ", e.Message);
            var module = new JitModule(library);
            module.DefineFunction(1).Emit(library.GetFamily("Return"), [Location.Register(0)], default);
            Assert.Throws<TargetMismatchException>(() => module.Compile());
        }
        finally
        {
            ExecutableMemory.StageObserver = null;
        }
        Assert.Equal(0, mapped);
        Assert.Contains("; Return [r0] narrow", b.Disassemble());
    }

    [Fact]
    public void TheProcessArchitectureIsKnown()
    {
        Assert.Equal(RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? TargetArchitecture.Arm64 : TargetArchitecture.X64,
            ProcessTarget.Architecture);
        Assert.NotEqual(ProcessTarget.Architecture, Foreign.Architecture);
    }
}
