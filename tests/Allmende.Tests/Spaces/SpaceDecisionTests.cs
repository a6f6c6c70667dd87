using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Allmende.Spaces.Sites;
using Allmende.Spaces.Spaces;

namespace Allmende.Tests.Spaces;

/// <summary>Given a space's events, when a command is decided, then these events (or this refusal).</summary>
public sealed class SpaceDecisionTests
{
    private static readonly Guid SiteId = Guid.Parse("0195a0b0-0000-7000-8000-000000000002");
    private static readonly Guid EngagementFloor = Guid.Parse("0195a0b0-0000-7000-8000-0000000000e1");
    private static readonly Guid SpaceId = Guid.Parse("0195a0b0-0000-7000-8000-00000000005a");

    // 23:30 UTC on 28 March 2026 is already Sunday 29 March in Berlin.
    private static readonly DateTimeOffset Now = new(2026, 3, 28, 23, 30, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 3, 29);

    private static readonly Site Coop = Site.Initial.Fold(
    [
        new SiteRegistered(SiteId, "Genossenschaftshaus", new Address("Kanalstraße 5", "20095", "Hamburg")),
        new FloorAdded(SiteId, EngagementFloor, "Engagement-Etage"),
    ]);

    private static readonly SpaceDetails DeskArea = new(EngagementFloor, "Flexible Arbeitsplätze", SpaceKind.FlexibleDeskArea, 50, 50,
        [AccessibilityFeature.StepFreeAccess, AccessibilityFeature.AccessibleToilet], ["WLAN", "Drucker"]);

    private static readonly BookingRules OnlyCivilSociety = new(60, 8 * 60, 24 * 60, true,
        [OrganisationKind.Initiative, OrganisationKind.Association]);

    private static readonly SpaceOpened Opened = new(SpaceId, SiteId, DeskArea, new Rate(0, 9_500, new DateOnly(2026, 1, 1)), BookingRules.Default);

    private static Space Given(params object[] events) => Space.Initial.Fold(events);

    private static readonly SpaceRetired Retired = new(SpaceId, Now.AddDays(-1), "Etage aufgegeben");

    [Fact]
    public void Opening_a_space_records_it_with_rates_from_today_in_berlin()
    {
        var command = new OpenSpace.Command(SpaceId, SiteId, DeskArea, 0, 9_500, OnlyCivilSociety);

        OpenSpace.Decide(Space.Initial, Coop, command, Now)
            .ShouldBe([new SpaceOpened(SpaceId, SiteId, DeskArea, new Rate(0, 9_500, Today), OnlyCivilSociety)]);
    }

    [Fact]
    public void A_space_opens_only_at_a_registered_site_and_on_one_of_its_floors()
    {
        Should.Throw<BadInputException>(() => OpenSpace.Decide(Space.Initial, Site.Initial,
            new OpenSpace.Command(SpaceId, SiteId, DeskArea, 0, 0, BookingRules.Default), Now)).Field.ShouldBe("siteId");
        Should.Throw<BadInputException>(() => OpenSpace.Decide(Space.Initial, Coop,
            new OpenSpace.Command(SpaceId, SiteId, DeskArea with { FloorId = Guid.NewGuid() }, 0, 0, BookingRules.Default), Now)).Field.ShouldBe("floorId");
    }

    [Fact]
    public void A_space_cannot_be_opened_twice() =>
        Should.Throw<DomainException>(() => OpenSpace.Decide(Given(Opened), Coop,
            new OpenSpace.Command(SpaceId, SiteId, DeskArea, 0, 0, BookingRules.Default), Now)).Rule.ShouldBe("space-exists");

    [Fact]
    public void Changing_details_records_the_new_details_and_the_same_details_record_nothing()
    {
        var moreDesks = DeskArea with { Capacity = 60, Places = 55, Equipment = ["WLAN", "Drucker", "Beamer"] };

        ChangeSpaceDetails.Decide(Given(Opened), Coop, moreDesks).ShouldBe([new SpaceDetailsChanged(SpaceId, moreDesks)]);
        ChangeSpaceDetails.Decide(Given(Opened), Coop, DeskArea with { Equipment = ["WLAN", "Drucker"] }).ShouldBeEmpty();
    }

    [Fact]
    public void Details_may_name_only_a_floor_of_the_site() =>
        Should.Throw<BadInputException>(() => ChangeSpaceDetails.Decide(Given(Opened), Coop, DeskArea with { FloorId = Guid.NewGuid() }))
            .Field.ShouldBe("floorId");

