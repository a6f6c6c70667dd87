using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Allmende.Funding.Allocation;
using Npgsql;

namespace Allmende.Funding.Purposes;

/// <summary>
/// funding.purpose_payments: one row per payment for a grant's purpose, for the list and the labels of the
/// funder report. Version: the payment stream's version after its last event (the cost events share the
/// stream, so every event of it moves the version). Inline; idempotent by last_seq.
/// </summary>
internal sealed class PurposePaymentsProjection : IProjection
{
    public string Name => "funding.purpose-payments";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. PurposePaymentNames.All.Select(e => e.Type), .. CostEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            var command = e.Data switch
            {
                PurposePaymentRecorded r => Command("""
                    insert into funding.purpose_payments (payment_id, version, last_seq, grant_id, funder_id, organisation_id, paid_on, amount_cents,
                        what_for, receipt_reference, recorded_at)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                    on conflict (payment_id) do nothing
                    """, r.PaymentId, e, r.GrantId, r.FunderId, r.OrganisationId, r.PaidOn, r.AmountCents, r.WhatFor, r.ReceiptReference, r.At),
                PurposePaymentReversed x => Command("""
                    update funding.purpose_payments set reversal_reason = $4, version = $2, last_seq = $3
                    where payment_id = $1 and last_seq < $3
                    """, x.PaymentId, e, x.Reason),
                // A payment's own cost events (the same stream) move its version; other cost streams have no row here.
                _ when e.StreamId.StartsWith(Prefix, StringComparison.Ordinal) && Guid.TryParse(e.StreamId.AsSpan(Prefix.Length), out var id) =>
                    Command("update funding.purpose_payments set version = $2, last_seq = $3 where payment_id = $1 and last_seq < $3", id, e),
                _ => null,
            };
            if (command is not null)
                batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(ct);
    }

    private const string Prefix = "purpose-payment-";

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate funding.purpose_payments");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, Guid id, StoredEvent e, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        return command;
    }
}
