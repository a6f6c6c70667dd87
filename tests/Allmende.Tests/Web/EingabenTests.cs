using Allmende.Host.Web.Pages.Verwaltung;

namespace Allmende.Tests.Web;

/// <summary>The staff forms' German notation, read into the API's shapes (the rules themselves are the API's).</summary>
public sealed class EingabenTests
{
    [Theory]
    [InlineData("12,50", 1250L)]
    [InlineData("12", 1200L)]
    [InlineData("12,5", 1250L)]
    [InlineData("1.260,00 €", 126000L)]
    [InlineData("25.000", 2500000L)]
    [InlineData("0", 0L)]
    public void Euros_as_typed_in_Germany_become_cents(string typed, long cents)
    {
        Eingaben.TryCents(typed, out var read).ShouldBeTrue();
        read.ShouldBe(cents);
    }

    [Theory]
    [InlineData("12.5")]
    [InlineData("12,505")]
    [InlineData("-3")]
    [InlineData("zwölf")]
    [InlineData("")]
    public void A_point_that_does_not_group_thousands_and_other_text_are_not_read_as_euros(string typed) =>
        Eingaben.TryCents(typed, out _).ShouldBeFalse();

    [Fact]
    public void A_days_hours_are_intervals_separated_by_commas_and_empty_is_closed()
    {
        var intervals = new List<object>();
        Eingaben.TryHours("monday", "9:00–13:00, 14:00-18:00", intervals).ShouldBeTrue();
        Eingaben.TryHours("sunday", "  ", intervals).ShouldBeTrue();
        intervals.Select(i => i.ToString()).ShouldBe(
            ["{ day = monday, opens = 09:00, closes = 13:00 }", "{ day = monday, opens = 14:00, closes = 18:00 }"]);
        Eingaben.TryHours("tuesday", "9 bis 5", []).ShouldBeFalse();
    }
}
