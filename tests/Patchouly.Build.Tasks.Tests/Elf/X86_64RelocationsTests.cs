using System;
using Patchouly.Build.Tasks.Elf;
using Patchouly.Build.Tasks.Targets.LinuxX64;

namespace Patchouly.Build.Tasks.Tests.Elf;

public sealed class X86_64RelocationsTests
{
    [Theory]
    [InlineData(X86_64RelocationType.None, "R_X86_64_NONE", 0)]
    [InlineData(X86_64RelocationType.Abs64, "R_X86_64_64", 8)]
    [InlineData(X86_64RelocationType.Pc32, "R_X86_64_PC32", 4)]
    [InlineData(X86_64RelocationType.Plt32, "R_X86_64_PLT32", 4)]
    [InlineData(X86_64RelocationType.GotPcRel, "R_X86_64_GOTPCREL", 4)]
    [InlineData(X86_64RelocationType.Abs32, "R_X86_64_32", 4)]
    [InlineData(X86_64RelocationType.Abs32S, "R_X86_64_32S", 4)]
    [InlineData(X86_64RelocationType.Abs16, "R_X86_64_16", 2)]
    [InlineData(X86_64RelocationType.Pc8, "R_X86_64_PC8", 1)]
    [InlineData(X86_64RelocationType.Pc64, "R_X86_64_PC64", 8)]
    [InlineData(X86_64RelocationType.Size32, "R_X86_64_SIZE32", 4)]
    [InlineData(X86_64RelocationType.Size64, "R_X86_64_SIZE64", 8)]
    [InlineData(X86_64RelocationType.TlsDesc, "R_X86_64_TLSDESC", 16)]
    [InlineData(X86_64RelocationType.GotPcRelX, "R_X86_64_GOTPCRELX", 4)]
    [InlineData(X86_64RelocationType.RexGotPcRelX, "R_X86_64_REX_GOTPCRELX", 4)]
    public void NamesAndWidths(X86_64RelocationType type, string name, int width)
    {
        Assert.Equal(name, X86_64Relocations.Name(type));
        Assert.Equal(width, X86_64Relocations.RelocationWidth(type));
    }

    [Fact]
    public void EveryEnumMemberIsKnownAndNamedAfterItsValue()
    {
        foreach (var type in Enum.GetValues<X86_64RelocationType>())
        {
            Assert.True(X86_64Relocations.IsKnown(type), type.ToString());
            Assert.StartsWith("R_X86_64_", X86_64Relocations.Name(type));
            Assert.InRange(X86_64Relocations.RelocationWidth(type), 0, 16);
        }
        Assert.Equal(44, Enum.GetValues<X86_64RelocationType>().Length); // 0..38 and 41..45
    }

    [Theory]
    [InlineData(39u)]
    [InlineData(40u)]
    [InlineData(46u)]
    [InlineData(uint.MaxValue)]
    public void UnknownTypes(uint type)
    {
        Assert.False(X86_64Relocations.IsKnown((X86_64RelocationType)type));
        Assert.Equal(-1, X86_64Relocations.RelocationWidth((X86_64RelocationType)type));
        Assert.Equal($"R_X86_64_unknown({type})", X86_64Relocations.Name((X86_64RelocationType)type));
    }
}
