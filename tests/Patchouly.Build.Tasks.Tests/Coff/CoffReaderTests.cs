using System;
using System.Buffers.Binary;
using System.Linq;
using Patchouly.Build.Tasks.Coff;
using Patchouly.Build.Tasks.ObjectFiles;
using Patchouly.Build.Tasks.Targets;
using Patchouly.Build.Tasks.Targets.WinX64;
using Patchouly.Build.Tasks.Tests.ObjectFiles;
using Patchouly.Runtime.Tables;

namespace Patchouly.Build.Tasks.Tests.Coff;

/// <summary>The COFF reader's view of clang's objects, the neutral view (implicit addends, function sizes) and the
/// win-x64 relocation mapping.</summary>
public sealed class CoffReaderTests
{
    private static CoffObject Read() => CoffObject.Read(CoffTestSupport.Objects, "objects.o");

    private static CoffSection FunctionSection(CoffObject obj, string function) => obj.Symbols.Single(s => s.Name == function && s.IsFunction).Section!;

    [Fact]
    public void Every_function_has_a_comdat_section_of_its_own_and_its_size_is_the_section()
    {
        var coff = Read();
        Assert.Equal(CoffMachine.Amd64, coff.Machine);
        var view = coff.ToObjectFile();
        Assert.Equal((ObjectFormat.Coff, TargetArchitecture.X64, "IMAGE_FILE_MACHINE_AMD64"), (view.Format, view.Architecture, view.MachineName));
        foreach (var name in new[] { "add_narrow", "add_wide", "call_indirect", "switch_table", "string_and_data" })
        {
            var section = FunctionSection(coff, name);
            Assert.True((section.Characteristics & CoffSectionFlags.Comdat) != 0 && section.IsExecutable, section.ToString());
            var f = view.DefinedFunctions.Single(s => s.Name == name);
            Assert.Equal((0UL, (ulong)section.SizeOfRawData), (f.Value, f.Size));
        }
        // The static helper is a function too; undefined externals and the section symbols are not.
        Assert.Contains(view.DefinedFunctions, f => f.Name == "helper");
        Assert.Contains(view.Symbols, s => s.Name == "patchouly_next" && !s.IsDefined);
        Assert.Contains(view.Symbols, s => s.Name == ".text" && s.Kind == ObjectSymbolKind.Section && s.IsDefined);
    }

    private const string AddendSource = """
        #include <stdint.h>
        extern __attribute__((preserve_none)) void patchouly_next(uint64_t *fp, uint64_t r0, uint64_t r1);
        __attribute__((preserve_none)) void offsets(uint64_t *fp, uint64_t r0, uint64_t r1)
        {
            uint64_t a, b, c;
            __asm__("movabsq $W0+8, %0" : "=r"(a));
            __asm__("movl $H0+24, %k0" : "=r"(b));
            __asm__("leaq W1-16(%%rip), %0" : "=r"(c));
            [[clang::musttail]] return patchouly_next(fp, r0 + a + b, r1 + c);
        }
        uint64_t caller(uint64_t (*f)(uint64_t), uint64_t x) { return f(x) + 1; }
        """;

    [Theory]
    [InlineData("W0", "IMAGE_REL_AMD64_ADDR64", 8, RelocationKind.Abs64, 8)]
    [InlineData("H0", "IMAGE_REL_AMD64_ADDR32", 24, RelocationKind.Abs32, 24)]
    [InlineData("W1", "IMAGE_REL_AMD64_REL32", -16, RelocationKind.Rel32, -20)]
    [InlineData("patchouly_next", "IMAGE_REL_AMD64_REL32", 0, RelocationKind.Rel32, -4)]
    public void Implicit_addends_are_read_from_the_field_which_the_view_clears(string symbol, string type, long addend, RelocationKind kind, long tableAddend)
    {
        byte[] obj = ObjectTestSupport.Compile(AddendSource, CoffTestSupport.Triple, CoffTestSupport.StencilFlags);
        var coff = CoffObject.Read(obj, "addends.o");
        var section = FunctionSection(coff, "offsets");
        var raw = coff.RelocationsFor(section).Single(r => r.Symbol.Name == symbol);
        Assert.Equal(addend, CoffObjectFile.ReadAddend(coff.GetSectionMemory(section).Span, coff.Machine, raw));

        var view = coff.ToObjectFile();
        var viewSection = view.Sections.Single(s => s.Index == section.Number);
        var rel = view.RelocationsFor(viewSection).Single(r => r.Symbol.Name == symbol);
        Assert.Equal((type, addend), (rel.TypeName, rel.Addend));
        int width = type.EndsWith("ADDR64") ? 8 : 4;
        Assert.True(viewSection.Data.Span.Slice((int)rel.Offset, width).IndexOfAnyExcept((byte)0) < 0, "the field is cleared in the view");
        Assert.Equal(new MappedRelocation(kind, tableAddend), WinX64Target.Instance.MapRelocation(rel));
        // The file's own bytes are untouched.
        Assert.Equal(addend, CoffObjectFile.ReadAddend(coff.GetSectionMemory(section).Span, coff.Machine, raw));
    }