    [Fact]
    public void Rates_change_from_today_or_a_later_day()
    {
        ChangeRates.Decide(Given(Opened), 0, 12_000, null, Now).ShouldBe([new SpaceRatesChanged(SpaceId, new Rate(0, 12_000, Today))]);
        ChangeRates.Decide(Given(Opened), 0, 12_000, new DateOnly(2026, 7, 1), Now)
            .ShouldBe([new SpaceRatesChanged(SpaceId, new Rate(0, 12_000, new DateOnly(2026, 7, 1)))]);
    }

    [Fact]
    public void Rates_never_change_for_the_past() =>
        Should.Throw<DomainException>(() => ChangeRates.Decide(Given(Opened), 0, 12_000, Today.AddDays(-1), Now))
            .Rule.ShouldBe("rates-not-retroactive");

    [Fact]
    public void Rates_never_change_before_a_change_already_scheduled()
    {
        var scheduled = new SpaceRatesChanged(SpaceId, new Rate(0, 12_000, new DateOnly(2026, 7, 1)));

        Should.Throw<DomainException>(() => ChangeRates.Decide(Given(Opened, scheduled), 0, 11_000, new DateOnly(2026, 6, 1), Now))
            .Rule.ShouldBe("rates-before-scheduled");
    }

    [Fact]
    public void A_rate_change_for_the_day_of_a_scheduled_one_replaces_it()
    {
        var scheduled = new SpaceRatesChanged(SpaceId, new Rate(0, 12_000, new DateOnly(2026, 7, 1)));
        var corrected = new SpaceRatesChanged(SpaceId, new Rate(0, 11_000, new DateOnly(2026, 7, 1)));

        ChangeRates.Decide(Given(Opened, scheduled), 0, 11_000, new DateOnly(2026, 7, 1), Now).ShouldBe([corrected]);
        Given(Opened, scheduled, corrected).Rates.ShouldBe([new Rate(0, 9_500, new DateOnly(2026, 1, 1)), new Rate(0, 11_000, new DateOnly(2026, 7, 1))]);
        Given(Opened, scheduled, corrected).RateOn(new DateOnly(2026, 6, 30)).ShouldBe(new Rate(0, 9_500, new DateOnly(2026, 1, 1)));
        ChangeRates.Decide(Given(Opened, scheduled, corrected), 0, 11_000, new DateOnly(2026, 7, 1), Now).ShouldBeEmpty();
    }

    [Fact]
    public void The_amounts_already_in_force_on_the_day_change_nothing_whatever_date_is_given()
    {
        // Opened with 0 / 9,500 from 2026-01-01: the same amounts again, dated today or later, record nothing.
        ChangeRates.Decide(Given(Opened), 0, 9_500, null, Now).ShouldBeEmpty();
        ChangeRates.Decide(Given(Opened), 0, 9_500, new DateOnly(2026, 9, 1), Now).ShouldBeEmpty();
    }

    [Fact]
    public void Changing_rules_records_the_new_rules_and_the_same_rules_record_nothing()
    {
        ChangeRules.Decide(Given(Opened), OnlyCivilSociety).ShouldBe([new SpaceRulesChanged(SpaceId, OnlyCivilSociety)]);
        ChangeRules.Decide(Given(Opened), BookingRules.Default with { }).ShouldBeEmpty();
    }

    [Fact]
    public void Retiring_a_space_records_when_and_why_and_it_takes_no_bookings_after()
    {
        RetireSpace.Decide(Given(Opened), "  Etage aufgegeben ", Now).ShouldBe([new SpaceRetired(SpaceId, Now, "Etage aufgegeben")]);
        Given(Opened).IsBookable.ShouldBeTrue();
        Given(Opened, Retired).IsBookable.ShouldBeFalse();
    }

    [Fact]
    public void A_not_bookable_part_of_a_site_takes_no_bookings() =>
        Given(Opened with { Details = DeskArea with { Kind = SpaceKind.NotBookable, Name = "Küche", Places = null } }).IsBookable.ShouldBeFalse();

    [Fact]
    public void A_retired_space_refuses_every_change()
    {
        var space = Given(Opened, Retired);

        Should.Throw<DomainException>(() => ChangeSpaceDetails.Decide(space, Coop, DeskArea with { Name = "neu" })).Rule.ShouldBe("space-retired");
        Should.Throw<DomainException>(() => ChangeRates.Decide(space, 1, 1, null, Now)).Rule.ShouldBe("space-retired");
        Should.Throw<DomainException>(() => ChangeRules.Decide(space, OnlyCivilSociety)).Rule.ShouldBe("space-retired");
        Should.Throw<DomainException>(() => RetireSpace.Decide(space, null, Now)).Rule.ShouldBe("space-retired");
    }
}
