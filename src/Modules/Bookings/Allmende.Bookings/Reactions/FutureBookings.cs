using Allmende.Bookings.Bookings;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Messaging;

namespace Allmende.Bookings.Reactions;

/// <summary>
/// Finds the bookings a change elsewhere may touch (read model, in the delivery's transaction) and
/// applies a decision to each through its stream, in the handler's unit of work: appended at the
/// version loaded (a concurrent change makes the delivery retry), with the same contracts and
/// scheduling as every other write (<see cref="BookingWrites.Stage"/>).
/// </summary>
internal static class FutureBookings
{
    /// <summary>Ids of bookings still holding their slot that match <paramref name="condition"/> ($1, $2, … bound to <paramref name="values"/>).</summary>
    public static async Task<IReadOnlyList<Guid>> FindAsync(MessageContext context, string condition, object[] values, CancellationToken ct)
    {
        await using var command = context.Database.Command($"""
            select booking_id from bookings.bookings
            where status in ('pending-approval', 'confirmed') and {condition}
            order by starts_at, booking_id
            """, values);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetGuid(0));
        return ids;
    }

    public static async Task ReactAsync(MessageContext context, IReadOnlyList<Guid> ids, Func<Booking, IReadOnlyList<object>> decide,
        BookingPolicy policy, CancellationToken ct)
    {
        // One ledger for all: cancelling several bookings of one month gives their minutes back in one append.
        var quota = QuotaLedger.Over(context.Database);
        foreach (var id in ids)
        {
            var current = await context.Work.LoadAsync<Booking>(Booking.StreamId(id), ct);
            if (current is null)
                continue;
            var events = decide(current.State);
            if (events.Count == 0)
                continue;
            // Only a cancellation touches the quota (it gives the free minutes back), at the instant it was decided.
            var at = events.OfType<BookingCancelled>().Select(c => c.At).FirstOrDefault();
            events = await quota.StageAsync(context.Work, current.State, events, at, ct);
            context.Work.Append(current.StreamId, current.Version, events);
            BookingWrites.Stage(context.Work, current.State, events, policy);
        }
        quota.WriteTo(context.Work);
    }

    public static async Task<bool> ExistsAsync(MessageContext context, string sql, object[] values, CancellationToken ct)
    {
        await using var command = context.Database.Command(sql, values);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>When a message was written: the time stamp of its id (UUIDv7), the same on every delivery.</summary>
    public static DateTimeOffset WrittenAt(Guid messageId, DateTimeOffset fallback)
    {
        if (messageId.Version != 7)
            return fallback;
        var bytes = messageId.ToByteArray(bigEndian: true);
        long milliseconds = 0;
        for (var i = 0; i < 6; i++)
            milliseconds = milliseconds << 8 | bytes[i];
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

}
