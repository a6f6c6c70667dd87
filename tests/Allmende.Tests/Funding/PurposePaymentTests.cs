using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Funding.Purposes;
using Allmende.Funding.Reports;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Funding;

/// <summary>
/// A business sponsor's small purpose (issue 17, item 4; ADR 20): a housing company funds the prize of a
/// photo contest; staff record the payment against the grant, within its budget and period, reverse it
/// with a reason, and the sponsor sees it in its report (JSON, CSV, HTML) and audit export, no one else's.
/// </summary>
public sealed class PurposePaymentTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private async Task<(Guid Funder, Guid Grant, Guid Organisation)> PhotoContestAsync()
    {
        var organisation = await new BookingsWorld(app).OrganisationAsync();
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from funding.organisations where organisation_id = $1", organisation) == 1, "Funding knows the association");
        using var admin = app.AdminClient();
        var funder = await GrantedRooms.IdOf(await admin.SendAsync("POST", "/api/funding/funders", new
        {
            name = "Wohnungsbaugesellschaft Musterstadt", kind = "business-sponsor", contact = new { office = "Quartiersmanagement" },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        var grant = await GrantedRooms.IdOf(await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name = "Preis des Fotowettbewerbs", reference = $"FOTO-{Guid.NewGuid():N}"[..12], budgetCents = 50_000,
            startsOn = "2027-03-01", endsOn = "2027-09-30", coverage = new { costTypes = new[] { "purpose-payments" } },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        return (funder, grant, organisation);
    }

    private static object Payment(Guid organisationId, string paidOn = "2027-06-20", long amountCents = 30_000, string? whatFor = "Preisgeld 1. Platz",
        string? receiptReference = "Beleg 2027-0142") => new { organisationId, paidOn, amountCents, whatFor, receiptReference };

    private static async Task<FunderReport> ReportAsync(HttpClient client, Guid grant) =>
        (await (await client.GetAsync($"/api/funding/reports/grants/{grant}?period=year&from=2027-01-01").ShouldHaveStatus(HttpStatusCode.OK))
            .Content.ReadFromJsonAsync<FunderReport>(Web))!;

    [Fact]
    public async Task A_prize_paid_from_a_sponsors_grant_is_in_its_report_and_export_and_a_reversal_gives_the_budget_back()
    {
        var (funder, grant, organisation) = await PhotoContestAsync();
        using var admin = app.AdminClient();
        var url = $"/api/funding/grants/{grant}/purpose-payments";

        (await (await admin.SendAsync("POST", url, Payment(organisation, whatFor: " ", receiptReference: null))).InvalidFieldsAsync()).Order()
            .ShouldBe(["receiptReference", "whatFor"]);
        (await (await admin.SendAsync("POST", url, Payment(organisation, paidOn: "2027-10-01"))).InvalidFieldsAsync()).ShouldBe(["paidOn"]);
        (await (await admin.SendAsync("POST", url, Payment(Guid.NewGuid()))).InvalidFieldsAsync()).ShouldBe(["organisationId"]);
        await admin.SendAsync("POST", $"/api/funding/grants/{Guid.NewGuid()}/purpose-payments", Payment(organisation)).ShouldHaveStatus(HttpStatusCode.NotFound);

        var created = await admin.SendAsync("POST", url, Payment(organisation)).ShouldHaveStatus(HttpStatusCode.Created);
        var paid = (await created.Content.ReadFromJsonAsync<PurposePaymentResponse>(Web))!;
        paid.ShouldBe(new PurposePaymentResponse(paid.Id, grant, funder, organisation, new DateOnly(2027, 6, 20), 30_000, "Preisgeld 1. Platz",
            "Beleg 2027-0142", "paid", null, $"purpose-payment-{paid.Id}", paid.RecordedAt, paid.Version));
        created.Headers.Location!.ToString().ShouldBe($"/api/funding/purpose-payments/{paid.Id}");

        // 200 € left of 500 €: a second payment of 250 € is refused, naming the rule.
        var over = await admin.SendAsync("POST", url, Payment(organisation, amountCents: 25_000, whatFor: "Preisgeld 2. Platz"));
        over.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await over.RuleAsync()).ShouldBe("over-budget");
        (await (await admin.GetAsync($"/api/funding/grants/{grant}")).JsonAsync()).GetProperty("remainingCents").GetInt64().ShouldBe(20_000);

        // The sponsor reads its own payments and report; another funder learns nothing of them.
        using var sponsor = await app.ClientAsync(Roles.Funder, funderId: funder);
        var listed = (await (await sponsor.GetAsync(url).ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadFromJsonAsync<Page<PurposePaymentResponse>>(Web))!;
        listed.Items.ShouldBe([paid]);
        var other = await new GrantedRooms(app).FunderAsync("Andere Stiftung");
        using var stranger = await app.ClientAsync(Roles.Funder, funderId: other);
        await stranger.GetAsync(url).ShouldHaveStatus(HttpStatusCode.NotFound);
        await stranger.GetAsync($"/api/funding/purpose-payments/{paid.Id}").ShouldHaveStatus(HttpStatusCode.NotFound);

        var report = await ReportAsync(sponsor, grant);
        report.Purposes.ShouldBe(new PurposeFigures(1, 30_000, [new PurposePaymentFigure(paid.Id, new DateOnly(2027, 6, 20), "Preisgeld 1. Platz",
            "Beleg 2027-0142", organisation, 30_000)]), new PurposeFiguresComparer());
        (report.AmountCents, report.Budget).ShouldBe((30_000L, new BudgetUse(50_000, 30_000, 30_000, 20_000)));
        var csv = await (await sponsor.GetAsync($"/api/funding/reports/grants/{grant}?period=year&from=2027-01-01&format=csv")).Content.ReadAsStringAsync();
        csv.ShouldContain($"purpose-payment,{paid.Id},whatFor,Preisgeld 1. Platz\npurpose-payment,{paid.Id},receiptReference,Beleg 2027-0142\n");
        csv.ShouldContain("purpose-payments,,amountCents,30000\n");
        var html = await (await sponsor.GetAsync($"/api/funding/reports/grants/{grant}?period=year&from=2027-01-01&format=html")).Content.ReadAsStringAsync();
        html.ShouldContain("<tr><td>20.06.2027</td><td>Preisgeld 1. Platz</td><td>Beleg 2027-0142</td><td class=\"n\">300,00 €</td></tr>");

        // The sponsor's audit export holds the payment's stream in full: what for, the receipt, the charge.
        var export = await (await sponsor.GetAsync($"/api/funding/funders/{funder}/audit-export").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        var inFull = export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.TryGetProperty("event", out var e) && e.GetProperty("stream").GetString() == paid.CostId)
            .Select(l => l.GetProperty("event").GetProperty("type").GetString()).ToList();
        inFull.ShouldBe(["funding.purpose-payment.recorded", "funding.cost.line-recorded", "funding.cost.allocated", "funding.cost.settled"]);

        // Reversed with a reason (If-Match on the payment): the budget is whole again, the report shows no payment.
        var reversal = $"/api/funding/purpose-payments/{paid.Id}/reversal";
        await admin.SendAsync("POST", reversal, new { reason = "Preis nicht vergeben" }).ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        (await (await admin.SendAsync("POST", reversal, new { reason = "" }, created.ETag())).InvalidFieldsAsync()).ShouldBe(["reason"]);
        var reversed = await admin.SendAsync("POST", reversal, new { reason = "Preis nicht vergeben" }, created.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        var after = (await reversed.Content.ReadFromJsonAsync<PurposePaymentResponse>(Web))!;
        after.ShouldBe(paid with { Status = "reversed", ReversalReason = "Preis nicht vergeben", Version = after.Version });
        (await (await admin.SendAsync("POST", reversal, new { reason = "noch einmal" }, reversed.ETag())).RuleAsync()).ShouldBe("payment-reversed");
        await admin.SendAsync("POST", reversal, new { reason = "veraltet" }, created.ETag()).ShouldHaveStatus(HttpStatusCode.Conflict);
        (await (await admin.GetAsync($"/api/funding/purpose-payments/{paid.Id}")).Content.ReadFromJsonAsync<PurposePaymentResponse>(Web))
            .ShouldBe(after);

        var afterReport = await ReportAsync(sponsor, grant);
        (afterReport.Purposes.Payments, afterReport.Purposes.AmountCents, afterReport.Purposes.Items.Count, afterReport.Budget)
            .ShouldBe((0, 0L, 0, new BudgetUse(50_000, 0, 0, 50_000)));
        await admin.SendAsync("POST", url, Payment(organisation, amountCents: 50_000, whatFor: "Preisgeld, neu vergeben")).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_grant_that_pays_no_purposes_or_is_closed_refuses_a_payment_naming_why()
    {
        var (funder, _, organisation) = await PhotoContestAsync();
        using var admin = app.AdminClient();
        var rooms = await GrantedRooms.IdOf(await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name = "Raumkosten", reference = "RAUM-1", budgetCents = 50_000, startsOn = "2027-01-01", endsOn = "2027-12-31",
            coverage = new { costTypes = new[] { "room-hours" } },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        (await (await admin.SendAsync("POST", $"/api/funding/grants/{rooms}/purpose-payments", Payment(organisation))).RuleAsync()).ShouldBe("not-covered");

        var grant = await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name = "Gesundheitsprojekt Kinderheim", reference = "GES-1", budgetCents = 80_000, startsOn = "2027-01-01", endsOn = "2027-12-31",
            coverage = new { costTypes = new[] { "purpose-payments" } },
        }).ShouldHaveStatus(HttpStatusCode.Created);
        var id = await GrantedRooms.IdOf(grant);
        await admin.SendAsync("POST", $"/api/funding/grants/{id}/close", new { reason = "Projekt beendet" }, grant.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        (await (await admin.SendAsync("POST", $"/api/funding/grants/{id}/purpose-payments", Payment(organisation))).RuleAsync()).ShouldBe("grant-closed");
    }

    /// <summary>Records compare lists by reference: the figures compare their items by value.</summary>
    private sealed class PurposeFiguresComparer : IEqualityComparer<PurposeFigures>
    {
        public bool Equals(PurposeFigures? x, PurposeFigures? y) =>
            x is not null && y is not null && (x.Payments, x.AmountCents) == (y.Payments, y.AmountCents) && x.Items.SequenceEqual(y.Items);

        public int GetHashCode(PurposeFigures obj) => obj.Payments;
    }
}
