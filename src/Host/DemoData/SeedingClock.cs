namespace Allmende.Host.DemoData;

/// <summary>
/// The host's clock where the demo may seed (Development, or Allmende:DemoData=true): real time, except while
/// <see cref="DemoData"/> lets the kiosk pilot's past weeks happen. Then it is set back to an instant of that
/// past and runs on from there, step by step, so that every rule holds as it held then: the hours were offered
/// before their first day, each appointment was booked before it began, and what came of it was recorded once
/// it had begun. Nothing is written around the rules, and the log still tells the truth about when: its
/// timestamps are the database's. Seeding runs once, on an empty database, before anyone signs in; a host
/// that never seeds the demo never has this clock.
/// </summary>
internal sealed class SeedingClock : TimeProvider
{
    private long _behindTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() - TimeSpan.FromTicks(Interlocked.Read(ref _behindTicks));

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    /// <summary>From now on the clock reads <paramref name="instant"/>, and runs on from it. Only ever into the past.</summary>
    public void SetBackTo(DateTimeOffset instant)
    {
        var behind = System.GetUtcNow() - instant;
        if (behind < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(instant), "The seeding clock goes back in time, never ahead of it.");
        Interlocked.Exchange(ref _behindTicks, behind.Ticks);
    }

    /// <summary>Real time again.</summary>
    public void Resume() => Interlocked.Exchange(ref _behindTicks, 0);
}
