using System;
using System.Linq;
using Patchouly.Runtime.Allocation;
using static Patchouly.Runtime.Tests.Jit;

namespace Patchouly.Runtime.Tests;

public class ParallelMoveTests
{
    private static Location R(int i) => Location.Register(i);

    /// <summary>Runs the scheduled moves on simulated locations (registers 0..15, slots as 16+).</summary>
    private static long[] Simulate((Location From, Location To)[] moves, Location scratch, long[] initial)
    {
        var order = new (Location, Location)[ParallelMove.MaxScheduledMoves(moves.Length)];
        int n = ParallelMove.Schedule(moves, scratch, order);
        var state = (long[])initial.Clone();
        for (int i = 0; i < n; i++) state[Slot(order[i].Item2)] = state[Slot(order[i].Item1)];
        return state;
    }

    private static int Slot(Location l) => l.IsRegister ? l.Index : 16 + l.Index;

    [Fact]
    public void A_swap_goes_through_the_scratch_location()
    {
        var order = new (Location From, Location To)[3];
        int n = ParallelMove.Schedule([(R(0), R(1)), (R(1), R(0))], R(2), order);
        Assert.Equal(3, n);
        Assert.Contains(order, m => m.To == R(2));
        var state = Simulate([(R(0), R(1)), (R(1), R(0))], R(2), [10, 11, 12]);
        Assert.Equal(11, state[0]);
        Assert.Equal(10, state[1]);
    }

    [Fact]
    public void Chains_need_no_scratch_and_self_moves_are_dropped()
    {
        var order = new (Location From, Location To)[6];
        int n = ParallelMove.Schedule([(R(0), R(1)), (R(1), R(2)), (R(3), R(3)), (R(2), Location.Stack(0))], R(4), order);
        Assert.Equal(3, n);
        Assert.DoesNotContain(order[..n], m => m.To == R(4) || m.From == R(4));
        Assert.Equal([(R(2), Location.Stack(0)), (R(1), R(2)), (R(0), R(1))], order[..n]);
    }

    [Fact]
    public void Random_parallel_moves_match_their_meaning()
    {
        var random = new Random(42);
        var locations = Enumerable.Range(0, 6).Select(R).Concat(Enumerable.Range(0, 4).Select(Location.Stack)).ToArray();
        Location scratch = R(10);
        for (int round = 0; round < 2000; round++)
        {
            var destinations = locations.OrderBy(_ => random.Next()).Take(random.Next(1, locations.Length + 1)).ToArray();
            var moves = destinations.Select(d => (From: locations[random.Next(locations.Length)], To: d)).ToArray();
            var initial = Enumerable.Range(0, 32).Select(i => (long)(100 + i)).ToArray();
            var state = Simulate(moves, scratch, initial);
            foreach (var (from, to) in moves) Assert.Equal(initial[Slot(from)], state[Slot(to)]);
            foreach (var l in locations)
                if (!moves.Any(m => m.To == l)) Assert.Equal(initial[Slot(l)], state[Slot(l)]);
        }
    }

    [Fact]
    public void Misuse_is_a_clear_error()
    {
        var order = new (Location, Location)[10];
        Assert.Throws<ArgumentException>(() => ParallelMove.Schedule([(R(0), R(1)), (R(2), R(1))], R(3), order));
        Assert.Throws<ArgumentException>(() => ParallelMove.Schedule([(R(0), R(1))], R(0), order));
        Assert.Throws<ArgumentException>(() => ParallelMove.Schedule([(R(0), R(1)), (R(1), R(0))], R(2), order.AsSpan(0, 2)));
        Assert.Throws<ArgumentNullException>(() => ParallelMove.Emit(null!, [], R(0)));
    }

    [Fact]
    public void Emitted_rotation_runs_natively()
    {
        // r0, r1, s0 = 1, 1000, 1000000 rotated at once (r0 <- s0, r1 <- r0, s0 <- r1) through scratch r2, then
        // r0 + 2*r1 + 4*s0 = 1000000 + 2 + 4000.
        using var f = Compile(e =>
        {
            e.Const(1, R0);
            e.Const(1000, R1);
            e.Const(1_000_000, S(0));
            ParallelMove.Emit(e.Builder, [(S(0), R0), (R0, R1), (R1, S(0))], R2);
            e.Add(R1, R1, R1);
            e.Add(S(0), S(0), S(0));
            e.Add(S(0), S(0), S(0));
            e.Add(R0, R1, R0);
            e.Add(R0, S(0), R0);
            e.Return(R0);
        });
        Assert.Equal(1_000_000 + 2 + 4000, f.Invoke());
    }
}
