using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Mail;

/// <summary>A host whose SMTP server refuses connections: a loopback port nobody listens on.</summary>
public sealed class UnreachableMailApp : AllmendeApp
{
    // A mail that cannot be sent is retried until it is dead-lettered.
    protected override bool WaitsOnScheduledMessages => true;

    public UnreachableMailApp()
    {
        With("Mail:Host", "127.0.0.1");
        With("Mail:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        With("Mail:Security", "None");
    }

    public int Port { get; } = FreePort();

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Mail never holds up a booking: a send that fails is retried with backoff, then parked as a dead letter.</summary>
public sealed class UnreachableMailTests(UnreachableMailApp app) : IClassFixture<UnreachableMailApp>
{
    [Fact]
    public async Task A_refused_send_is_retried_then_dead_lettered_and_the_booking_stands()
    {
        var world = new BookingsWorld(app);
        var (space, organisation) = await world.RoomAsync();
        using var admin = app.AdminClient();
        var (person, _) = await PeopleApiTests.RegisterAsync(admin, "Ole Ungesendet", "ole.ungesendet@example.org");
        var start = new DateTimeOffset(2027, 7, 6, 16, 0, 0, TimeSpan.Zero);

        var created = await admin.SendAsync("POST", "/api/bookings", new
        {
            spaceId = space, organisationId = organisation, personId = person.Id, start, end = start.AddHours(2), attendees = 5,
            purpose = "Sprachcafé", actionField = "living-together",
        }).ShouldHaveStatus(HttpStatusCode.Created);
        var body = await created.JsonAsync();
        var booking = body.GetProperty("id").GetGuid();
        body.GetProperty("status").GetString().ShouldBe("confirmed");

        // Five tries with backoff (2 s doubling, half of it jitter), then a dead letter: within about 30 s.
        JsonElement letter = default;
        await Eventually.ReachedAsync(async () =>
        {
            var list = await admin.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters?limit=500");
            letter = list.GetProperty("items").EnumerateArray().FirstOrDefault(l =>
                l.GetProperty("handler").GetString() == "Allmende.Host.Mail.BookingMails:bookings.booking-confirmed");
            return letter.ValueKind == JsonValueKind.Object;
        }, "the confirmation mail is dead-lettered", timeoutSeconds: 90);
        letter.GetProperty("attempts").GetInt32().ShouldBe(5);
        var shown = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/dead-letters/{letter.GetProperty("id").GetGuid()}");
        shown.GetProperty("error").GetString()!.ShouldContain($"the SMTP server 127.0.0.1:{app.Port} could not be reached (ConnectionRefused)");
        shown.GetProperty("error").GetString()!.ShouldNotContain("ungesendet", Case.Insensitive);
        shown.GetProperty("message").GetProperty("bookingId").GetGuid().ShouldBe(booking);

        // The booking is untouched, and Funding's delivery of the same message went its own way.
        var read = await admin.GetAsync($"/api/bookings/{booking}");
        ((await read.JsonAsync()).GetProperty("status").GetString(), SpacesHttp.ETag(read)).ShouldBe(("confirmed", "\"2\""));
        (await WolverineEnvelopes.HandledAsync(app.DataSource, "bookings.booking-confirmed", "bookingId", booking)).ShouldBeGreaterThanOrEqualTo(1);
        app.Log.Lines.ShouldNotContain(l => l.Contains("ungesendet", StringComparison.OrdinalIgnoreCase));
    }
}
