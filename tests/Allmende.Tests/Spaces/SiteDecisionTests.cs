using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Allmende.Spaces.Sites;

namespace Allmende.Tests.Spaces;

/// <summary>Given a site's events, when a command is decided, then these events (or this refusal).</summary>
public sealed class SiteDecisionTests
{
    private static readonly Guid SiteId = Guid.Parse("0195a0b0-0000-7000-8000-000000000001");
    private static readonly Guid FirstFloor = Guid.Parse("0195a0b0-0000-7000-8000-0000000000f1");
    private static readonly Guid Basement = Guid.Parse("0195a0b0-0000-7000-8000-0000000000b1");
    private static readonly Address Nachbarschaftshaus = new("Lindenstraße 12", "10969", "Berlin");

    private static Site Given(params object[] events) => Site.Initial.Fold(events);

    private static readonly object[] Registered =
    [
        new SiteRegistered(SiteId, "Nachbarschaftshaus Lindenstraße", Nachbarschaftshaus),
        new FloorAdded(SiteId, FirstFloor, "1. OG"),
        new FloorAdded(SiteId, Basement, "Keller"),
    ];

    private static OpeningInterval Hours(DayOfWeek day, int opens, int closes) =>
        new(day, new TimeOnly(opens, 0), closes == 24 ? TimeOnly.MinValue : new TimeOnly(closes, 0));

    [Fact]
    public void Registering_a_site_records_it_with_its_floors_hours_and_lease()
    {
        var command = new RegisterSite.Command(SiteId, "Interimsbau Am Markt", Nachbarschaftshaus,
            [new Floor(FirstFloor, "Foyer"), new Floor(Basement, "Keller")],
            [Hours(DayOfWeek.Monday, 8, 20)],
            new Lease(new DateOnly(2019, 8, 1), new DateOnly(2020, 7, 31)));

        RegisterSite.Decide(Site.Initial, command).ShouldBe(
        [
            new SiteRegistered(SiteId, "Interimsbau Am Markt", Nachbarschaftshaus),
            new FloorAdded(SiteId, FirstFloor, "Foyer"),
            new FloorAdded(SiteId, Basement, "Keller"),
            new OpeningHoursSet(SiteId, [Hours(DayOfWeek.Monday, 8, 20)]),
            new LeaseSet(SiteId, new Lease(new DateOnly(2019, 8, 1), new DateOnly(2020, 7, 31))),
        ]);
    }

    [Fact]
    public void Registering_a_bare_site_records_only_the_site()
    {
        RegisterSite.Decide(Site.Initial, new RegisterSite.Command(SiteId, "Dorfbüro", Nachbarschaftshaus, [], [], new Lease(null, null)))
            .ShouldBe([new SiteRegistered(SiteId, "Dorfbüro", Nachbarschaftshaus)]);
    }

    [Fact]
    public void A_site_cannot_be_registered_twice() =>
        Should.Throw<DomainException>(() => RegisterSite.Decide(Given(Registered), new RegisterSite.Command(SiteId, "x", Nachbarschaftshaus, [], [], null)))
            .Rule.ShouldBe("site-exists");

    [Fact]
    public void Changing_name_and_address_records_a_rename_and_a_move()
    {
        var moved = new Address("Marktplatz 1", "10969", "Berlin");

        ChangeSite.Decide(Given(Registered), new ChangeSite.Command("Haus am Markt", moved, null))
            .ShouldBe([new SiteRenamed(SiteId, "Haus am Markt"), new SiteMoved(SiteId, moved)]);
    }

    [Fact]
    public void Changing_nothing_records_nothing() =>
        ChangeSite.Decide(Given(Registered), new ChangeSite.Command("Nachbarschaftshaus Lindenstraße", Nachbarschaftshaus,
            [new(FirstFloor, "1. OG", false), new(Basement, "Keller", false)])).ShouldBeEmpty();

    [Fact]
    public void Floors_can_be_renamed_and_added()
    {
        var engagement = Guid.NewGuid();

        ChangeSite.Decide(Given(Registered), new ChangeSite.Command("Nachbarschaftshaus Lindenstraße", Nachbarschaftshaus,
            [new(FirstFloor, "1. OG", false), new(Basement, "Content-Keller", false), new(engagement, "Engagement-Etage", true)]))
            .ShouldBe([new FloorRenamed(SiteId, Basement, "Content-Keller"), new FloorAdded(SiteId, engagement, "Engagement-Etage")]);
    }

    [Fact]
    public void A_floor_cannot_be_removed_since_spaces_may_sit_on_it() =>
        Should.Throw<DomainException>(() => ChangeSite.Decide(Given(Registered),
                new ChangeSite.Command("Nachbarschaftshaus Lindenstraße", Nachbarschaftshaus, [new(FirstFloor, "1. OG", false)])))
            .Rule.ShouldBe("floor-cannot-be-removed");

    [Fact]
    public void An_unknown_floor_id_is_bad_input_naming_the_field() =>
        Should.Throw<BadInputException>(() => ChangeSite.Decide(Given(Registered), new ChangeSite.Command("Nachbarschaftshaus Lindenstraße",
                Nachbarschaftshaus, [new(FirstFloor, "1. OG", false), new(Basement, "Keller", false), new(Guid.NewGuid(), "Dach", false)])))
            .Field.ShouldBe("floors[2].id");

