using Patchouly.Samples.Bf.Engines;

namespace Patchouly.Bf.Tests;

/// <summary><see cref="CellCounts"/>: the same counts whether they fit the short list or moved to the dictionary.</summary>
public class CellCountsTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(200)]
    public void Counts_and_removes_the_highest_like_a_dictionary(int cells)
    {
        var counts = new CellCounts();
        for (int round = 0; round < 2; round++) // the second round after Clear, from either mode
        {
            counts.Clear();
            for (int i = 0; i < cells; i++)
                for (int k = 0; k <= i % 5; k++) counts.Add(-i, 1); // cell -i counted (i % 5) + 1 times
            Assert.Equal(cells, counts.Count);
            for (int i = 0; i < cells; i++) Assert.Equal(i % 5 + 1, counts.Get(-i));
            Assert.Equal(0, counts.Get(1));
            counts.Set(-1, 7);
            Assert.Equal(-1, counts.RemoveHighest()); // 7 beats every other count
            if (cells > 4)
            {
                // Then the count 5 (cells -4, -9, ...): ties go to the lowest key.
                long expected = -(((cells - 1 - 4) / 5) * 5 + 4);
                Assert.Equal(expected, counts.RemoveHighest());
            }
            Assert.Equal(cells - (cells > 4 ? 2 : 1), counts.Count);
        }
    }
}
