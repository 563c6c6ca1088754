using System;

namespace Patchouly.Runtime.Allocation;

/// <summary>
/// Moves a set of values between locations "at once" (every source is read before any destination is written), as
/// needed at a block edge where values must arrive in the locations the target block expects, or to shuffle call
/// arguments. <see cref="Schedule"/> orders the moves so no source is overwritten before it is read, breaking each
/// cycle (<c>r0 → r1 → r0</c>) through a scratch location; <see cref="Emit"/> emits them with
/// <see cref="FunctionBuilder.Move"/>. One source may go to several destinations; self-moves are dropped.
/// </summary>
public static class ParallelMove
{
    /// <summary>The most moves <see cref="Schedule"/> produces for <paramref name="moves"/> parallel moves (each cycle adds one).</summary>
    public static int MaxScheduledMoves(int moves) => moves + moves / 2;

    /// <summary>
    /// Orders <paramref name="moves"/> into sequential moves written to <paramref name="order"/>; returns how many.
    /// </summary>
    /// <param name="moves">The parallel moves; destinations must be distinct.</param>
    /// <param name="scratch">A location that is neither a source nor a destination, used to break cycles.</param>
    /// <param name="order">Receives the sequential moves; at least <see cref="MaxScheduledMoves"/> long.</param>
    /// <exception cref="ArgumentException">Two moves have one destination, the scratch location is a source or a destination, or <paramref name="order"/> is too short.</exception>
    public static int Schedule(ReadOnlySpan<(Location From, Location To)> moves, Location scratch, Span<(Location From, Location To)> order)
    {
        if (order.Length < MaxScheduledMoves(moves.Length))
            throw new ArgumentException($"The output needs room for {MaxScheduledMoves(moves.Length)} moves.", nameof(order));
        for (int i = 0; i < moves.Length; i++)
        {
            if (moves[i].To == scratch || moves[i].From == scratch)
                throw new ArgumentException($"The scratch location {scratch} is also moved from or to.", nameof(scratch));
            for (int j = 0; j < i; j++)
                if (moves[j].To == moves[i].To)
                    throw new ArgumentException($"Two values are moved to {moves[i].To}.", nameof(moves));
        }
        // Pending moves (self-moves dropped), compacted in place as they are emitted.
        var pending = moves.Length <= 64 ? stackalloc (Location From, Location To)[moves.Length] : new (Location, Location)[moves.Length];
        int count = 0;
        foreach (var m in moves)
            if (m.From != m.To) pending[count++] = m;
        int emitted = 0;
        while (count > 0)
        {
            bool progress = false;
            for (int i = 0; i < count; i++)
            {
                if (IsSource(pending[..count], pending[i].To)) continue;
                order[emitted++] = pending[i];
                pending[i] = pending[--count];
                i--;
                progress = true;
            }
            if (progress) continue;
            // Every pending destination is still to be read: they form cycles. Save one destination in the scratch
            // location and read it from there, which frees that destination.
            Location saved = pending[0].To;
            order[emitted++] = (saved, scratch);
            for (int i = 0; i < count; i++)
                if (pending[i].From == saved) pending[i].From = scratch;
        }
        return emitted;
    }

    /// <summary>Emits <paramref name="moves"/> as sequential <see cref="FunctionBuilder.Move"/>s (see <see cref="Schedule"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="Schedule"/>.</exception>
    public static void Emit(FunctionBuilder builder, ReadOnlySpan<(Location From, Location To)> moves, Location scratch)
    {
        ArgumentNullException.ThrowIfNull(builder);
        int max = MaxScheduledMoves(moves.Length);
        var order = max <= 96 ? stackalloc (Location From, Location To)[max] : new (Location, Location)[max];
        int n = Schedule(moves, scratch, order);
        for (int i = 0; i < n; i++) builder.Move(order[i].From, order[i].To);
    }

    private static bool IsSource(ReadOnlySpan<(Location From, Location To)> moves, Location location)
    {
        foreach (var m in moves)
            if (m.From == location) return true;
        return false;
    }
}
