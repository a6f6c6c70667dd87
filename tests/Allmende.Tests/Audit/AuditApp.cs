using System.Net;
using Allmende.Eventing;
using Allmende.Eventing.Streams;
using Allmende.Tests.Eventing;
using Allmende.Tests.Infrastructure;
using Allmende.Verifier;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Audit;

/// <summary>The host with the test tallies and a checkpoint every five events, plus what audit tests do to it.</summary>
public sealed class AuditApp : AllmendeApp
{
    public const int CheckpointInterval = 5;

    public AuditApp() => With("Eventing:AuditCheckpointInterval", CheckpointInterval.ToString(System.Globalization.CultureInfo.InvariantCulture));

    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<EventingOptions>(o => o.RegisterTallies());

    /// <summary>A tally per stream prefix, opened and counted: events of several streams interleaved in the log.</summary>
    public async Task<IReadOnlyList<StoredEvent>> AppendTalliesAsync(string prefix, int streams, int countsEach)
    {
        var stored = new List<StoredEvent>();
        var ids = Enumerable.Range(0, streams).Select(_ => $"{prefix}-{Guid.NewGuid():N}").ToList();
        foreach (var id in ids)
        {
            var uow = Store.Begin(new EventMetadata("member:mira", $"corr-{id}", null));
            uow.StartStream("tally", id, new TallyOpened("Kiosk \"Ecke\" – Grüße\n"));
            stored.AddRange(await uow.CommitAsync());
        }
        for (var i = 1; i <= countsEach; i++)
        {
            foreach (var id in ids)
            {
                var uow = Store.Begin(new EventMetadata(i % 2 == 0 ? "admin" : null, null, "cause-1"));
                uow.Append(id, i, new TallyCounted(i * 10));
                stored.AddRange(await uow.CommitAsync());
            }
        }
        return stored;
    }

    /// <summary>Waits until the chain covers every event now in the log.</summary>
    public async Task ChainedAsync()
    {
        var head = await ScalarAsync("select coalesce(max(seq_id), 0) from marten.mt_events");
        await Eventually.ReachedAsync(async () => await ScalarAsync("select coalesce(max(seq), 0) from eventing.audit_chain") >= head,
            $"the audit chain reaches event {head}");
    }

    public async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql, params object[] args)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>What an attacker with the database owner's rights does: switch the append-only guard off for one statement.</summary>
    public Task TamperAsync(string sql) => ExecuteAsync($"""
        alter table marten.mt_events disable trigger events_append_only;
        {sql};
        alter table marten.mt_events enable trigger events_append_only;
        """);

    /// <summary>GET /api/audit/export into a file, as a funder would save it.</summary>
    public async Task<string> ExportToFileAsync(HttpClient client, string query = "")
    {
        using var response = await client.GetAsync($"/api/audit/export{query}", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var path = Path.Combine(Path.GetTempPath(), $"allmende-audit-test-{Guid.NewGuid():N}.jsonl");
        await using (var file = File.Create(path))
            await response.Content.CopyToAsync(file);
        return path;
    }

    /// <summary>The offline verifier, called in-process through its entry method.</summary>
    public static async Task<(int Exit, string Output)> VerifyOfflineAsync(string file, params string[] more)
    {
        using var output = new StringWriter();
        var exit = await VerifierCommand.RunAsync([file, .. more], output);
        return (exit, output.ToString());
    }
}
