using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allmende.Eventing;
using Allmende.Eventing.Audit;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Allmende.Tests.Audit;

/// <summary>
/// Verification and export walk the log in pages, each in its own short transaction (ADR 13, "Paged
/// reading"): the answers and files are those of one page over everything, while the log grows and
/// while the chain is rebuilt between pages, and no transaction of theirs spans two pages.
/// </summary>
public sealed class PagedReadingTests(AuditApp app) : IClassFixture<AuditApp>
{
    private EventingOptions Options => app.Services.GetRequiredService<IOptions<EventingOptions>>().Value;

    private AuditTrail Trail => app.Services.GetRequiredService<AuditTrail>();

    /// <summary>Runs <paramref name="body"/> with this page size and page observer, then puts the host's own back.</summary>
    private async Task<T> PagedAsync<T>(int pageSize, Func<AuditPageMoment, CancellationToken, Task>? observer, Func<Task<T>> body)
    {
        var before = Options.AuditPageSize;
        Options.AuditPageSize = pageSize;
        Trail.PageObserver = observer;
        try
        {
            return await body();
        }
        finally
        {
            Trail.PageObserver = null;
            Options.AuditPageSize = before;
        }
    }

    private static async Task<AuditVerification> VerifyAsync(HttpClient client, string query) =>
        (await client.GetFromJsonAsync<AuditVerification>($"/api/audit/verify{query}"))!;

