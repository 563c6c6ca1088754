using Patchouly.Runtime.Tables;
using Xunit;

namespace Patchouly.Runtime.Tests;

/// <summary>The packed 64-bit relocation record of the table format (version 2).</summary>
public class RelocationPackingTests
{
    public static TheoryData<ushort, RelocationKind, PatchKind, byte, int> Records => new()
    {
        { 0, RelocationKind.Abs64, PatchKind.Hole, 0, 0 },
        { 0xFFFF, RelocationKind.Arm64GotPageOff12, PatchKind.FrameSize, 255, Relocation.MaxAddend },
        { 0x1234, RelocationKind.Rel32, PatchKind.Next, 7, -4 },
        { 3, RelocationKind.Arm64Page21, PatchKind.Target, 200, Relocation.MinAddend },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Every_field_round_trips_through_the_packed_form(ushort offset, RelocationKind kind, PatchKind patch, byte index, int addend)
    {
        var r = new Relocation(offset, kind, patch, index, addend);
        Assert.Equal(r, Relocation.FromBits(r.Bits));
    }

    [Fact]
    public void Every_kind_fits_its_six_bits_and_has_a_size()
    {
        foreach (var kind in System.Enum.GetValues<RelocationKind>())
        {
            Assert.InRange((int)kind, 0, 63);
            if (kind != RelocationKind.None) Assert.True(RelocationFields.Size(kind) > 0, kind.ToString());
        }
    }

    [Fact]
    public void Got_kinds_hold_every_value_and_page_deltas_reach_four_gibibytes()
    {
        Assert.True(RelocationFields.Fits(RelocationKind.Arm64GotPage21, ulong.MaxValue));
        Assert.True(RelocationFields.IsIndirect(RelocationKind.Arm64GotPageOff12));
        Assert.True(RelocationFields.Fits(RelocationKind.Arm64Page21, unchecked((ulong)-(1L << 32))));
        Assert.False(RelocationFields.Fits(RelocationKind.Arm64Page21, 1UL << 32));
    }
}
