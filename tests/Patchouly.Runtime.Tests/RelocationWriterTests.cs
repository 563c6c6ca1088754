using System;
using Patchouly.Runtime.Targets;
using Patchouly.Runtime.Tables;

namespace Patchouly.Runtime.Tests;

public class RelocationWriterTests
{
    [Theory]
    [InlineData(RelocationKind.Abs32, 0UL, true)]
    [InlineData(RelocationKind.Abs32, 0xFFFF_FFFFUL, true)]
    [InlineData(RelocationKind.Abs32, 0x1_0000_0000UL, false)]
    [InlineData(RelocationKind.Abs32, ulong.MaxValue, false)]
    [InlineData(RelocationKind.Abs32S, 0x7FFF_FFFFUL, true)]
    [InlineData(RelocationKind.Abs32S, 0x8000_0000UL, false)]
    [InlineData(RelocationKind.Abs32S, 0xFFFF_FFFF_8000_0000UL, true)]
    [InlineData(RelocationKind.Abs32S, 0xFFFF_FFFF_7FFF_FFFFUL, false)]
    [InlineData(RelocationKind.Rel32, 0xFFFF_FFFF_8000_0000UL, true)]
    [InlineData(RelocationKind.Rel32, 0x8000_0000UL, false)]
    [InlineData(RelocationKind.Abs16, 0xFFFFUL, true)]
    [InlineData(RelocationKind.Abs16, 0xFFFF_FFFF_FFFF_8000UL, true)]
    [InlineData(RelocationKind.Abs16, 0x1_0000UL, false)]
    [InlineData(RelocationKind.Abs8, 0xFFUL, true)]
    [InlineData(RelocationKind.Abs8, 0xFFFF_FFFF_FFFF_FF80UL, true)]
    [InlineData(RelocationKind.Abs8, 0x100UL, false)]
    [InlineData(RelocationKind.Abs8, 0xFFFF_FFFF_FFFF_FF7FUL, false)]
    [InlineData(RelocationKind.Abs64, ulong.MaxValue, true)]
    [InlineData(RelocationKind.Rel64, ulong.MaxValue, true)]
    [InlineData(RelocationKind.None, 0UL, false)]
    public void Ranges(RelocationKind kind, ulong value, bool fits)
    {
        Assert.Equal(fits, RelocationWriter.Fits(kind, value));
        var code = new byte[12];
        code.AsSpan().Fill(0xAA);
        Assert.Equal(fits, RelocationWriter.TryWrite(code, 2, kind, value));
        if (!fits) Assert.All(code, b => Assert.Equal(0xAA, b)); // nothing written
    }

    [Fact]
    public void WritesLittleEndianOfTheFieldSize()
    {
        var code = new byte[10];
        RelocationWriter.Write(code, 1, RelocationKind.Abs32S, unchecked((ulong)-2L));
        Assert.Equal(new byte[] { 0, 0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0 }, code);
        RelocationWriter.Write(code, 0, RelocationKind.Abs64, 0x0807060504030201);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0 }, code);
        RelocationWriter.Write(code, 8, RelocationKind.Abs16, 0xBBAA);
        Assert.Equal(0xAA, code[8]);
        Assert.Equal(0xBB, code[9]);
        RelocationWriter.Write(code, 9, RelocationKind.Abs8, 0x7F);
        Assert.Equal(0x7F, code[9]);
    }

    [Fact]
    public void RejectsFieldsOutsideTheCode()
    {
        var code = new byte[4];
        Assert.False(RelocationWriter.TryWrite(code, 1, RelocationKind.Abs32, 1));
        Assert.False(RelocationWriter.TryWrite(code, -1, RelocationKind.Abs8, 1));
        Assert.Throws<InvalidOperationException>(() => RelocationWriter.Write(code, 0, RelocationKind.Abs32, 1UL << 33));
    }
}
