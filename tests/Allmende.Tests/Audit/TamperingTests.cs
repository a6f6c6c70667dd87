using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Allmende.Eventing;
using Allmende.Eventing.Audit;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Allmende.Tests.Audit;

/// <summary>
/// Someone with the database owner's rights changes the log behind the system's back. Each test
/// gets its own database: what it does cannot be undone. The verify endpoint and the offline
/// verifier (on an export taken after the change) must both name the first broken event.
/// </summary>
public sealed class TamperingTests : IAsyncLifetime, IDisposable
{
    private readonly AuditApp _app = new();
    private IReadOnlyList<StoredEvent> _grant = [];
    private IReadOnlyList<StoredEvent> _other = [];

    public async Task InitializeAsync()
    {
        await _app.InitializeAsync();
        _grant = await _app.AppendTalliesAsync("grant", streams: 2, countsEach: 4);
        _other = await _app.AppendTalliesAsync("other", streams: 1, countsEach: 4);
        await _app.ChainedAsync();
    }

    /// <summary>Stops the host and drops its database.</summary>
    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    public void Dispose() => _app.Dispose(); // already stopped by DisposeAsync; disposing again does nothing

    private async Task<long> PositionAsync(long seq) => await _app.ScalarAsync("select position from eventing.audit_chain where seq = $1", seq);

    private async Task<AuditVerification> VerifyAsync(string query = "")
    {
        using var admin = _app.AdminClient();
        return (await admin.GetFromJsonAsync<AuditVerification>($"/api/audit/verify{query}"))!;
    }

