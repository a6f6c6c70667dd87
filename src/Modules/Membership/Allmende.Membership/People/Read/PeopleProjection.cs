using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Membership.People.Read;

/// <summary>
/// membership.people and its detail tables, inline. Personal data is kept only sealed, as the events
/// hold it; the reader opens it with the person's key. PersonForgotten also nulls the sealed values, so
/// an erased person's row holds nothing of them even before the key's absence is noticed. Every write
/// is gated by the person row's last_seq, so a replay applies nothing twice.
/// </summary>
internal sealed class PeopleProjection : IProjection
{
    public string Name => "membership.people";

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(PersonRegistered), typeof(PersonalDataChanged), typeof(PersonStartedActing), typeof(PersonStoppedActing),
        typeof(MembershipPlanAssigned), typeof(MembershipPlanEnded), typeof(DutyRotaJoined), typeof(DutyRotaLeft), typeof(PersonForgotten),
        typeof(TrialStarted), typeof(TrialConverted), typeof(TrialEnded), typeof(NeedsSurveyAnswered),
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
        // Not membership.person_keys: the keys are not in the log and cannot be rebuilt.
        await using var command = context.Command(
            "truncate membership.people, membership.person_organisations, membership.person_plans, membership.duty_rota, membership.survey_answers");
        await command.ExecuteNonQueryAsync(ct);
    }

    private const string Gate = """
        with gate as (
            update membership.people set last_seq = $2, version = $3, updated_at = $4
            where id = $1 and last_seq < $2
            returning id)
        """;

    private static NpgsqlBatchCommand Command(StoredEvent e) => e.Data switch
    {
        PersonRegistered r => With("""
            insert into membership.people (id, last_seq, version, registered_at, updated_at, name_sealed, email_sealed, phone_sealed)
            values ($1, $2, $3, $4, $4, $5, $6, $7)
            on conflict (id) do nothing
            """, e, r.PersonalData.Name, r.PersonalData.Email, r.PersonalData.Phone),
        PersonalDataChanged c => With("""
            update membership.people set name_sealed = $5, email_sealed = $6, phone_sealed = $7, last_seq = $2, version = $3, updated_at = $4
            where id = $1 and last_seq < $2
            """, e, c.PersonalData.Name, c.PersonalData.Email, c.PersonalData.Phone),
        PersonStartedActing s => With($"""
            {Gate}
            insert into membership.person_organisations (person_id, organisation_id, role, since)
            select id, $5::uuid, $6::text, $4 from gate
            on conflict (person_id, organisation_id) do update set role = excluded.role, since = excluded.since, until = null
            """, e, s.OrganisationId, Names.Of(s.Role)),
        PersonStoppedActing s => With($"""
            {Gate}
            update membership.person_organisations set until = $4
            where person_id = $1 and organisation_id = $5 and exists (select from gate)
            """, e, s.OrganisationId),
        MembershipPlanAssigned p => With($"""
            {Gate}
            insert into membership.person_plans (person_id, seq, organisation_id, plan, valid_from, valid_until)
            select id, $2, $5::uuid, $6::text, $7::date, $8::date from gate
            on conflict do nothing
            """, e, p.OrganisationId, Names.Of(p.Plan), p.ValidFrom, p.ValidUntil),
        MembershipPlanEnded p => With($"""
            {Gate}
            update membership.person_plans set valid_until = $7::date
            where person_id = $1 and organisation_id is not distinct from $5::uuid and valid_from = $6::date and exists (select from gate)
            """, e, p.OrganisationId, p.ValidFrom, p.ValidUntil),
        DutyRotaJoined d => With($"""
            {Gate}
            insert into membership.duty_rota (person_id, site_id, since)
            select id, $5::uuid, $4 from gate
            on conflict do nothing
            """, e, d.SiteId),
        DutyRotaLeft d => With($"""
            {Gate}
            delete from membership.duty_rota where person_id = $1 and site_id = $5 and exists (select from gate)
            """, e, d.SiteId),
        PersonForgotten => With("""
            with forgotten as (
                update membership.people set name_sealed = null, email_sealed = null, phone_sealed = null, forgotten_at = $4,
                    last_seq = $2, version = $3, updated_at = $4
                where id = $1 and last_seq < $2
                returning id)
            update membership.survey_answers set needs_sealed = null where person_id in (select id from forgotten)
            """, e),
        // Trials are read from the person's stream; the row only moves its version, which is the person's ETag.
        TrialStarted or TrialConverted or TrialEnded => With($"""
            update membership.people set last_seq = $2, version = $3, updated_at = $4 where id = $1 and last_seq < $2
            """, e),
        NeedsSurveyAnswered a => With($"""
            {Gate}
            insert into membership.survey_answers (person_id, one_way_km, means, commuting_days_per_week, needs_sealed, answered_at)
            select id, $5::numeric, $6::text, $7::int, $8::text, $4 from gate
            on conflict (person_id) do update set one_way_km = excluded.one_way_km, means = excluded.means,
                commuting_days_per_week = excluded.commuting_days_per_week, needs_sealed = excluded.needs_sealed, answered_at = excluded.answered_at
            """, e, a.OneWayKm, Names.Of(a.Means), a.CommutingDaysPerWeek, a.NeedsSealed),
        _ => throw new InvalidOperationException($"{nameof(PeopleProjection)} does not handle {e.EventType}."),
    };

    /// <summary>$1 person id, $2 seq, $3 stream version, $4 recorded at, then the values.</summary>
    private static NpgsqlBatchCommand With(string sql, StoredEvent e, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.Parse(e.StreamId["person-".Length..]) });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = e.RecordedAt });
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }
}
