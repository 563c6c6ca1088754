using System;
using System.Linq;
using System.Runtime.InteropServices;
using Patchouly.Runtime;
using Patchouly.Runtime.Tables;

namespace Patchouly.CrossTarget.Tests;

/// <summary>Loading a library's tables for a chosen target (<see cref="StencilTables.LoadEmbedded(StencilLibrary, TableTarget)"/>).</summary>
public class TableTargetTests
{
    [Fact]
    public void The_own_target_is_the_library_itself()
    {
        var own = TableTarget.FromRuntimeIdentifier(TableTarget.ProcessRuntimeIdentifier)!;
        Assert.Same(DiffStencils.Library, StencilTables.LoadEmbedded(DiffStencils.Library, own));
    }

    [Fact]
    public void Another_architecture_is_refused()
    {
        var foreign = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? TableTarget.LinuxX64 : TableTarget.LinuxArm64;
        var e = Assert.Throws<ArchitectureMismatchException>(() => StencilTables.LoadEmbedded(CalcStencilsLibrary, foreign));
        Assert.Equal(foreign.Architecture, e.LibraryArchitecture);
        Assert.Equal(RuntimeInformation.ProcessArchitecture, e.ProcessArchitecture);
    }

    private static StencilLibrary CalcStencilsLibrary => Patchouly.Samples.Calc.CalcStencils.Library;

    [Fact]
    public void Every_runnable_target_loads_with_its_own_triple_and_the_same_families()
    {
        Assert.Equal(TableTarget.ProcessRuntimeIdentifier, RunnableTables.RuntimeIdentifiers[0]);
        if (TableTarget.ProcessRuntimeIdentifier == "linux-arm64")
            Assert.Equal(["linux-arm64", "osx-arm64"], RunnableTables.RuntimeIdentifiers);
        foreach (var rid in RunnableTables.RuntimeIdentifiers)
        {
            var library = RunnableTables.Of(DiffStencils.Library, rid);
            Assert.Equal(TableTarget.FromRuntimeIdentifier(rid)!.Triple, library.Target);
            Assert.Equal(DiffStencils.Library.ModelHash, library.ModelHash);
            Assert.Equal(DiffStencils.Library.Families.Select(f => f.Name), library.Families.Select(f => f.Name));
            // The generated emitter accepts a builder of the library's tables for any target.
            var builder = new FunctionBuilder(library);
            new DiffStencils.Emitter(builder).Const(42, Location.Register(0));
            new DiffStencils.Emitter(builder).Return(Location.Register(0));
            using var f = builder.Compile();
            Assert.Equal(42, f.Invoke());
        }
    }

    [Fact]
    public void Tables_of_another_calling_convention_are_refused()
    {
        // win-x64 code follows the Windows x64 C calling convention; linux-x64 and osx-arm64 the others.
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Assert.Throws<ArchitectureMismatchException>(() => StencilTables.LoadEmbedded(DiffStencils.Library, TableTarget.WinX64));
        else if (!OperatingSystem.IsWindows())
        {
            var e = Assert.Throws<PlatformNotSupportedException>(() => StencilTables.LoadEmbedded(DiffStencils.Library, TableTarget.WinX64));
            Assert.Contains("calling convention", e.Message);
        }
        else Assert.Same(DiffStencils.Library, StencilTables.LoadEmbedded(DiffStencils.Library, TableTarget.WinX64));
    }

    [Fact]
    public void The_emitter_refuses_a_builder_of_another_library()
    {
        var builder = new FunctionBuilder(ModuleStencils.Library);
        var e = Assert.Throws<ArgumentException>(() => new DiffStencils.Emitter(builder));
        Assert.Contains("not DiffStencils", e.Message);
    }
}
