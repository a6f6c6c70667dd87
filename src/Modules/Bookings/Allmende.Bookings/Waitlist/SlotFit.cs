using Allmende.Bookings.Availability;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Waitlist;

/// <summary>
/// Whether a range is free in a space for a booking of <c>attendees</c>: for a whole space no holding
/// booking overlaps it; in a flexible-desk area the most places taken at once within it leave enough.
/// Only a forecast (read before writing): the slot guard decides in the writing transaction.
/// </summary>
internal static class SlotFit
{
    public static bool Fits(bool wholeSpace, int places, IEnumerable<HeldSlot> held, DateTimeOffset start, DateTimeOffset end, int attendees)
    {
        var overlapping = held.Where(h => h.Start < end && start < h.End).ToList();
        if (wholeSpace)
            return overlapping.Count == 0;
        var needed = places - attendees + 1; // taken at once from this many on, the attendees no longer fit
        return needed > 0 && !FreeIntervals.Full(overlapping, needed).Any(f => f.Start < end && start < f.End);
    }

    /// <summary>The space's kind and places and its holding slots overlapping [start, end), read on <paramref name="connection"/>.</summary>
    public static async Task<(bool WholeSpace, int Places, List<HeldSlot> Held)?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        Guid spaceId, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select kind <> 'flexible-desk-area', coalesce(places, capacity), null::timestamptz, null::timestamptz, 0 from bookings.spaces where space_id = $1
            union all
            select null, null, lower(during), upper(during), places from bookings.slots
            where holds and space_id = $1 and during && tstzrange($2, $3, '[)')
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = spaceId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = start, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = end, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        (bool, int)? space = null;
        var held = new List<HeldSlot>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(0))
                space = (reader.GetBoolean(0), reader.GetInt32(1));
            else
                held.Add(new HeldSlot(reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt32(4)));
        }
        return space is { } s ? (s.Item1, s.Item2, held) : null;
    }
}
