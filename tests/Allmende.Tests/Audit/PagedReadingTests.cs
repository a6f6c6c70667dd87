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
            if (moment.InTransaction)
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

    [Fact]
    public async Task A_rebuild_of_the_chain_between_pages_is_waited_for_and_never_read_as_tampering()
    {
        await app.AppendTalliesAsync("rebuilt", streams: 2, countsEach: 8);
        await app.ChainedAsync();
        var head = await app.ScalarAsync("select max(seq) from eventing.audit_chain");
        using var admin = app.AdminClient();
        var rebuilds = 0;
        async Task RebuildAfterSecondPage(AuditPageMoment moment, CancellationToken ct)
        {
            if (moment.InTransaction || ++rebuilds != 2)
                return;
            using var staff = app.AdminClient();
            (await staff.PostAsync($"/api/admin/projections/{AuditChainProjection.ProjectionName}/rebuild", null, ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var paged = await PagedAsync(4, RebuildAfterSecondPage, () => VerifyAsync(admin, $"?to={head}"));
        await app.ChainedAsync(); // the export's range is fixed on a rebuilt chain
        rebuilds = 0;
        var pagedExport = await PagedAsync(4, RebuildAfterSecondPage, () => ExportLinesAsync(admin, $"?to={head}"));

        rebuilds.ShouldBeGreaterThan(2);
        await app.ChainedAsync();
        var whole = await PagedAsync(int.MaxValue, null, () => VerifyAsync(admin, $"?to={head}"));
        whole.Ok.ShouldBeTrue();
        paged.ShouldBe(whole with { ChainedThrough = paged.ChainedThrough });
        (await PagedAsync(int.MaxValue, null, () => ExportLinesAsync(admin, $"?to={head}"))).ShouldBe(pagedExport);
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
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = AuditTrail.PageApplicationName });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (moment.InTransaction)
                open.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1)));
            else
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
