using System.Globalization;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Schema;
using Allmende.Funding.Contracts;
using Npgsql;

namespace Allmende.Bookings.History;

/// <summary>
/// One part of a booking's cost as Funding allocated it: to a grant (Payer "grant", GrantId and FunderId
/// set) or to the organisation's own share; Month as "yyyy-MM" (Europe/Berlin), as Funding shows it.
/// AllocatedAt is null only while a reversal has overtaken its allocation on the bus.
/// </summary>
internal sealed record BookingAllocation(
    Guid AllocationId, string Payer, Guid? GrantId, Guid? FunderId, string Rule, long AmountCents, string Month,
    DateTimeOffset? AllocatedAt, DateTimeOffset? ReversedAt, string? ReversalReason);

/// <summary>
/// Bookings' copy of Funding's allocations of bookings (Funding's contracts with SourceKind "booking";
/// Bookings never reads Funding's tables): a booking's history shows who paid for it, and a funder may
/// read the history of a booking one of its grants was allocated a part of. Deliveries come in any order
/// and may repeat: rows are keyed by allocation id, a reversal marks the row (or makes it, when it
/// overtakes the allocation, which later fills in only when it was allocated).
/// </summary>
internal sealed class BookingAllocations
{
    /// <summary>Funding's code of costs whose SourceId is a booking (Allmende.Funding.Contracts).</summary>
    public const string BookingSource = "booking";

    public static Migration Version6 { get; } = new(BookingsSchema.Module, 6, "copy of Funding's allocations of bookings, for the booking history", """
        create table bookings.allocations (
            allocation_id   uuid primary key,
            booking_id      uuid not null,
            payer           text not null,
            grant_id        uuid,
            funder_id       uuid,
            rule            text not null,
            amount_cents    bigint not null,
            month           date not null,
            allocated_at    timestamptz,
            reversed_at     timestamptz,
            reversal_reason text
        );
        create index allocations_booking on bookings.allocations (booking_id);
        """);

    public async Task Handle(CostAllocated m, MessageContext context, CancellationToken ct)
    {
        if (m.SourceKind != BookingSource)
            return;
        await ExecuteAsync(context, """
            insert into bookings.allocations as t (allocation_id, booking_id, payer, grant_id, funder_id, rule, amount_cents, month, allocated_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            on conflict (allocation_id) do update set allocated_at = excluded.allocated_at where t.allocated_at is null
            """, [m.AllocationId, m.SourceId, m.Payer, m.GrantId, m.FunderId, m.Rule, m.AmountCents, m.Month, m.At], ct);
    }

    public async Task Handle(AllocationReversed m, MessageContext context, CancellationToken ct)
    {
        if (m.SourceKind != BookingSource)
            return;
        await ExecuteAsync(context, """
            insert into bookings.allocations as t (allocation_id, booking_id, payer, grant_id, funder_id, rule, amount_cents, month, reversed_at, reversal_reason)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            on conflict (allocation_id) do update set reversed_at = excluded.reversed_at, reversal_reason = excluded.reversal_reason
            where t.reversed_at is null
            """, [m.AllocationId, m.SourceId, m.Payer, m.GrantId, m.FunderId, m.Rule, m.AmountCents, m.Month, m.At, m.Reason], ct);
    }

    /// <summary>The booking's allocations, reversed ones included, in the order they were made.</summary>
    public static async Task<IReadOnlyList<BookingAllocation>> OfAsync(NpgsqlDataSource db, Guid bookingId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select allocation_id, payer, grant_id, funder_id, rule, amount_cents, month, allocated_at, reversed_at, reversal_reason
            from bookings.allocations where booking_id = $1
            order by allocated_at nulls last, allocation_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = bookingId });
        var allocations = new List<BookingAllocation>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            allocations.Add(new BookingAllocation(reader.GetGuid(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.GetString(4), reader.GetInt64(5),
                reader.GetFieldValue<DateOnly>(6).ToString("yyyy-MM", CultureInfo.InvariantCulture),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        return allocations;
    }

    private static async Task ExecuteAsync(MessageContext context, string sql, object?[] values, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, context.Database.Connection, context.Database.Transaction);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
