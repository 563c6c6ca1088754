using System;
using System.Linq;
using System.Reflection;
using Patchouly.Runtime.Tables;
using Patchouly.Runtime.Tests.Stencils;

namespace Patchouly.Runtime.Tests;

/// <summary>The PTAB tables blob: what the build writes round-trips into the same library, and damaged blobs and missing
/// targets are typed errors.</summary>
public class TableBlobTests
{
    private static TableBlobContents ContentsOf(StencilLibrary library) => new(
        library.Name, library.Registers, library.ModelHash, library.Target, "test",
        library.Families.Select(f => new TableBlobFamily(f.Name, f.Kind, f.Inputs, f.Outputs, f.HoleWidths.ToArray(), f.Targets, f.HasWide, f.FirstVariant, f.Signature)).ToList(),
        library.Variants.Select(v => v.Bits).ToArray(), library.Relocations.Select(r => r.Bits).ToArray(), library.Code);

    private static byte[] Blob => TableBlob.Write(ContentsOf(TestStencils.Library));

    [Fact]
    public void A_written_blob_reads_back_into_the_same_library()
    {
        var read = TableBlob.Read(Blob, "test blob").CreateLibrary();
        var original = TestStencils.Library;
        Assert.Equal((original.Name, original.Registers, original.ModelHash, original.Target), (read.Name, read.Registers, read.ModelHash, read.Target));
        Assert.Equal(original.Code, read.Code);
        Assert.Equal(original.Variants, read.Variants);
        Assert.Equal(original.Relocations, read.Relocations);
        Assert.Equal(original.Families.Select(f => (f.Name, f.Kind, f.Inputs, f.Outputs, f.Holes, f.Targets, f.HasWide, f.FirstVariant, f.Signature)),
            read.Families.Select(f => (f.Name, f.Kind, f.Inputs, f.Outputs, f.Holes, f.Targets, f.HasWide, f.FirstVariant, f.Signature)));
        // The emitted code is the same.
        var a = new FunctionBuilder(original);
        var b = new FunctionBuilder(read);
        foreach (var builder in new[] { a, b })
        {
            builder.Emit(builder.Library.GetFamily("Const"), default, [Location.Register(0)], [42UL]);
            builder.Emit(builder.Library.GetFamily("Return"), [Location.Register(0)], default);
        }
        using var fa = a.Compile();
        using var fb = b.Compile();
        Assert.Equal(42, fa.Invoke());
        Assert.Equal(42, fb.Invoke());
    }

    [Fact]
    public void Every_truncation_is_a_tables_exception()
    {
        byte[] blob = Blob;
        for (int length = 0; length < blob.Length; length += Math.Max(1, length / 64))
        {
            var e = Assert.Throws<StencilTablesException>(() => TableBlob.Read(blob.AsSpan(0, length), "cut"));
            Assert.Contains("cut", e.Message);
        }
    }

    [Fact]
    public void Mutated_blobs_give_typed_errors_or_a_consistent_library()
    {
        byte[] original = Blob;
        var random = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            byte[] blob = (byte[])original.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) blob[random.Next(blob.Length)] ^= (byte)(1 << random.Next(8));
            try
            {
                var library = StencilTables.Load("Mutant", "", "", () => TableBlob.Read(blob, "mutant").CreateLibrary());
                // What loads must still be usable or refuse to emit with a typed exception.
                _ = new FunctionBuilder(library);
            }
            catch (Exception e) when (e is StencilTablesException or ArgumentException) { }
        }
    }

    [Fact]
    public void Move_registers_make_a_version_4_blob_whose_counts_read_back()
    {
        var contents = ContentsOf(TestStencils.Library);
        var moves = contents with { MoveRegisters = 2, MoveFloatRegisters = 0 };
        byte[] blob = TableBlob.Write(moves);
        Assert.Equal(TableBlob.MoveVersion, BitConverter.ToUInt16(blob, 4));
        var read = TableBlob.Read(blob, "moves");
        Assert.Equal((2, 0, 0), (read.MoveRegisters, read.MoveFloatRegisters, read.FloatRegisters));
        Assert.Equal(contents.Variants, read.Variants);
        // Without move registers the blob is byte for byte the version 2 one.
        Assert.Equal(Blob, TableBlob.Write(contents with { MoveRegisters = 0 }));
        // A version 4 blob that has no move registers is corrupt.
        byte[] plain = Blob;
        int afterRegisters = 8 + 4 + contents.Name.Length + 1;
        var noMoves = plain.Take(afterRegisters).Concat(new byte[] { 0, 0, 0 }).Concat(plain.Skip(afterRegisters)).ToArray();
        noMoves[4] = (byte)TableBlob.MoveVersion;
        var e = Assert.Throws<StencilTablesException>(() => TableBlob.Read(noMoves, "no moves"));
        Assert.Contains("no move registers", e.Message);
    }

    [Fact]
    public void A_newer_format_version_is_refused_with_a_rebuild_hint()
    {
        byte[] blob = Blob;
        blob[4] = 99;
        var e = Assert.Throws<StencilTablesException>(() => TableBlob.Read(blob, "future"));
        Assert.Contains("version 99", e.Message);
        Assert.Contains("Rebuild", e.Message);
    }

    [Fact]
    public void A_library_without_tables_for_this_platform_names_the_targets_it_has()
    {
        var e = Assert.Throws<StencilTargetNotFoundException>(() =>
            StencilTables.LoadEmbedded(typeof(TableBlobTests).Assembly, "My.Stencils", "My.Stencils", "hash"));
        Assert.Equal(TableTarget.ProcessRuntimeIdentifier, e.RuntimeIdentifier);
        Assert.Empty(e.AvailableTargets);
        Assert.Contains("PatchoulyTargets", e.Message);
        Assert.IsAssignableFrom<PlatformNotSupportedException>(e);
    }

    [Fact]
    public void Tables_for_another_target_need_a_library_loaded_from_embedded_tables()
    {
        Assert.Throws<ArgumentNullException>(() => StencilTables.LoadEmbedded((StencilLibrary)null!, TableTarget.LinuxX64));
        Assert.Throws<ArgumentNullException>(() => StencilTables.LoadEmbedded(Stencils.TestStencils.Library, null!));
        var e = Assert.Throws<ArgumentException>(() => StencilTables.LoadEmbedded(Stencils.TestStencils.Library, TableTarget.LinuxX64));
        Assert.Contains("not loaded from embedded tables", e.Message);
    }

    [Fact]
    public void The_targets_map_runtime_identifiers_to_triples_and_architectures()
    {
        Assert.Equal(TargetArchitecture.Arm64, TableTarget.FromRuntimeIdentifier("linux-arm64")!.Architecture);
        Assert.Equal("x86_64-unknown-linux-gnu", TableTarget.FromRuntimeIdentifier("LINUX-X64")!.Triple);
        Assert.Null(TableTarget.FromRuntimeIdentifier("win-x86"));
        Assert.Throws<ArgumentException>(() => new StencilLibrary("L", 1, "", "riscv64-unknown-linux-gnu", [], [], [], []));
    }
}
