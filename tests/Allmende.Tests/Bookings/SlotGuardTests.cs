using System.Net;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>
/// The guarantee the open-source peers miss: parallel requests for one slot never double-book it. Each
/// round fires many overlapping requests at once through HTTP; PostgreSQL decides in the transaction.
/// </summary>
[Collection(BookingsHost.Name)]
public sealed class SlotGuardTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private const int Rounds = 12;
    private const int RequestsPerRound = 120;

    [Fact]
    public async Task Overlapping_parallel_requests_for_one_room_succeed_exactly_once_round_after_round()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        for (var round = 0; round < Rounds; round++)
        {
            // All ranges contain [base + 29 min, base + 60 min), so every two overlap.
            var slot = FutureHour(10).AddHours(3 * round);
            var responses = await Task.WhenAll(Enumerable.Range(0, RequestsPerRound).Select(i =>
                BookAsync(admin, space, organisation, slot.AddMinutes(i % 30), slot.AddMinutes(60 + i % 30))));
            var statuses = responses.GroupBy(r => r.StatusCode).ToDictionary(g => g.Key, g => g.Count());
            var odd = responses.FirstOrDefault(r => r.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict));
            if (odd is not null)
                throw new ShouldAssertException($"round {round}: {string.Join(", ", statuses)}; {(int)odd.StatusCode} {await odd.Content.ReadAsStringAsync()}");
            statuses.GetValueOrDefault(HttpStatusCode.Created).ShouldBe(1, $"round {round}: {string.Join(", ", statuses)}");
            statuses.GetValueOrDefault(HttpStatusCode.Conflict).ShouldBe(RequestsPerRound - 1, $"round {round}");
            foreach (var refused in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict).Take(5))
                (await refused.RuleAsync()).ShouldBe("slot-taken");
        }
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.slots where space_id = $1 and holds", space)).ShouldBe(Rounds);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from marten.mt_streams where type = 'booking'")).ShouldBeGreaterThanOrEqualTo(Rounds);
    }

    [Fact]
    public async Task A_flexible_desk_area_is_filled_by_parallel_requests_to_exactly_its_places()
    {
        const int places = 8;
        var (area, organisation) = await _world.RoomAsync(kind: "flexible-desk-area", capacity: places, places: places);
        using var admin = app.AdminClient();
        for (var round = 0; round < 3; round++)
        {
            var day = FutureHour(40 + round);
            var responses = await Task.WhenAll(Enumerable.Range(0, 3 * places).Select(i =>
                BookAsync(admin, area, organisation, day.AddMinutes(i % 10), day.AddHours(4).AddMinutes(i % 10), attendees: 1)));
            responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(places, $"round {round}");
            var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
            refused.Count.ShouldBe(2 * places);
            foreach (var response in refused.Take(3))
                (await response.RuleAsync()).ShouldBe("no-place-free");
        }
    }

    [Fact]
    public async Task A_flexible_desk_area_counts_the_most_places_taken_at_once_not_every_overlapping_booking()
    {
        var (area, organisation) = await _world.RoomAsync(kind: "flexible-desk-area", capacity: 2, places: 2);
        using var admin = app.AdminClient();
        var ten = FutureHour(50);

        await BookAsync(admin, area, organisation, ten, ten.AddHours(1), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);
        await BookAsync(admin, area, organisation, ten.AddHours(1), ten.AddHours(2), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);
        // Overlaps both, but never more than two places are taken at once.
        await BookAsync(admin, area, organisation, ten.AddMinutes(30), ten.AddMinutes(90), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);
        (await (await BookAsync(admin, area, organisation, ten.AddMinutes(45), ten.AddMinutes(75), attendees: 1)).RuleAsync()).ShouldBe("no-place-free");
        (await (await BookAsync(admin, area, organisation, ten.AddHours(2), ten.AddHours(3), attendees: 3)).RuleAsync()).ShouldBe("over-capacity");
        await BookAsync(admin, area, organisation, ten.AddHours(2), ten.AddHours(3), attendees: 2).ShouldHaveStatus(HttpStatusCode.Created);
    }
}
