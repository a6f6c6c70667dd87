using System.Text.Json;
using System.Text.Json.Serialization;
using Allmende.Eventing;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Eventing;

public sealed record Greeted(Guid Id, string Text);
public sealed record FlakyGreeting(Guid Id, int FailTimes);
public sealed record Reminder(Guid Id, string Text);
public sealed record StalledGreeting(Guid Id, int StallTimes);
public sealed record SeveredGreeting(Guid Id);

/// <summary>
/// A tally's label, read by <see cref="AppliedLogProjection"/> alone. Its stored body holds a string; one
/// holding a number cannot be read as this type until <see cref="LabelText.ReadsNumbers"/> (a release
/// that reads the old shape, in production an upcaster).
/// </summary>
public sealed record TallyLabelled([property: JsonConverter(typeof(LabelText))] string Label);

public sealed class LabelText : JsonConverter<string>
{
    public static bool ReadsNumbers { get; set; }

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Number when ReadsNumbers => reader.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new JsonException($"A label is text, not {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>Records every event it applies, counting repeats: a count above one is a double application.</summary>
public sealed class AppliedLogProjection : IProjection
{
    public string Name => "applied-log";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(TallyOpened), typeof(TallyCounted), typeof(TallyLabelled)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("""
            insert into tests.applied (seq, stream_id, applications, applied_by)
            select s, st, 1, current_setting('application_name') from unnest($1::bigint[], $2::text[]) as u(s, st)
            on conflict (seq) do update set applications = tests.applied.applications + 1
            """, events.Select(e => e.Sequence).ToArray(), events.Select(e => e.StreamId).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate tests.applied");
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Sums counted amounts per tally, but chokes on the amount <see cref="Poison"/> until fixed.</summary>
public sealed class FragileSumProjection : IProjection
{
    public const int Poison = 13;

    public static bool Fixed { get; set; }

    /// <summary>How many batches the projection was handed: a rebuild should take a few, not one per event.</summary>
    public static int Batches => Volatile.Read(ref _batches);

    private static int _batches;

    public string Name => "fragile-sum";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(TallyCounted)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        Interlocked.Increment(ref _batches);
        foreach (var e in events)
        {
            var counted = (TallyCounted)e.Data;
            if (counted.Amount == Poison && !Fixed)
                throw new InvalidOperationException($"cannot sum {Poison}");
            await using var command = context.Command("""
                insert into tests.sums (stream_id, total, last_seq) values ($1, $2, $3)
                on conflict (stream_id) do update set total = tests.sums.total + $2, last_seq = $3 where tests.sums.last_seq < $3
                """, e.StreamId, counted.Amount, e.Sequence);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate tests.sums");
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Writes its effect in the delivery's transaction: a row per message, counting repeats.</summary>
internal static class Effects
{
    public static async Task RecordAsync(MessageContext context, string handler, Guid id, CancellationToken ct)
    {
        await using var command = context.Database.Command("""
            insert into tests.handled (handler, id, times) values ($1, $2, 1)
            on conflict (handler, id) do update set times = tests.handled.times + 1
            """, handler, id);
        await command.ExecuteNonQueryAsync(ct);
    }
}

public sealed class GreetingLogger
{
    public Task Handle(Greeted message, MessageContext context, CancellationToken ct) => Effects.RecordAsync(context, "logger", message.Id, ct);
}

/// <summary>Always fails until <see cref="Fixed"/>: its deliveries end as dead letters.</summary>
[RetryPolicy(MaxAttempts = 3, InitialDelayMilliseconds = 10, MaxDelayMilliseconds = 50)]
public sealed class GreetingAuditor
{
    public static bool Fixed { get; set; }

    public async Task HandleAsync(Greeted message, MessageContext context, CancellationToken ct)
    {
        if (!Fixed && message.Text.Contains("audit", StringComparison.Ordinal))
            throw new InvalidOperationException("the auditor is broken");
        await Effects.RecordAsync(context, "auditor", message.Id, ct);
    }
}

[RetryPolicy(MaxAttempts = 6, InitialDelayMilliseconds = 10, MaxDelayMilliseconds = 50)]
public sealed class FlakyHandler
{
    public async Task Handle(FlakyGreeting message, MessageContext context, CancellationToken ct)
    {
        // Write first, then fail: the write must roll back with the failed attempt.
        await Effects.RecordAsync(context, "flaky", message.Id, ct);
        if (context.Attempt <= message.FailTimes)
            throw new InvalidOperationException($"flaky attempt {context.Attempt}");
        context.Work.Append($"flaky-{message.Id}", new TallyCounted(context.Attempt));
    }
}

public sealed class ReminderHandler
{
    public Task Handle(Reminder message, MessageContext context, CancellationToken ct) => Effects.RecordAsync(context, "reminder", message.Id, ct);
}

/// <summary>Hangs (honouring its token) on its first StallTimes attempts: the time limit must count them.</summary>
[RetryPolicy(MaxAttempts = 3, InitialDelayMilliseconds = 10, MaxDelayMilliseconds = 50)]
public sealed class StalledHandler
{
    public async Task Handle(StalledGreeting message, MessageContext context, CancellationToken ct)
    {
        if (context.Attempt <= message.StallTimes)
            await Task.Delay(Timeout.Infinite, ct);
        await Effects.RecordAsync(context, "stalled", message.Id, ct);
        context.Work.Append($"stalled-{message.Id}", new TallyCounted(context.Attempt)); // the attempt that succeeded
    }
}

/// <summary>On its first attempt the server ends its session, as it would end a transaction left idle too long.</summary>
[RetryPolicy(MaxAttempts = 3, InitialDelayMilliseconds = 10, MaxDelayMilliseconds = 50)]
public sealed class SeveredHandler
{
    public async Task Handle(SeveredGreeting message, MessageContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (context.Attempt == 1)
        {
            int pid;
            await using (var own = context.Database.Command("select pg_backend_pid()"))
                pid = (int)(await own.ExecuteScalarAsync(ct))!;
            await using (var terminate = db.CreateCommand($"select pg_terminate_backend({pid}, 5000)"))
                await terminate.ExecuteScalarAsync(ct);
        }
        await Effects.RecordAsync(context, "severed", message.Id, ct);
        context.Work.Append($"severed-{message.Id}", new TallyCounted(context.Attempt)); // the attempt that succeeded
    }
}

/// <summary>A host with the test events, both async projections and the test handlers.</summary>
public class BusApp : AllmendeApp
{
    // Takeover and restart tests wait for another node's envelopes and projections.
    protected override bool WaitsOnScheduledMessages => true;

    public static IEnumerable<Migration> Migrations =>
    [
        new("tests-bus", 1, "bus test tables", """
            create schema if not exists tests;
            create table tests.applied (seq bigint primary key, stream_id text not null, applications int not null, applied_by text not null);
            create table tests.sums (stream_id text primary key, total int not null, last_seq bigint not null);
            create table tests.handled (handler text not null, id uuid not null, times int not null, primary key (handler, id));
            """),
    ];

    public BusApp()
    {
    }

    internal BusApp(string connectionString, string hostId, bool runBackgroundWork = true) : base(connectionString, runBackgroundWork) =>
        With("Eventing:HostId", hostId);

    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<EventingOptions>(o =>
        {
            o.RegisterTallies();
            o.AddMigrations(Migrations);
            o.Types.Register<Greeted>("tests.greeted").Register<FlakyGreeting>("tests.flaky-greeting").Register<Reminder>("tests.reminder")
                .Register<StalledGreeting>("tests.stalled-greeting").Register<SeveredGreeting>("tests.severed-greeting")
                .Register<TallyLabelled>("tests.tally-labelled");
            // Short, so the stalled handlers' tests end soon; long enough that the severed handler's
            // terminate-and-wait never reaches it on a loaded machine (at 2 s it did, once in CI).
            o.HandlerTimeout = TimeSpan.FromSeconds(5);
            o.AddProjection<AppliedLogProjection>(ProjectionLifecycle.Async);
            o.AddProjection<FragileSumProjection>(ProjectionLifecycle.Async);
            o.AddHandlers(typeof(BusApp).Assembly);
        });

    public Task<long> ScalarAsync(string sql, params object[] args) => TestPostgres.ScalarAsync(ConnectionString, sql, args);

}
