using Allmende.Spaces.Sites;

namespace Allmende.Tests.Spaces;

public sealed class OpeningHoursValidationTests
{
    private static IEnumerable<string> Invalid(params OpeningIntervalDto[] hours) =>
        new SetOpeningHoursValidator().Validate(new SetOpeningHoursRequest(hours)).Errors
            .Select(e => Allmende.Eventing.Api.Validation.FieldName(e.PropertyName)).Distinct();

    [Fact]
    public void Touching_intervals_and_hours_until_24_00_are_fine() =>
        Invalid(new("monday", "08:00", "12:00"), new("monday", "12:00", "14:00"), new("monday", "18:00", "24:00"), new("tuesday", "00:00", "24:00"))
            .ShouldBeEmpty();

    [Fact]
    public void Intervals_overlapping_on_one_day_are_invalid_whatever_their_order() =>
        Invalid(new("friday", "14:00", "18:00"), new("monday", "08:00", "20:00"), new("friday", "08:00", "14:30")).ShouldBe(["openingHours"]);

    [Fact]
    public void The_same_hours_on_different_days_do_not_overlap() =>
        Invalid(new("monday", "08:00", "20:00"), new("tuesday", "08:00", "20:00")).ShouldBeEmpty();

    [Fact]
    public void An_interval_must_end_after_it_starts_and_never_past_midnight() =>
        Invalid(new("monday", "20:00", "20:00"), new("tuesday", "22:00", "02:00"), new("wednesday", "24:00", "24:00"), new("thursday", "08:00", "24:30"))
            .ShouldBe(["openingHours[0].closes", "openingHours[1].closes", "openingHours[2].opens", "openingHours[3].closes"]);
}
