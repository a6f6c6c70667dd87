using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Projections.RowCommands;

namespace Allmende.Bookings.Bookings;

/// <summary>bookings.bookings: one row per booking for lists and filters. Inline; idempotent by last_seq.</summary>
internal sealed class BookingsProjection : IProjection
{
    public string Name => "bookings.bookings";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. BookingEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            var id = ((IBookingEvent)e.Data).BookingId;
            batch.BatchCommands.Add(e.Data switch
            {
                BookingRequested r => Command("""
                    insert into bookings.bookings (booking_id, version, last_seq, space_id, site_id, organisation_id, person_id, starts_at, ends_at,
                        attendees, purpose, action_field, status, series_id)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending-approval', $13)
                    on conflict (booking_id) do nothing
                    """, id, e, r.SpaceId, r.SiteId, r.OrganisationId,
                    SqlParameters.OrNull(r.PersonId, NpgsqlDbType.Uuid),
                    r.Start, r.End, r.Attendees, r.Purpose, r.ActionField,
                    SqlParameters.OrNull(r.SeriesId, NpgsqlDbType.Uuid)),
                BookingRescheduled r => Update("starts_at = $4, ends_at = $5, free_minutes = 0", id, e, r.Start, r.End),
                Quotas.BookingQuotaApplied q => Update("free_minutes = $4", id, e, q.FreeMinutes),
                Quotas.BookingQuotaReturned => Update(null, id, e),
                BookingApproved => Update(null, id, e),
                BookingHeldForReview h => Update("flags = array_append(flags, $4)", id, e, h.Reason),
                BookingFlagged f => Update("flags = array_append(flags, $4)", id, e, f.Reason),
                _ => Update("status = $4", id, e, StatusNames.Of(StatusAfter(e.Data))),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static BookingStatus StatusAfter(object e) => e switch
    {
        BookingConfirmed => BookingStatus.Confirmed,
        BookingRejected => BookingStatus.Rejected,
        BookingApprovalExpired => BookingStatus.Expired,
        BookingCheckedIn => BookingStatus.CheckedIn,
        BookingCompleted => BookingStatus.Completed,
        BookingCancelled => BookingStatus.Cancelled,
        BookingMarkedNoShow => BookingStatus.NoShow,
        BookingNoShowUndone => BookingStatus.Completed,
        _ => throw new InvalidOperationException($"No status follows from {e.GetType().Name}."),
    };

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.bookings");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Update(string? assignments, Guid id, StoredEvent e, params object[] values) =>
        Command($"""
            update bookings.bookings set {(assignments is null ? "" : assignments + ", ")}version = $2, last_seq = $3
            where booking_id = $1 and last_seq < $3
            """, id, e, values);
}