    /// <summary>An export's lines, the header without the moment it was taken (two exports differ only there).</summary>
    private async Task<List<string>> ExportLinesAsync(HttpClient client, string query)
    {
        var file = await app.ExportToFileAsync(client, query);
        try
        {
            var lines = (await File.ReadAllLinesAsync(file)).ToList();
            var header = JsonNode.Parse(lines[0])!.AsObject();
            header.Remove("exportedAt").ShouldBeTrue();
            lines[0] = header.ToJsonString();
            return lines;
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Verification_and_export_over_many_pages_while_events_are_appended_equal_one_page_over_all()
    {
        await app.AppendTalliesAsync("paged", streams: 3, countsEach: 6);
        await app.ChainedAsync();
        var head = await app.ScalarAsync("select max(seq) from eventing.audit_chain");
        var from = head - 20;
        using var admin = app.AdminClient();
        var pages = 0;
        async Task AppendBetweenPages(AuditPageMoment moment, CancellationToken ct)
        {
            if (moment.Stage != AuditPageStage.Ended)
                return;
            pages++;
            await app.AppendTalliesAsync("meanwhile", streams: 1, countsEach: 0);
        }

        var paged = await PagedAsync(3, AppendBetweenPages, () => VerifyAsync(admin, $"?from={from}"));
        var pagedExport = await PagedAsync(3, AppendBetweenPages, () => ExportLinesAsync(admin, $"?from={from}&to={head}&streamPrefix=paged-"));
        var pagedExportAll = await PagedAsync(3, AppendBetweenPages, () => ExportLinesAsync(admin, $"?to={head}"));

        pages.ShouldBeGreaterThanOrEqualTo(7 + 7 + (int)(head / 3));
        (paged.Ok, paged.From, paged.To, paged.ChainedThrough, paged.VerifiedEvents).ShouldBe((true, from, head, head, 21L));
        await app.ChainedAsync();
        var whole = await PagedAsync(int.MaxValue, null, () => VerifyAsync(admin, $"?from={from}&to={head}"));
        whole.ShouldBe(paged with { ChainedThrough = whole.ChainedThrough });
        whole.ChainedThrough.ShouldBeGreaterThan(head); // the appends between pages were chained meanwhile
        (await PagedAsync(int.MaxValue, null, () => ExportLinesAsync(admin, $"?from={from}&to={head}&streamPrefix=paged-"))).ShouldBe(pagedExport);
        (await PagedAsync(int.MaxValue, null, () => ExportLinesAsync(admin, $"?to={head}"))).ShouldBe(pagedExportAll);
    }

    /// <summary>
    /// After the second page, rebuilds the chain while holding its catch-up back: a lock on the
    /// checkpoints table, which the catch-up's first batch writes (periodic checkpoints) and a rebuild
    /// does not touch, so the next page surely finds the chain truncated. The lock goes when the walk
    /// says it waits (or, with <paramref name="releaseWhenWaiting"/> false, when the caller disposes it).
    /// </summary>
    private sealed class RebuildBetweenPages(AuditApp app, bool releaseWhenWaiting) : IAsyncDisposable
    {
        private Npgsql.NpgsqlConnection? _holding;
        private int _ended;

        public int Waits { get; private set; }

        public bool Rebuilt { get; private set; }

        public async Task ObserveAsync(AuditPageMoment moment, CancellationToken ct)
        {
            if (moment.Stage == AuditPageStage.WaitingForChain)
            {
                Waits++;
                if (releaseWhenWaiting)
                    await ReleaseAsync();
                return;
            }
            if (moment.Stage != AuditPageStage.Ended || ++_ended != 2)
                return;
            _holding = await app.DataSource.OpenConnectionAsync(ct);
            await using (var hold = new Npgsql.NpgsqlCommand("begin; lock table eventing.audit_checkpoints in exclusive mode", _holding))
                await hold.ExecuteNonQueryAsync(ct);
            using var staff = app.AdminClient();
            (await staff.PostAsync($"/api/admin/projections/{AuditChainProjection.ProjectionName}/rebuild", null, ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
            Rebuilt = true;
        }

        private async Task ReleaseAsync()
        {
            if (_holding is null)
                return;
            await using (var commit = new Npgsql.NpgsqlCommand("commit", _holding))
                await commit.ExecuteNonQueryAsync();
            await _holding.DisposeAsync();
            _holding = null;
        }

        public async ValueTask DisposeAsync() => await ReleaseAsync();
    }

    [Fact]
    public async Task A_rebuild_of_the_chain_between_pages_is_waited_for_and_never_read_as_tampering()
    {
        await app.AppendTalliesAsync("rebuilt", streams: 2, countsEach: 8);
        await app.ChainedAsync();
        var head = await app.ScalarAsync("select max(seq) from eventing.audit_chain");
        using var admin = app.AdminClient();

        AuditVerification paged;
        await using (var rebuild = new RebuildBetweenPages(app, releaseWhenWaiting: true))
        {
            paged = await PagedAsync(4, rebuild.ObserveAsync, () => VerifyAsync(admin, $"?to={head}"));
            (rebuild.Rebuilt, rebuild.Waits).ShouldBe((true, 1));
        }
        await app.ChainedAsync(); // the export's range is fixed on a rebuilt chain
        List<string> pagedExport;
        await using (var rebuild = new RebuildBetweenPages(app, releaseWhenWaiting: true))
        {
            pagedExport = await PagedAsync(4, rebuild.ObserveAsync, () => ExportLinesAsync(admin, $"?to={head}"));
            (rebuild.Rebuilt, rebuild.Waits).ShouldBe((true, 1));
        }

        await app.ChainedAsync();
        var whole = await PagedAsync(int.MaxValue, null, () => VerifyAsync(admin, $"?to={head}"));
        whole.Ok.ShouldBeTrue();
        paged.ShouldBe(whole with { ChainedThrough = paged.ChainedThrough });
        (await PagedAsync(int.MaxValue, null, () => ExportLinesAsync(admin, $"?to={head}"))).ShouldBe(pagedExport);
    }

    [Fact]
    public async Task A_rebuild_that_does_not_come_back_in_time_is_answered_409_verify_again_shortly()
    {
        await app.AppendTalliesAsync("slow", streams: 1, countsEach: 9);
        await app.ChainedAsync();
        var head = await app.ScalarAsync("select max(seq) from eventing.audit_chain");
        using var admin = app.AdminClient();
        var wait = Options.AuditRebuildWait;
        Options.AuditRebuildWait = TimeSpan.Zero;
        try
        {
            await using var rebuild = new RebuildBetweenPages(app, releaseWhenWaiting: false);
            using var response = await PagedAsync(4, rebuild.ObserveAsync, () => admin.GetAsync($"/api/audit/verify?to={head}"));

            response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            ((string?)problem["rule"], (string?)problem["detail"]).ShouldBe(("audit-chain-rebuilding",
                $"The audit chain is being rebuilt (it has reached event 0; this range needs event {Math.Min(head, 12)}): verify again shortly."));
        }
        finally
        {
            Options.AuditRebuildWait = wait;
        }
        await app.ChainedAsync();
    }

    [Fact]
    public async Task No_transaction_of_a_verification_spans_two_pages()
    {
        await app.AppendTalliesAsync("short", streams: 2, countsEach: 5);
        await app.ChainedAsync();
        using var admin = app.AdminClient();
        var head = await app.ScalarAsync("select max(seq) from eventing.audit_chain");
        var open = new List<(long Count, DateTime? Started)>();
        var between = new List<(long Count, DateTime At)>();
        async Task Look(AuditPageMoment moment, CancellationToken ct)
        {
            // The page's own transactions, named while they run, in this test's database.
            await using var command = app.DataSource.CreateCommand("""
                select count(*), min(xact_start)::timestamp, clock_timestamp()::timestamp from pg_stat_activity
                where datname = current_database() and application_name = $1 and xact_start is not null
                """);
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = Trail.PageApplicationName });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (moment.Stage == AuditPageStage.Read)
                open.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1)));
            else if (moment.Stage == AuditPageStage.Ended)
                between.Add((reader.GetInt64(0), reader.GetDateTime(2)));
        }

        var verification = await PagedAsync(1, Look, () => VerifyAsync(admin, $"?from={head - 11}&to={head}"));

        verification.Ok.ShouldBeTrue();
        between.Count.ShouldBe(12); // page size 1: one page per sequence number
        open.Count.ShouldBe(12);
        between.ShouldAllBe(b => b.Count == 0);
        open.ShouldAllBe(o => o.Count == 1);
        // Each page's transaction began after the one before had ended.
        for (var i = 1; i < open.Count; i++)
            open[i].Started!.Value.ShouldBeGreaterThan(between[i - 1].At);
    }
}