    [Fact]
    public void Setting_opening_hours_records_the_whole_week_monday_first()
    {
        ValueList<OpeningInterval> hours = [Hours(DayOfWeek.Sunday, 10, 14), Hours(DayOfWeek.Monday, 14, 20), Hours(DayOfWeek.Monday, 8, 12)];

        SetOpeningHours.Decide(Given(Registered), hours).ShouldBe(
            [new OpeningHoursSet(SiteId, [Hours(DayOfWeek.Monday, 8, 12), Hours(DayOfWeek.Monday, 14, 20), Hours(DayOfWeek.Sunday, 10, 14)])]);
    }

    [Fact]
    public void Setting_the_same_opening_hours_again_records_nothing()
    {
        var site = Given([.. Registered, new OpeningHoursSet(SiteId, [Hours(DayOfWeek.Monday, 8, 20), Hours(DayOfWeek.Tuesday, 8, 20)])]);

        SetOpeningHours.Decide(site, [Hours(DayOfWeek.Tuesday, 8, 20), Hours(DayOfWeek.Monday, 8, 20)]).ShouldBeEmpty();
        SetOpeningHours.Decide(site, []).ShouldBe([new OpeningHoursSet(SiteId, [])]);
    }

    [Fact]
    public void A_closure_of_whole_days_runs_from_berlin_midnight_to_berlin_midnight()
    {
        var id = Guid.NewGuid();

        AddClosure.Decide(Given(Registered), new AddClosure.Command(id, new DateOnly(2026, 7, 20), new DateOnly(2026, 8, 7), null, null, "Sommerpause"))
            .ShouldBe([new ClosureAdded(SiteId, new Closure(id, new DateTimeOffset(2026, 7, 19, 22, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2026, 8, 7, 22, 0, 0, TimeSpan.Zero), new DateOnly(2026, 7, 20), new DateOnly(2026, 8, 7), "Sommerpause"))]);
    }

    [Fact]
    public void A_closure_of_instants_is_kept_in_utc()
    {
        var id = Guid.NewGuid();
        var from = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.FromHours(1));
        var to = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.FromHours(1));

        var closure = ((ClosureAdded)AddClosure.Decide(Given(Registered), new AddClosure.Command(id, null, null, from, to, "Renovierung")).Single()).Closure;

        closure.ShouldBe(new Closure(id, from, to, null, null, "Renovierung"));
        closure.From.Offset.ShouldBe(TimeSpan.Zero);
        closure.From.Hour.ShouldBe(7);
    }

    [Fact]
    public void Removing_a_closure_records_it_and_an_unknown_one_is_not_found()
    {
        var closure = new Closure(Guid.NewGuid(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), null, null, "x");
        var site = Given([.. Registered, new ClosureAdded(SiteId, closure)]);

        RemoveClosure.Decide(site, closure.ClosureId).ShouldBe([new ClosureRemoved(SiteId, closure.ClosureId)]);
        Given([.. Registered, new ClosureAdded(SiteId, closure), new ClosureRemoved(SiteId, closure.ClosureId)]).Closures.ShouldBeEmpty();
        Should.Throw<NotFoundException>(() => RemoveClosure.Decide(site, Guid.NewGuid())).What.ShouldBe("closure");
    }

    [Fact]
    public void Setting_a_lease_records_it_and_the_same_lease_again_records_nothing()
    {
        var lease = new Lease(new DateOnly(2019, 8, 1), new DateOnly(2020, 7, 31));

        SetLease.Decide(Given(Registered), lease).ShouldBe([new LeaseSet(SiteId, lease)]);
        SetLease.Decide(Given([.. Registered, new LeaseSet(SiteId, lease)]), lease with { }).ShouldBeEmpty();
    }

    [Fact]
    public void Clearing_a_lease_records_no_lease_and_clearing_none_records_nothing()
    {
        var lease = new Lease(new DateOnly(2019, 8, 1), new DateOnly(2020, 7, 31));

        SetLease.Decide(Given([.. Registered, new LeaseSet(SiteId, lease)]), new Lease(null, null)).ShouldBe([new LeaseSet(SiteId, null)]);
        SetLease.Decide(Given(Registered), new Lease(null, null)).ShouldBeEmpty();
    }

    [Fact]
    public void The_folded_site_answers_whether_a_range_is_open()
    {
        var site = Given([.. Registered,
            new OpeningHoursSet(SiteId, [Hours(DayOfWeek.Tuesday, 8, 20)]),
            new LeaseSet(SiteId, new Lease(new DateOnly(2019, 8, 1), new DateOnly(2020, 7, 31)))]);

        site.Check(new DateTimeOffset(2020, 1, 14, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2020, 1, 14, 11, 0, 0, TimeSpan.Zero)).IsOpen.ShouldBeTrue();
        site.Check(new DateTimeOffset(2021, 1, 12, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2021, 1, 12, 11, 0, 0, TimeSpan.Zero)).Result
            .ShouldBe(Openness.OutsideLease);
    }
}