    private async Task<(int Exit, string Output)> ExportAndVerifyOfflineAsync(string query, params string[] checkpoints)
    {
        using var admin = _app.AdminClient();
        var file = await _app.ExportToFileAsync(admin, query);
        try
        {
            return await AuditApp.VerifyOfflineAsync(file, checkpoints);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_changed_event_is_named_by_the_endpoint_and_by_the_offline_verifier()
    {
        var victim = _grant[5];
        var position = await PositionAsync(victim.Sequence);
        (await VerifyAsync()).Ok.ShouldBeTrue();

        await _app.TamperAsync($"update marten.mt_events set data = jsonb_set(data, '{{amount}}', '9990') where seq_id = {victim.Sequence}");

        var verification = await VerifyAsync();
        (verification.Ok, verification.Problem, verification.Seq, verification.FirstBrokenPosition, verification.VerifiedEvents)
            .ShouldBe((false, "changed", (long?)victim.Sequence, (long?)position, position - 1));

        // In full (its stream is selected) and as a digest (it is not): either way the export shows it.
        foreach (var query in new[] { "?streamPrefix=grant-", "?streamPrefix=other-" })
        {
            var (exit, output) = await ExportAndVerifyOfflineAsync(query);
            exit.ShouldBe(1, output);
            output.ShouldContain($"BROKEN at event {victim.Sequence} (position {position}): changed.", Case.Sensitive, output);
        }
    }

    [Fact]
    public async Task A_deleted_event_is_named_as_missing_by_the_endpoint_and_by_the_offline_verifier()
    {
        var victim = _other[2];
        var position = await PositionAsync(victim.Sequence);

        await _app.TamperAsync($"delete from marten.mt_events where seq_id = {victim.Sequence}");

        var verification = await VerifyAsync();
        (verification.Ok, verification.Problem, verification.Seq, verification.FirstBrokenPosition)
            .ShouldBe((false, "missing", (long?)victim.Sequence, (long?)position));
        var (exit, output) = await ExportAndVerifyOfflineAsync("?streamPrefix=grant-");
        exit.ShouldBe(1, output);
        output.ShouldContain($"BROKEN at event {victim.Sequence} (position {position}): missing.", Case.Sensitive, output);
    }

    [Fact]
    public async Task An_event_deleted_together_with_its_chain_entry_is_still_named_as_missing()
    {
        // An event no periodic checkpoint names (a checkpoint naming it would be the first thing to notice).
        StoredEvent? victim = null;
        foreach (var e in _grant.Skip(1))
        {
            if (await PositionAsync(e.Sequence) % AuditApp.CheckpointInterval != 0)
            {
                victim = e;
                break;
            }
        }
        victim.ShouldNotBeNull();
        var next = await _app.ScalarAsync("select min(seq_id) from marten.mt_events where seq_id > $1", victim.Sequence);
        var position = await PositionAsync(victim.Sequence);

        await _app.TamperAsync($"delete from marten.mt_events where seq_id = {victim.Sequence}; delete from eventing.audit_chain where seq = {victim.Sequence}");

        var verification = await VerifyAsync();
        (verification.Ok, verification.Problem, verification.Seq, verification.FirstBrokenPosition)
            .ShouldBe((false, "missing", (long?)next, (long?)position));
        var (exit, output) = await ExportAndVerifyOfflineAsync("");
        exit.ShouldBe(1, output);
        output.ShouldContain($"BROKEN at event {next} (position {position}): missing.", Case.Sensitive, output);
    }

    [Fact]
    public async Task An_event_inserted_among_chained_ones_is_named_by_the_endpoint_and_by_the_offline_verifier()
    {
        // A number a rolled-back append burned: the chain went past it, an attacker can fill it.
        var burned = await _app.ScalarAsync("select nextval('marten.mt_events_sequence')");
        var later = await _app.AppendTalliesAsync("later", streams: 1, countsEach: 1);
        await _app.ChainedAsync();
        var stream = _grant[0].StreamId;

        await _app.TamperAsync($"""
            insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp)
            values ({burned}, gen_random_uuid(), '{stream}', 99, 'tests.tally-counted', '{"{"}"amount": 1000000{"}"}', now())
            """);

        var verification = await VerifyAsync();
        (verification.Ok, verification.Problem, verification.Seq, verification.FirstBrokenPosition)
            .ShouldBe((false, "inserted", (long?)burned, (long?)await PositionAsync(later[0].Sequence)));
        var (exit, output) = await ExportAndVerifyOfflineAsync("?streamPrefix=grant-");
        exit.ShouldBe(1, output);
        output.ShouldContain($"BROKEN at event {burned} (position {await PositionAsync(later[0].Sequence)}): inserted.", Case.Sensitive, output);
    }

    [Fact]
    public async Task A_change_covered_up_by_recomputing_the_chain_is_caught_by_the_checkpoints_a_funder_kept()
    {
        using var admin = _app.AdminClient();
        var kept = (await admin.GetFromJsonAsync<List<AuditCheckpoint>>("/api/audit/checkpoints"))!;
        var victim = _grant[1];
        var broken = kept.First(c => c.Seq >= victim.Sequence);

        // The attacker changes an event, then has the system rebuild the chain. The rebuild meets the
        // recorded checkpoints and stops at the first it no longer gives.
        await _app.TamperAsync($"update marten.mt_events set data = jsonb_set(data, '{{amount}}', '9990') where seq_id = {victim.Sequence}");
        (await admin.PostAsync($"/api/admin/projections/{AuditChainProjection.ProjectionName}/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.ReachedAsync(async () => await _app.ScalarAsync(
            "select count(*) from eventing.projection_checkpoints where projection = $1 and status = 'stopped' and error_seq = $2",
            AuditChainProjection.ProjectionName, broken.Seq) == 1, "the rebuild stops at the first checkpoint past the change");

        // So the attacker deletes the checkpoints too and rebuilds again: now the chain and the
        // checkpoints on the server agree with the changed log...
        await _app.ExecuteAsync("delete from eventing.audit_checkpoints");
        (await admin.PostAsync($"/api/admin/projections/{AuditChainProjection.ProjectionName}/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await _app.ChainedAsync();
        await Eventually.ReachedAsync(async () => await _app.ScalarAsync(
            "select count(*) from eventing.audit_checkpoints where seq = $1", broken.Seq) == 1, "the periodic checkpoints are back");
        (await VerifyAsync()).Ok.ShouldBeTrue();

        // ... but not with the checkpoint the funder kept.
        var (exit, output) = await ExportAndVerifyOfflineAsync("?streamPrefix=grant-", "--checkpoint", $"{broken.Seq}:{broken.Hash}");
        exit.ShouldBe(1, output);
        output.ShouldContain($"BROKEN at event {broken.Seq} (position {broken.Position}): checkpoint.", Case.Sensitive, output);
    }

    [Fact]
    public async Task A_change_in_a_later_page_is_named_at_its_place_by_a_paged_verification_and_export()
    {
        var options = _app.Services.GetRequiredService<IOptions<EventingOptions>>().Value;
        options.AuditPageSize = 2;
        var victim = _other[3];
        var position = await PositionAsync(victim.Sequence);
        (victim.Sequence - _grant[0].Sequence).ShouldBeGreaterThan(4 * options.AuditPageSize); // pages after the first few

        await _app.TamperAsync($"update marten.mt_events set data = jsonb_set(data, '{{amount}}', '9990') where seq_id = {victim.Sequence}");

        var verification = await VerifyAsync();
        (verification.Ok, verification.Problem, verification.Seq, verification.FirstBrokenPosition, verification.VerifiedEvents)
            .ShouldBe((false, "changed", (long?)victim.Sequence, (long?)position, position - 1));
        var (exit, output) = await ExportAndVerifyOfflineAsync("?streamPrefix=grant-");
        exit.ShouldBe(1, output);
        output.ShouldContain($"BROKEN at event {victim.Sequence} (position {position}): changed.", Case.Sensitive, output);
    }

    [Fact]
    public async Task A_rebuild_that_stopped_on_a_change_before_a_page_is_answered_409_naming_where_it_stopped()
    {
        var victim = _other[1]; // in a page the walk has not read when the change comes
        var stoppedAt = await TamperAndRebuildAfterFirstPageAsync(victim);

        var (status, rule, detail) = await VerifyProblemAsync();

        (status, rule).ShouldBe((HttpStatusCode.Conflict, "audit-chain-stopped"));
        detail.ShouldStartWith($"The audit chain was being rebuilt and stopped at event {stoppedAt} before reaching event ");
    }

    [Fact]
    public async Task A_chain_recomputed_over_a_change_to_pages_already_read_is_answered_409_verify_again_not_a_wrong_place()
    {
        var victim = _grant[0]; // in the first page, read before the change
        await TamperAndRebuildAfterFirstPageAsync(victim);

        var (status, rule, _) = await VerifyProblemAsync();

        (status, rule).ShouldBe((HttpStatusCode.Conflict, "audit-chain-changed"));
    }

    /// <summary>With pages of two, after the first page someone changes the event and rebuilds the chain, which stops at the next checkpoint.</summary>
    private async Task<long> TamperAndRebuildAfterFirstPageAsync(StoredEvent victim)
    {
        _app.Services.GetRequiredService<IOptions<EventingOptions>>().Value.AuditPageSize = 2;
        using var admin = _app.AdminClient();
        var kept = (await admin.GetFromJsonAsync<List<AuditCheckpoint>>("/api/audit/checkpoints"))!;
        var stoppedAt = kept.First(c => c.Seq >= victim.Sequence).Seq;
        var pages = 0;
        _app.Services.GetRequiredService<AuditTrail>().PageObserver = async (moment, ct) =>
        {
            if (moment.Stage != AuditPageStage.Ended || ++pages != 1)
                return;
            await _app.TamperAsync($"update marten.mt_events set data = jsonb_set(data, '{{amount}}', '9990') where seq_id = {victim.Sequence}");
            using var staff = _app.AdminClient();
            (await staff.PostAsync($"/api/admin/projections/{AuditChainProjection.ProjectionName}/rebuild", null, ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
            await Eventually.ReachedAsync(async () => await _app.ScalarAsync(
                "select count(*) from eventing.projection_checkpoints where projection = $1 and status = 'stopped' and error_seq = $2",
                AuditChainProjection.ProjectionName, stoppedAt) == 1, "the rebuild stops at the first checkpoint past the change");
        };
        return stoppedAt;
    }

    private async Task<(HttpStatusCode Status, string? Rule, string? Detail)> VerifyProblemAsync()
    {
        using var admin = _app.AdminClient();
        using var response = await admin.GetAsync("/api/audit/verify");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        return (response.StatusCode, (string?)problem!["rule"], (string?)problem["detail"]);
    }
}
