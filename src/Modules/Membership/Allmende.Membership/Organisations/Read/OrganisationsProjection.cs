using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Membership.Organisations.Read;

/// <summary>
/// membership.organisations, inline: a read right after a write sees it. Each update only applies to
/// a row whose last_seq is below the event's, so a replay never applies an event twice.
/// </summary>
internal sealed class OrganisationsProjection : IProjection
{
    public string Name => "membership.organisations";

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(OrganisationApplied), typeof(OrganisationDetailsChanged), typeof(OrganisationActivated), typeof(OrganisationSuspended),
        typeof(OrganisationReactivated), typeof(OrganisationEnded), typeof(CooperativeSharesSubscribed), typeof(CooperativeSharePaymentRecorded),
    ];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
            batch.BatchCommands.Add(Command(e));
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate membership.organisations");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(StoredEvent e) => e.Data switch
    {
        OrganisationApplied a => With(new NpgsqlBatchCommand("""
            insert into membership.organisations (id, last_seq, version, applied_at, updated_at,
                name, kind, non_profit, street, postal_code, city, contact_email, contact_phone, status)
            values ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'applied')
            on conflict (id) do nothing
            """), e, DetailsValues(a.Details)),
        OrganisationDetailsChanged c => Update(e, """
            name = $5, kind = $6, non_profit = $7, street = $8, postal_code = $9, city = $10, contact_email = $11, contact_phone = $12
            """, DetailsValues(c.Details)),
        OrganisationActivated or OrganisationReactivated => Update(e, "status = 'active', status_reason = null"),
        OrganisationSuspended s => Update(e, "status = 'suspended', status_reason = $5", s.Reason),
        OrganisationEnded x => Update(e, "status = 'ended', status_reason = $5", x.Reason),
        CooperativeSharesSubscribed s => Update(e, "shares_subscribed = $5, cents_per_share = $6", s.Shares, s.CentsPerShare),
        CooperativeSharePaymentRecorded p => Update(e, """
            paid_cents = paid_cents + $6,
            share_payments = share_payments || jsonb_build_array(jsonb_build_object('paidOn', $5::date, 'amountCents', $6::bigint))
            """, p.PaidOn, p.AmountCents),
        _ => throw new InvalidOperationException($"{nameof(OrganisationsProjection)} does not handle {e.EventType}."),
    };

    private static object?[] DetailsValues(OrganisationDetails d) =>
    [
        d.Name, Names.Of(d.Kind), d.NonProfit, d.Address?.Street, d.Address?.PostalCode, d.Address?.City, d.Contact?.Email, d.Contact?.Phone,
    ];

    private static NpgsqlBatchCommand Update(StoredEvent e, string set, params object?[] values) =>
        With(new NpgsqlBatchCommand($"""
            update membership.organisations set {set}, last_seq = $2, version = $3, updated_at = $4
            where id = $1 and last_seq < $2
            """), e, values);

    /// <summary>$1 organisation id, $2 seq, $3 stream version, $4 recorded at, then the values.</summary>
    private static NpgsqlBatchCommand With(NpgsqlBatchCommand command, StoredEvent e, object?[] values)
    {
        var id = Guid.Parse(e.StreamId["organisation-".Length..]);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = e.RecordedAt });
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }
}
