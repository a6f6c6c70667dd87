using System.Globalization;
using Allmende.Bookings.House;
using Allmende.Eventing.Messaging;
using Allmende.Spaces.Contracts;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Allmende.Bookings.Reactions;

/// <summary>A space retired: its bookings starting after the retirement are cancelled, always.</summary>
internal sealed class SpaceRetiredReaction(IOptions<BookingsOptions> options, TimeProvider time)
{
    public async Task Handle(SpaceRetired message, MessageContext context, CancellationToken ct)
    {
        var ids = await FutureBookings.FindAsync(context, "space_id = $1 and starts_at > $2", [message.SpaceId, message.RetiredAt], ct);
        var reason = string.IsNullOrWhiteSpace(message.Reason) ? "space retired" : $"space retired: {message.Reason}";
        await FutureBookings.ReactAsync(context, ids, b => React.Cancel(b, reason, message.RetiredAt, time.GetUtcNow()), options.Value.ToPolicy(), ct);
    }
}

/// <summary>
/// A site's opening hours changed: future bookings outside the new hours are flagged for staff, not
/// cancelled. A change that a newer one already overtook (Bookings' copy holds a later message) does nothing;
/// the newer one's reaction decides.
/// </summary>
internal sealed class SiteHoursChangedReaction(IOptions<BookingsOptions> options, TimeProvider time)
{
    public async Task Handle(SiteHoursChanged message, MessageContext context, CancellationToken ct)
    {
        if (await FutureBookings.ExistsAsync(context, "select exists (select 1 from bookings.sites where site_id = $1 and hours_message > $2)",
                [message.SiteId, context.MessageId], ct))
            return;
        var now = time.GetUtcNow();
        var ids = await FutureBookings.FindAsync(context, "site_id = $1 and starts_at > $2", [message.SiteId, now], ct);
        // The date of the change from the message's id, so that a redelivery writes the same flag (and so none).
        var changedOn = Instant.FromDateTimeOffset(FutureBookings.WrittenAt(context.MessageId, now)).InZone(OpeningHours.Berlin).Date;
        var reason = $"outside opening hours after the change of {changedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
        await FutureBookings.ReactAsync(context, ids, b => React.FlagOutsideHours(b, message.OpeningHours, reason, now), options.Value.ToPolicy(), ct);
    }
}

/// <summary>A closure added: future bookings it covers part of are flagged for staff, not cancelled (unless it was already removed again).</summary>
internal sealed class SiteClosureAddedReaction(IOptions<BookingsOptions> options, TimeProvider time)
{
    public async Task Handle(SiteClosureAdded message, MessageContext context, CancellationToken ct)
    {
        if (await FutureBookings.ExistsAsync(context, "select exists (select 1 from bookings.site_closures where closure_id = $1 and removed)",
                [message.ClosureId], ct))
            return;
        var now = time.GetUtcNow();
        var ids = await FutureBookings.FindAsync(context, "site_id = $1 and starts_at > $2 and starts_at < $4 and ends_at > $3",
            [message.SiteId, now, message.From, message.To], ct);
        var reason = $"site closed: {message.Reason}";
        await FutureBookings.ReactAsync(context, ids, b => React.FlagClosed(b, message.From, message.To, reason, now), options.Value.ToPolicy(), ct);
    }
}
