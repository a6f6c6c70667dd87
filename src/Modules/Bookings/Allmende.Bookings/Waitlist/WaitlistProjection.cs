using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Projections.RowCommands;

namespace Allmende.Bookings.Waitlist;

/// <summary>bookings.waitlist: one row per entry, in join order (the sequence of its join). Inline; idempotent by last_seq.</summary>
internal sealed class WaitlistProjection : IProjection
{
    public string Name => "bookings.waitlist";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. WaitlistEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            var id = ((IWaitlistEvent)e.Data).EntryId;
            batch.BatchCommands.Add(e.Data switch
            {
                WaitlistJoined j => Command("""
                    insert into bookings.waitlist (entry_id, version, last_seq, space_id, site_id, organisation_id, person_id, starts_at, ends_at,
                        attendees, purpose, action_field, status, joined_at, joined_seq)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'waiting', $13, $3)
                    on conflict (entry_id) do nothing
                    """, id, e, j.SpaceId, j.SiteId, j.OrganisationId,
                    SqlParameters.OrNull(j.PersonId, NpgsqlDbType.Uuid),
                    j.Start, j.End, j.Attendees, j.Purpose, j.ActionField, j.At),
                WaitlistOffered o => Update("status = 'offered', offered_until = $4", id, e, o.OfferedUntil),
                WaitlistOfferExpired => Update("status = 'offer-expired'", id, e),
                WaitlistBooked b => Update("status = 'booked', booking_id = $4", id, e, b.BookingId),
                WaitlistWithdrawn => Update("status = 'withdrawn'", id, e),
                WaitlistPassedOver p => Update("status = 'passed-over', rule = $4", id, e, p.Rule),
                WaitlistExpired => Update("status = 'expired'", id, e),
                _ => throw new InvalidOperationException($"No waitlist row follows from {e.Data.GetType().Name}."),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.waitlist");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Update(string assignments, Guid id, StoredEvent e, params object[] values) =>
        Command($"""
            update bookings.waitlist set {assignments}, version = $2, last_seq = $3
            where entry_id = $1 and last_seq < $3
            """, id, e, values);
}
