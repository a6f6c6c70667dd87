using System.Globalization;
using Allmende.Eventing.Api;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Eventing.Reporting;

/// <summary>
/// The log position a report reads at. Current (no asOf): every row that is true now
/// (<see cref="Sequence"/> = long.MaxValue). As of an instant: the settled position S(T), the highest
/// position the knowledge horizon had recorded at or before T; the same T always gives the same S.
/// </summary>
public sealed record ReportPosition(DateTimeOffset? AsOf, long Sequence)
{
    public static ReportPosition Current { get; } = new(null, long.MaxValue);

    public bool IsCurrent => AsOf is null;

    /// <summary>The position to show in a report: null for a current one.</summary>
    public long? Settled => IsCurrent ? null : Sequence;
}

/// <summary>Rules a report can answer 409 with.</summary>
public static class ReportRules
{
    /// <summary>The knowledge horizon has not passed asOf yet (the daemon lags or does not run): ask again shortly.</summary>
    public const string NotYetSettled = "not-yet-settled";
}

/// <summary>
/// The asOf query parameter of every report: an instant with offset (ISO 8601, e.g.
/// 2026-11-20T18:00:00Z or 2026-11-20T19:00:00%2B01:00); malformed is a 400 naming the field.
/// </summary>
public static class AsOfQuery
{
    public const string Field = "asOf";

    public static DateTimeOffset? Parse(string? value, string field = Field)
    {
        if (value is null)
            return null;
        return value.Contains('T', StringComparison.Ordinal)
               && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            ? Query.Bounded(instant.ToUniversalTime(), field)
            : throw new BadInputException(field, $"{field} must be an instant with offset like 2026-11-20T18:00:00Z (encode + as %2B).");
    }
}

/// <summary>
/// Temporal read-model rows carry the positions between which they were true: known_from_seq (the
/// event that made the row) and known_until_seq (the event that replaced it; null while current).
/// </summary>
public static class Temporal
{
    /// <summary>SQL: the row of <paramref name="alias"/> was true at the position in <paramref name="parameter"/>.</summary>
    public static string KnownAt(string alias, string parameter) =>
        $"{alias}.known_from_seq <= {parameter} and ({alias}.known_until_seq is null or {alias}.known_until_seq > {parameter})";
}

/// <summary>
/// Resolves asOf to a settled log position (ADR 14). Exact across hosts: the horizon's times and the
/// "now" this compares with both come from the database's clock, not the hosts'.
/// </summary>
public sealed class AsOfResolver(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>How long a report waits for the horizon to pass asOf before answering 409 not-yet-settled.</summary>
    public static TimeSpan SettleWait { get; } = TimeSpan.FromSeconds(2);

    public async Task<ReportPosition> ResolveAsync(DateTimeOffset? asOf, CancellationToken ct, string field = AsOfQuery.Field)
    {
        if (asOf is not { } instant)
            return ReportPosition.Current;

        var deadline = time.GetUtcNow() + SettleWait;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var settled = await TryResolveAsync(instant, field, ct);
            if (settled is { } position)
                return new ReportPosition(instant, position);
            if (time.GetUtcNow() >= deadline)
            {
                throw new DomainException(ReportRules.NotYetSettled,
                    $"What the system knew at {instant:O} is not settled yet (the projection daemon has not caught up past it). Ask again shortly.");
            }
            await Task.Delay(delay, time, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
        }
    }

    /// <returns>S(T), or null while the horizon has not passed T.</returns>
    private async Task<long?> TryResolveAsync(DateTimeOffset asOf, string field, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // 1. Wait for a batch the daemon is applying right now, and keep the next one from starting
        //    until this transaction ends: any row written later reads clock_timestamp() after "now" below.
        // 2. "now" by the database's clock: asOf after it lies in the future.
        // 3. S(T), whether the horizon already recorded a batch after T, and whether the daemon has
        //    caught up with every visible event (then nothing known by T can still be missing).
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("select 1 from eventing.projection_checkpoints where projection = $1 for share")
                {
                    Parameters = { new NpgsqlParameter<string> { TypedValue = KnowledgeHorizon.ProjectionName } },
                },
                new("""
                    select clock_timestamp(),
                           coalesce((select position from eventing.knowledge_horizon where known_at <= $1 order by known_at desc limit 1), 0),
                           exists (select 1 from eventing.knowledge_horizon where known_at > $1),
                           not exists (select 1 from marten.mt_events
                                       where seq_id > coalesce((select max(position) from eventing.knowledge_horizon), 0))
                    """)
                {
                    Parameters = { new NpgsqlParameter { Value = asOf, NpgsqlDbType = NpgsqlDbType.TimestampTz } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var now = reader.GetFieldValue<DateTimeOffset>(0);
        var position = reader.GetInt64(1);
        var recordedAfter = reader.GetBoolean(2);
        var caughtUp = reader.GetBoolean(3);
        await reader.DisposeAsync();
        await transaction.CommitAsync(ct);

        if (asOf > now)
            throw new BadInputException(field, $"{field} lies in the future (the database's clock reads {now.ToUniversalTime():O}).");
        return recordedAfter || caughtUp ? position : null;
    }
}

/// <summary>Registration of the reporting pieces; called by AddEventing.</summary>
internal static class ReportingServiceCollectionExtensions
{
    public static IServiceCollection AddReporting(this IServiceCollection services)
    {
        services.AddSingleton<AsOfResolver>();
        services.Configure<EventingOptions>(o =>
        {
            o.AddMigrations(ReportingSchema.Migrations);
            o.AddProjection<KnowledgeHorizon>(Projections.ProjectionLifecycle.Async);
        });
        return services;
    }
}
