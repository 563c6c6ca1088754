using Patchouly.Build.Tasks.ObjectFiles;
using Xunit;

namespace Patchouly.Build.Tasks.Tests.ObjectFiles;

public class SymbolStartsTests
{
    private static readonly SymbolStarts s_starts = new([(1, 0x40), (1, 0x10), (1, 0x10), (2, 0x8), (1, 0x0)]);

    [Theory]
    [InlineData(1, 0x0, 0x80, 0x10)]   // to the next symbol
    [InlineData(1, 0x10, 0x80, 0x30)]  // two symbols at one address count once
    [InlineData(1, 0x40, 0x80, 0x40)]  // the last symbol runs to the section's end
    [InlineData(2, 0x8, 0x20, 0x18)]   // sections are separate
    [InlineData(3, 0x4, 0x10, 0xC)]    // a section without symbols: to its end
    [InlineData(1, 0x90, 0x80, 0x0)]   // a start past the end has no size (never a wrapped-around one)
    public void SizeRunsToTheNextSymbolOrTheSectionEnd(int section, ulong start, ulong sectionEnd, ulong size)
        => Assert.Equal(size, s_starts.SizeFrom(section, start, sectionEnd));
}
