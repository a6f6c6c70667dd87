using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Audit;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Funding;

/// <summary>
/// GET /api/funding/funders/{id}/audit-export: what a funder takes home and checks with the offline
/// verifier. Two funders, each with a grant paying for room hours at its own site, and one booking at
/// each. Each test gets its own database: the tampering cannot be undone.
/// </summary>
public sealed class FunderAuditExportTests : IAsyncLifetime, IDisposable
{
    private readonly AuditApp _app = new();
    private Guid _funder, _otherFunder, _grant, _otherGrant, _booking, _otherBooking;

    public async Task InitializeAsync()
    {
        await _app.InitializeAsync();
        var rooms = new GrantedRooms(_app);
        var (space, site, organisation) = await rooms.RoomWithRateAsync(2_000);
        var (otherSpace, otherSite, otherOrganisation) = await rooms.RoomWithRateAsync(3_000);
        _funder = await rooms.FunderAsync("Stiftung Nachbarschaft");
        _otherFunder = await rooms.FunderAsync("Wohnungsbaugesellschaft");
        _grant = await rooms.GrantAsync(_funder, site);
        _otherGrant = await rooms.GrantAsync(_otherFunder, otherSite);
        using var admin = _app.AdminClient();
        _booking = await GrantedRooms.IdOf(await BookAsync(admin, space, organisation, FutureHour(20), FutureHour(20).AddHours(2))
            .ShouldHaveStatus(HttpStatusCode.Created));
        _otherBooking = await GrantedRooms.IdOf(await BookAsync(admin, otherSpace, otherOrganisation, FutureHour(21), FutureHour(21).AddHours(1))
            .ShouldHaveStatus(HttpStatusCode.Created));
        await rooms.AllocatedAsync(_booking);
        await rooms.AllocatedAsync(_otherBooking);
        await _app.ChainedAsync();
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)_app).DisposeAsync();

    public void Dispose() => _app.Dispose(); // already stopped by DisposeAsync; disposing again does nothing

    private static async Task<string> DownloadAsync(HttpClient client, Guid funderId)
    {
        using var response = await client.GetAsync($"/api/funding/funders/{funderId}/audit-export", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/jsonl");
        var path = Path.Combine(Path.GetTempPath(), $"allmende-funder-export-test-{Guid.NewGuid():N}.jsonl");
        await using (var file = File.Create(path))
            await response.Content.CopyToAsync(file);
        return path;
    }

    private async Task<long[]> SeqsOfAsync(string streamId)
    {
        await using var command = _app.DataSource.CreateCommand("select seq_id from marten.mt_events where stream_id = $1 order by seq_id");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = streamId });
        var seqs = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            seqs.Add(reader.GetInt64(0));
        return [.. seqs];
    }

    [Fact]
    public async Task A_funders_export_verifies_offline_and_carries_its_grant_and_booked_booking_in_full_and_the_rest_as_digests()
    {
        using var funder = await _app.ClientAsync(Roles.Funder, funderId: _funder);
        var file = await DownloadAsync(funder, _funder);
        try
        {
            var (exit, output) = await AuditApp.VerifyOfflineAsync(file);
            exit.ShouldBe(0, output);
            output.ShouldContain("\nOK: ", Case.Sensitive, output);

            var entries = GrantedRooms.Lines(file).Where(l => l.TryGetProperty("seq", out _)).ToList();
            var inFull = entries.Where(l => l.TryGetProperty("event", out _)).ToList();
            inFull.Select(l => l.GetProperty("event").GetProperty("stream").GetString()).Distinct().Order(StringComparer.Ordinal).ShouldBe(
                new[] { $"funder-{_funder}", $"grant-{_grant}", $"booking-{_booking}", $"booking-cost-{_booking}" }.Order(StringComparer.Ordinal));
            // Every event of those streams is there in full, not just some.
            inFull.Select(l => l.GetProperty("seq").GetInt64()).Order().ShouldBe(
                (await SeqsOfAsync($"funder-{_funder}")).Concat(await SeqsOfAsync($"grant-{_grant}"))
                    .Concat(await SeqsOfAsync($"booking-{_booking}")).Concat(await SeqsOfAsync($"booking-cost-{_booking}")).Order());

            var bySeq = entries.ToDictionary(l => l.GetProperty("seq").GetInt64());
            var hidden = (await SeqsOfAsync($"grant-{_otherGrant}")).Concat(await SeqsOfAsync($"booking-{_otherBooking}"))
                .Concat(await SeqsOfAsync($"funder-{_otherFunder}")).ToList();
            hidden.ShouldNotBeEmpty();
            foreach (var seq in hidden)
                (bySeq[seq].TryGetProperty("digest", out _), bySeq[seq].TryGetProperty("event", out _)).ShouldBe((true, false), $"event {seq}");
            File.ReadAllText(file).ShouldNotContain("Wohnungsbaugesellschaft");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_booking_two_funders_paid_shows_each_its_own_part_in_full_and_the_others_as_a_digest_and_both_verify()
    {
        var rooms = new GrantedRooms(_app);
        var (space, site, organisation) = await rooms.RoomWithRateAsync(3_000);
        // The funder's grant pays 40 % first, the other funder's the rest.
        var ownGrant = await rooms.GrantAsync(_funder, site, shareBasisPoints: 4_000, priority: 1);
        var otherGrant = await rooms.GrantAsync(_otherFunder, site, shareBasisPoints: 10_000, priority: 2);
        using var admin = _app.AdminClient();
        var booking = await GrantedRooms.IdOf(await BookAsync(admin, space, organisation, FutureHour(22), FutureHour(22).AddHours(2))
            .ShouldHaveStatus(HttpStatusCode.Created));
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(_app.ConnectionString,
            "select count(*) from funding.allocations where source_id = $1 and grant_id is not null", booking) == 2, "both grants pay a part");
        await _app.ChainedAsync();

        foreach (var (funderId, mine, theirs, theirFunder) in new[] { (_funder, ownGrant, otherGrant, _otherFunder), (_otherFunder, otherGrant, ownGrant, _funder) })
        {
            using var funder = await _app.ClientAsync(Roles.Funder, funderId: funderId);
            var file = await DownloadAsync(funder, funderId);
            try
            {
                var (exit, output) = await AuditApp.VerifyOfflineAsync(file);
                exit.ShouldBe(0, output);
                var cost = GrantedRooms.Lines(file).Where(l => l.TryGetProperty("seq", out _)).ToList();
                var allocations = cost.Where(l => l.TryGetProperty("event", out var e) && e.GetProperty("stream").GetString() == $"booking-cost-{booking}"
                                                  && e.GetProperty("type").GetString() == "funding.cost.allocated")
                    .Select(l => l.GetProperty("event").GetProperty("data")).ToList();
                allocations.Select(a => (a.GetProperty("grantId").GetGuid(), a.GetProperty("funderId").GetGuid()))
                    .ShouldBe([(mine, funderId)], $"funder {funderId}");
                var text = File.ReadAllText(file);
                text.ShouldNotContain(theirs.ToString());
                text.ShouldNotContain(theirFunder.ToString());

                // The other part is there as a digest: the entry exists, only its content is withheld.
                var hidden = await _app.ScalarAsync("""
                    select seq_id from marten.mt_events where stream_id = $1 and type = 'funding.cost.allocated' and data ->> 'grantId' = $2
                    """, $"booking-cost-{booking}", theirs.ToString());
                var line = cost.Single(l => l.GetProperty("seq").GetInt64() == hidden);
                (line.TryGetProperty("digest", out _), line.TryGetProperty("event", out _)).ShouldBe((true, false));
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public async Task Another_funder_and_an_unknown_funder_get_404()
    {
        using var other = await _app.ClientAsync(Roles.Funder, funderId: _otherFunder);
        using var admin = _app.AdminClient();
        using var member = await _app.ClientAsync(Roles.Member);

        await other.GetAsync($"/api/funding/funders/{_funder}/audit-export").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/funding/funders/{Guid.NewGuid()}/audit-export").ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.GetAsync($"/api/funding/funders/{_funder}/audit-export").ShouldHaveStatus(HttpStatusCode.Forbidden);
        (await (await admin.GetAsync($"/api/funding/funders/{_funder}/audit-export?from=9&to=3")).InvalidFieldsAsync()).ShouldBe(["from"]);
    }

    [Fact]
    public async Task A_changed_event_of_the_booked_booking_is_named_by_the_verifier()
    {
        var victim = (await SeqsOfAsync($"booking-{_booking}"))[0];
        var position = await _app.ScalarAsync("select position from eventing.audit_chain where seq = $1", victim);

        await _app.TamperAsync($"update marten.mt_events set data = jsonb_set(data, '{{attendees}}', '80') where seq_id = {victim}");

        using var funder = await _app.ClientAsync(Roles.Funder, funderId: _funder);
        var file = await DownloadAsync(funder, _funder);
        try
        {
            var (exit, output) = await AuditApp.VerifyOfflineAsync(file);
            exit.ShouldBe(1, output);
            output.ShouldContain($"BROKEN at event {victim} (position {position}): changed.", Case.Sensitive, output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
