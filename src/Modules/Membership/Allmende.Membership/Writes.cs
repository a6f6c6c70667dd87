using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Allmende.Membership;

/// <summary>What the module's update endpoints share beyond Allmende.Eventing.Api.Updates.</summary>
internal static class Writes
{
    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    /// <summary>Today's date where the spaces are (Europe/Berlin), for rules about calendar dates.</summary>
    public static DateOnly TodayInBerlin(this TimeProvider time) =>
        Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(Berlin).Date.ToDateOnly();
}
