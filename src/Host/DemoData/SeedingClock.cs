using Npgsql;

namespace Allmende.Host.DemoData;

/// <summary>
/// The host's clock where the demo may seed (Development, or Allmende:DemoData=true): real time, except while
/// <see cref="DemoData"/> lets the kiosk pilot's past weeks happen. Then it is set back to an instant of that
/// past and runs on from there, step by step, so that every rule holds as it held then: the hours were offered
/// before their first day, each appointment was booked before it began, and what came of it was recorded once
/// it had begun. Nothing is written around the rules; the log's instants are this clock's, so the pilot's
/// events carry the past days they happened on, in order. Seeding runs once, on an empty database, before
/// anyone signs in; a host that never seeds the demo never has this clock.
/// </summary>
/// <remarks>
/// Scheduled messages (a booking's no-show check, an appointment's reminder) are due by this clock, but
/// Wolverine fires them by real time: a unit of work converts the due instant by the clock's distance from
/// real time when it schedules (docs/adr/0015). So whenever that distance changes, the scheduled envelopes
/// move by the same step, and each still fires when this clock reaches its instant: a no-show check due in
/// the pilot's past fires as soon as the clock is back on real time, as it would have then.
/// </remarks>
internal sealed class SeedingClock(NpgsqlDataSource database) : TimeProvider
{
    private long _behindTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() - TimeSpan.FromTicks(Interlocked.Read(ref _behindTicks));

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    /// <summary>From now on the clock reads <paramref name="instant"/>, and runs on from it. Only ever into the past.</summary>
    public Task SetBackToAsync(DateTimeOffset instant)
    {
        var behind = System.GetUtcNow() - instant;
        if (behind < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(instant), "The seeding clock goes back in time, never ahead of it.");
        return MoveAsync(behind);
    }

    /// <summary>Real time again.</summary>
    public Task ResumeAsync() => MoveAsync(TimeSpan.Zero);

    private async Task MoveAsync(TimeSpan behind)
    {
        var step = behind - TimeSpan.FromTicks(Interlocked.Exchange(ref _behindTicks, behind.Ticks));
        if (step == TimeSpan.Zero)
            return;
        await using var command = database.CreateCommand("""
            update wolverine.wolverine_incoming_envelopes
               set execution_time = execution_time + $1 where status = 'Scheduled'
            """);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = step });
        await command.ExecuteNonQueryAsync();
    }
}