    [Theory]
    [InlineData(Amd64CoffRelocations.Rel32, 0)]
    [InlineData(Amd64CoffRelocations.Rel32_1, 1)]
    [InlineData(6, 2)]
    [InlineData(7, 3)]
    [InlineData(8, 4)]
    [InlineData(Amd64CoffRelocations.Rel32_5, 5)]
    public void Rel32_k_is_relative_to_the_end_of_the_field_plus_k(ushort type, int k)
    {
        byte[] d = (byte[])CoffTestSupport.Objects.Clone();
        var coff = CoffObject.Read(d);
        var section = FunctionSection(coff, "add_narrow");
        var r = coff.RelocationsFor(section).First(x => x.Symbol.Name == "H0");
        BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan((int)section.PointerToRelocations + 10 * r.Index + 8), type);
        BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan((int)(section.PointerToRawData + r.VirtualAddress)), 0x40);
        var view = CoffObjectFile.Read(d, "k.o");
        var rel = view.RelocationsFor(view.Sections.Single(s => s.Index == section.Number)).Single(x => x.Symbol.Name == "H0");
        Assert.Equal(0x40, rel.Addend);
        Assert.Equal(k == 0 ? "IMAGE_REL_AMD64_REL32" : $"IMAGE_REL_AMD64_REL32_{k}", rel.TypeName);
        Assert.Equal(new MappedRelocation(RelocationKind.Rel32, 0x40 - 4 - k), WinX64Target.Instance.MapRelocation(rel));
    }

    [Theory]
    [InlineData(Amd64CoffRelocations.Addr64, RelocationKind.Abs64)]
    [InlineData(Amd64CoffRelocations.Addr32, RelocationKind.Abs32)]
    [InlineData(Amd64CoffRelocations.Addr32Nb, null)]
    [InlineData(Amd64CoffRelocations.SecRel, null)]
    [InlineData(Amd64CoffRelocations.Section, null)]
    [InlineData(Amd64CoffRelocations.Absolute, null)]
    public void Absolute_fields_keep_their_addend_and_image_or_section_relative_ones_are_rejected(ushort type, RelocationKind? kind)
    {
        var symbol = new ObjectSymbol("h", ObjectSymbolKind.Data, false, null, 0, 0);
        var mapped = WinX64Target.Instance.MapRelocation(new ObjectRelocation(0, type, Amd64CoffRelocations.Name(type), symbol, 12));
        Assert.Equal(kind, mapped?.Kind);
        if (kind is not null) Assert.Equal(12, mapped!.Value.Addend);
    }

    [Fact]
    public void Weak_declarations_give_refptr_stubs_and_unwind_tables_pdata_which_the_target_rejects()
    {
        byte[] weak = ObjectTestSupport.Compile(Elf.ElfTestSupport.StencilSource, CoffTestSupport.Triple, CoffTestSupport.StencilFlags);
        string? problem = WinX64Target.Instance.CheckObject(CoffObjectFile.Read(weak, "weak.o"));
        Assert.NotNull(problem);
        Assert.Contains(".refptr.", problem);
        byte[] unwind = ObjectTestSupport.Compile(AddendSource, CoffTestSupport.Triple, "-ffunction-sections", "-fasynchronous-unwind-tables");
        problem = WinX64Target.Instance.CheckObject(CoffObjectFile.Read(unwind, "unwind.o"));
        Assert.NotNull(problem);
        Assert.Contains("unwind data", problem);
        Assert.Null(WinX64Target.Instance.CheckObject(CoffObjectFile.Read(ObjectTestSupport.Compile(AddendSource, CoffTestSupport.Triple, CoffTestSupport.StencilFlags), "ok.o")));
    }
}
