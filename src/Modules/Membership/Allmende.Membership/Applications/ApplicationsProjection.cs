using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Membership.Applications;

/// <summary>
/// membership.applications, inline: staff see an application the moment it was sent. The contact
/// person stays sealed here too, and is nulled when erased. Updates apply only past last_seq (replay-safe).
/// </summary>
internal sealed class ApplicationsProjection : IProjection
{
    public string Name => "membership.applications";

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(MembershipApplicationSubmitted), typeof(MembershipApplicationApproved), typeof(MembershipApplicationDeclined),
        typeof(MembershipApplicationContactErased),
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
        await using var command = context.Command("truncate membership.applications");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(StoredEvent e) => e.Data switch
    {
        MembershipApplicationSubmitted s => With(new NpgsqlBatchCommand("""
            insert into membership.applications (id, last_seq, version, submitted_at, updated_at, status,
                name, kind, non_profit, street, postal_code, city, contact_email, contact_phone,
                person_name_sealed, person_email_sealed, person_phone_sealed, consent_given_at, consent_text_version)
            values ($1, $2, $3, $4, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
            on conflict (id) do nothing
            """), e,
            [
                s.Organisation.Name, Names.Of(s.Organisation.Kind), s.Organisation.NonProfit, s.Organisation.Address?.Street,
                s.Organisation.Address?.PostalCode, s.Organisation.Address?.City, s.Organisation.Contact?.Email, s.Organisation.Contact?.Phone,
                s.ContactPerson.Name, s.ContactPerson.Email, s.ContactPerson.Phone, s.Consent.GivenAt, s.Consent.TextVersion,
            ]),
        MembershipApplicationApproved a => Update(e, "status = 'approved', decided_at = $4, organisation_id = $5", a.OrganisationId),
        MembershipApplicationDeclined d => Update(e, "status = 'declined', decided_at = $4, decline_reason = $5", d.Reason),
        MembershipApplicationContactErased => Update(e,
            "person_name_sealed = null, person_email_sealed = null, person_phone_sealed = null, contact_erased_at = $4"),
        _ => throw new InvalidOperationException($"{nameof(ApplicationsProjection)} does not handle {e.EventType}."),
    };

    private static NpgsqlBatchCommand Update(StoredEvent e, string set, params object?[] values) =>
        With(new NpgsqlBatchCommand($"""
            update membership.applications set {set}, last_seq = $2, version = $3, updated_at = $4
            where id = $1 and last_seq < $2
            """), e, values);

    /// <summary>$1 application id, $2 seq, $3 stream version, $4 recorded at, then the values.</summary>
    private static NpgsqlBatchCommand With(NpgsqlBatchCommand command, StoredEvent e, object?[] values)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.Parse(e.StreamId["application-".Length..]) });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = e.RecordedAt });
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }
}
