using Allmende.Eventing.Messaging;
using Allmende.Eventing.Schema;
using Allmende.Membership.Contracts;
using Npgsql;

namespace Allmende.Bookings.Commuting;

/// <summary>
/// Bookings' copy of each person's survey answer in figures (one-way km, means, days a week), from
/// Membership's contract: what the commuting report multiplies desk-days by. The person's newest answer
/// wins (PersonVersion), whatever order the messages arrive in. No personal text ever reaches it.
/// </summary>
internal sealed class CommuteSurveys
{
    public static Migration Version11 { get; } = new(BookingsSchema.Module, 11, "copies of the needs survey's commute figures (commuting avoided)", """
        create table bookings.commute_surveys (
            person_id               uuid primary key,
            one_way_km              numeric(6,1) not null,
            means                   text not null,
            commuting_days_per_week int not null,
            person_version          bigint not null
        );
        """);

    public async Task Handle(CommuteSurveyAnswered message, MessageContext context, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into bookings.commute_surveys as t (person_id, one_way_km, means, commuting_days_per_week, person_version)
            values ($1, $2, $3, $4, $5)
            on conflict (person_id) do update set one_way_km = excluded.one_way_km, means = excluded.means,
                commuting_days_per_week = excluded.commuting_days_per_week, person_version = excluded.person_version
            where t.person_version < excluded.person_version
            """, context.Database.Connection, context.Database.Transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.PersonId });
        command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = message.OneWayKm });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Means });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = message.CommutingDaysPerWeek });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = message.PersonVersion });
        await command.ExecuteNonQueryAsync(ct);
    }
}
