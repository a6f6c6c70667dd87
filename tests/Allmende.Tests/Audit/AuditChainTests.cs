using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Audit;
using Allmende.Tests.Infrastructure;
using Npgsql;

namespace Allmende.Tests.Audit;

/// <summary>The chain over an untouched log: what it holds, rebuilds, checkpoints, verification and exports.</summary>
public sealed class AuditChainTests(AuditApp app) : IClassFixture<AuditApp>
{
    private async Task<List<IndependentChain.Entry>> ChainAsync()
    {
        await using var command = app.DataSource.CreateCommand("select seq, position, hash from eventing.audit_chain order by seq");
        await using var reader = await command.ExecuteReaderAsync();
        var entries = new List<IndependentChain.Entry>();
        while (await reader.ReadAsync())
            entries.Add(new IndependentChain.Entry(reader.GetInt64(0), reader.GetInt64(1), Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2))));
        return entries;
    }

    [Fact]
    public async Task The_chain_equals_a_recomputation_by_the_rules_of_the_ADR_including_events_of_types_this_host_does_not_know()
    {
        await app.AppendTalliesAsync("tally", streams: 3, countsEach: 4);
        // Written as another version of the software might have: an unknown type, keys out of order,
        // numbers spelled in ways jsonb keeps (1.50) or normalises (1e2).
        var stream = $"foreign-{Guid.NewGuid():N}";
        await app.ExecuteAsync($"""
            insert into marten.mt_streams (id, type, version, timestamp, created) values ('{stream}', 'foreign', 1, now(), now());
            insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp)
            values (nextval('marten.mt_events_sequence'), gen_random_uuid(), '{stream}', 1, 'tests.never-registered', '{"{"}"b": 1.50, "a": [1e2, -0, "x\\ty", null, true], "ü": {"{"}"z": 0.0010{"}"}{"}"}', now());
            """);
        await app.AppendTalliesAsync("tally", streams: 1, countsEach: 1);
        await app.ChainedAsync();

        var expected = await IndependentChain.RecomputeAsync(app.DataSource);

        expected.Count.ShouldBeGreaterThanOrEqualTo(3 * 5 + 1 + 2);
        (await ChainAsync()).ShouldBe(expected);
    }

    [Fact]
    public async Task A_rebuild_of_the_chain_gives_the_same_hashes_and_keeps_the_checkpoints()
    {
        await app.AppendTalliesAsync("rebuild", streams: 2, countsEach: 6);
        await app.ChainedAsync();
        var before = await ChainAsync();
        using var admin = app.AdminClient();
        var checkpoints = await admin.GetFromJsonAsync<List<AuditCheckpoint>>("/api/audit/checkpoints");

        (await admin.PostAsync($"/api/admin/projections/{AuditChainProjection.ProjectionName}/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.ReachedAsync(async () =>
            await app.ScalarAsync("select count(*) from eventing.projection_checkpoints where projection = $1 and status = 'running' and position >= $2",
                AuditChainProjection.ProjectionName, before[^1].Seq) == 1 && (await ChainAsync()).Count >= before.Count,
            "the chain is rebuilt");

        (await ChainAsync()).Take(before.Count).ShouldBe(before);
        (await admin.GetFromJsonAsync<List<AuditCheckpoint>>("/api/audit/checkpoints"))!.Take(checkpoints!.Count).ShouldBe(checkpoints);
    }

    [Fact]
    public async Task Every_fifth_event_leaves_a_checkpoint_with_the_chains_hash_and_one_can_be_asked_for_in_between()
    {
        await app.AppendTalliesAsync("checkpoints", streams: 2, countsEach: 5);
        await app.ChainedAsync();
        var chain = (await ChainAsync()).ToDictionary(e => e.Seq);
        using var admin = app.AdminClient();

        var checkpoints = await admin.GetFromJsonAsync<List<AuditCheckpoint>>("/api/audit/checkpoints");

        var periodic = checkpoints!.Where(c => c.Reason == "periodic").ToList();
        periodic.Select(c => c.Position).ShouldBe(chain.Values.Select(e => e.Position).Where(p => p % AuditApp.CheckpointInterval == 0).Order());
        periodic.ShouldAllBe(c => chain[c.Seq].Position == c.Position && chain[c.Seq].Hash == c.Hash);

        await app.AppendTalliesAsync("checkpoints", streams: 1, countsEach: 0); // one event: the head is (most likely) between two
        await app.ChainedAsync();
        var head = (await ChainAsync())[^1];
        var created = await admin.PostAsync("/api/audit/checkpoints", null);
        var again = await admin.PostAsync("/api/audit/checkpoints", null);

        created.StatusCode.ShouldBe(head.Position % AuditApp.CheckpointInterval == 0 ? HttpStatusCode.OK : HttpStatusCode.Created);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var checkpoint = await again.Content.ReadFromJsonAsync<AuditCheckpoint>();
        (checkpoint!.Seq, checkpoint.Position, checkpoint.Hash).ShouldBe((head.Seq, head.Position, head.Hash));
        (await created.Content.ReadFromJsonAsync<AuditCheckpoint>()).ShouldBe(checkpoint);
    }

    [Fact]
    public async Task The_untouched_log_verifies_in_whole_and_in_part_and_meets_its_checkpoints()
    {
        using var auditor = await app.ClientAsync(Allmende.Eventing.Api.Roles.Auditor); // issuing the key appends an event
        await app.AppendTalliesAsync("verify", streams: 2, countsEach: 7);
        await app.ChainedAsync();
        var chain = await ChainAsync();

        var whole = await auditor.GetFromJsonAsync<AuditVerification>("/api/audit/verify");
        var part = await auditor.GetFromJsonAsync<AuditVerification>($"/api/audit/verify?from={chain[3].Seq}&to={chain[12].Seq}");

        var checkpointed = chain.Where(e => e.Position % AuditApp.CheckpointInterval == 0).ToList();
        whole.ShouldNotBeNull();
        (whole.Ok, whole.From, whole.To, whole.ChainedThrough, whole.VerifiedEvents).ShouldBe((true, 1L, chain[^1].Seq, chain[^1].Seq, (long)chain.Count));
        (whole.FirstBrokenPosition, whole.Seq, whole.Problem, whole.Detail).ShouldBe((null, null, null, null));
        whole.CheckpointsChecked.ShouldBeGreaterThanOrEqualTo(checkpointed.Count); // and those other tests asked for
        whole.LastCheckpoint!.Seq.ShouldBeGreaterThanOrEqualTo(checkpointed[^1].Seq);
        part!.Ok.ShouldBeTrue();
        part.VerifiedEvents.ShouldBe(10);
        var recorded = await auditor.GetFromJsonAsync<List<AuditCheckpoint>>("/api/audit/checkpoints");
        part.CheckpointsChecked.ShouldBe(recorded!.Count(c => c.Seq >= chain[2].Seq && c.Seq <= chain[12].Seq), "a checkpoint at the entry before 'from' is checked too");
    }

    [Fact]
    public async Task An_untouched_export_verifies_offline_and_chains_to_the_checkpoints_a_funder_kept()
    {
        await app.AppendTalliesAsync("grant", streams: 2, countsEach: 3);
        await app.AppendTalliesAsync("other", streams: 2, countsEach: 3);
        await app.ChainedAsync();
        using var admin = app.AdminClient();
        var kept = (await admin.GetFromJsonAsync<List<AuditCheckpoint>>("/api/audit/checkpoints"))!;
        var first = kept[0];
        var last = kept[^1];

        var whole = await app.ExportToFileAsync(admin, "?streamPrefix=grant-");
        var later = await app.ExportToFileAsync(admin, $"?from={first.Seq + 1}&streamPrefix=grant-");
        try
        {
            var (exit, output) = await AuditApp.VerifyOfflineAsync(whole, "--checkpoint", $"{first.Seq}:{first.Hash}", "--checkpoint", $"{last.Seq}:{last.Hash}");
            exit.ShouldBe(0, output);
            output.ShouldContain("OK: ");
            output.ShouldContain("2 of yours agree");

            // The next export starts where the funder's checkpoint ends: that checkpoint anchors it.
            (exit, output) = await AuditApp.VerifyOfflineAsync(later, "--checkpoint", $"{first.Seq}:{first.Hash}");
            exit.ShouldBe(0, output);
            output.ShouldContain("1 of yours agree");

            var wrong = new string('0', 64);
            (exit, output) = await AuditApp.VerifyOfflineAsync(whole, "--checkpoint", $"{last.Seq}:{wrong}");
            exit.ShouldBe(1, output);
            output.ShouldContain($"BROKEN at event {last.Seq} (position {last.Position}): checkpoint.");
        }
        finally
        {
            File.Delete(whole);
            File.Delete(later);
        }
    }

    [Fact]
    public async Task The_export_carries_the_selected_streams_events_in_full_and_the_others_as_digests()
    {
        var grant = await app.AppendTalliesAsync("funded", streams: 1, countsEach: 2);
        var other = await app.AppendTalliesAsync("private", streams: 1, countsEach: 2);
        await app.ChainedAsync();
        using var admin = app.AdminClient();

        var file = await app.ExportToFileAsync(admin, $"?from={grant[0].Sequence}&to={other[^1].Sequence}&streamPrefix=funded-");
        var lines = (await File.ReadAllLinesAsync(file)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        File.Delete(file);

        var header = lines[0];
        header.GetProperty("format").GetString().ShouldBe("allmende-audit-export");
        header.GetProperty("version").GetInt32().ShouldBe(1);
        header.GetProperty("from").GetInt64().ShouldBe(grant[0].Sequence);
        var entries = lines.Where(l => l.TryGetProperty("seq", out _)).ToList();
        entries.Select(e => e.GetProperty("seq").GetInt64()).ShouldBe(grant.Concat(other).Select(e => e.Sequence));
        var full = entries.Where(e => e.TryGetProperty("event", out _)).Select(e => e.GetProperty("event")).ToList();
        full.Select(e => e.GetProperty("id").GetGuid()).ShouldBe(grant.Select(e => e.EventId));
        full[0].GetProperty("data").GetRawText().ShouldBe("""{"name":"Kiosk \"Ecke\" – Grüße\n"}""");
        full[1].GetProperty("actor").ValueKind.ShouldBe(JsonValueKind.Null);
        full[2].GetProperty("actor").GetString().ShouldBe("admin");
        entries.Where(e => e.TryGetProperty("digest", out _)).Count().ShouldBe(other.Count);
        lines[^1].GetProperty("end").GetProperty("events").GetInt64().ShouldBe(grant.Count);
    }

    [Fact]
    public async Task Ranges_that_make_no_sense_are_refused_naming_the_field()
    {
        using var admin = app.AdminClient();
        foreach (var (query, field) in new[] { ("from=0", "from"), ("to=-1", "to"), ("from=5&to=4", "from"), ("from=abc", "from") })
        {
            foreach (var path in new[] { "verify", "export" })
            {
                var response = await admin.GetAsync($"/api/audit/{path}?{query}");
                response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{path}?{query}");
                (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"{path}?{query}");
            }
        }
    }

    [Fact]
    public async Task The_log_refuses_updates_and_deletes_unless_someone_switches_its_guard_off()
    {
        await app.AppendTalliesAsync("guard", streams: 1, countsEach: 0);
        var update = await Should.ThrowAsync<PostgresException>(() => app.ExecuteAsync("update marten.mt_events set user_name = 'x' where seq_id = (select max(seq_id) from marten.mt_events)"));
        var delete = await Should.ThrowAsync<PostgresException>(() => app.ExecuteAsync("delete from marten.mt_events where seq_id = (select max(seq_id) from marten.mt_events)"));
        var truncate = await Should.ThrowAsync<PostgresException>(() => app.ExecuteAsync("truncate marten.mt_events cascade"));

        update.MessageText.ShouldContain("append-only: UPDATE refused");
        delete.MessageText.ShouldContain("append-only: DELETE refused");
        truncate.MessageText.ShouldContain("append-only: TRUNCATE refused");
    }
}
