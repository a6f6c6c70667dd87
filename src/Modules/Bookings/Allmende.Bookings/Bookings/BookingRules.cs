using Allmende.Bookings.House;
using Allmende.Eventing.Api;

namespace Allmende.Bookings.Bookings;

/// <summary>
/// The stable names of the rules a booking can fail (the "rule" of a 409), and the check of a time
/// range against the space, its site and the organisation, shared by new bookings and rescheduling.
/// </summary>
internal static class BookingRules
{
    public const string SpaceNotBookable = "space-not-bookable";
    public const string SiteUnknown = "site-unknown";
    public const string OrganisationNotActive = "organisation-not-active";
    public const string OrganisationKindNotAllowed = "organisation-kind-not-allowed";
    public const string StartsInThePast = "starts-in-the-past";
    public const string LeadTime = "lead-time";
    public const string TooShort = "below-minimum-duration";
    public const string TooLong = "above-maximum-duration";
    public const string OverCapacity = "over-capacity";
    public const string OutsideLease = "outside-lease";
    public const string SiteClosed = "site-closed";
    public const string OutsideOpeningHours = "outside-opening-hours";
    public const string SlotTaken = "slot-taken";
    public const string AdvisorTaken = "advisor-taken";
    public const string NoPlaceFree = "no-place-free";
    public const string NotAwaitingApproval = "not-awaiting-approval";
    public const string ApprovalExpired = "approval-expired";
    public const string NotConfirmed = "not-confirmed";
    public const string CheckInNotOpen = "check-in-not-open";
    public const string NotCheckedIn = "not-checked-in";
    public const string NotANoShow = "not-a-no-show";
    public const string NotCancellable = "not-cancellable";
    public const string NotReschedulable = "not-reschedulable";

    /// <summary>
    /// Throws the first rule [start, end) breaks for this space, site and organisation at <paramref name="now"/>.
    /// An unknown space is bad input (400 naming spaceId), not a refused state.
    /// </summary>
    public static void Check(HouseSnapshot house, Guid spaceId, DateTimeOffset start, DateTimeOffset end, int attendees, DateTimeOffset now)
    {
        var space = house.Space ?? throw new BadInputException("spaceId", $"There is no space {spaceId} (or Bookings has not heard of it yet).");
        if (!space.Bookable)
            throw new DomainException(SpaceNotBookable, $"Space '{space.Name}' takes no bookings (retired or never bookable).");
        if (house.Organisation is not { IsActive: true } organisation)
            throw new DomainException(OrganisationNotActive, "The organisation is not active: only active organisations book.");
        if (organisation.Kind is null || !space.OrganisationKinds.Contains(organisation.Kind, StringComparer.Ordinal))
            throw new DomainException(OrganisationKindNotAllowed,
                $"Space '{space.Name}' is booked only by {string.Join(", ", space.OrganisationKinds)}; this organisation is a {organisation.Kind}.");
        if (start < now)
            throw new DomainException(StartsInThePast, "A booking cannot start in the past.");
        if (start < now.AddMinutes(space.LeadTimeMinutes))
            throw new DomainException(LeadTime, $"Space '{space.Name}' must be booked at least {space.LeadTimeMinutes} minutes before the start.");
        var minutes = (end - start).TotalMinutes;
        if (space.MinDurationMinutes is { } min && minutes < min)
            throw new DomainException(TooShort, $"Space '{space.Name}' is booked for at least {min} minutes.");
        if (space.MaxDurationMinutes is { } max && minutes > max)
            throw new DomainException(TooLong, $"Space '{space.Name}' is booked for at most {max} minutes.");
        var limit = Availability.FreeIntervals.Limit(space);
        if (attendees > limit)
            throw new DomainException(OverCapacity, $"Space '{space.Name}' holds at most {limit} people; {attendees} were expected.");
        if (house.Site is not { } site)
            throw new DomainException(SiteUnknown, "The space's site is not known to Bookings yet; try again in a moment.");
        if (OpeningHours.Check(site, start, end) is { } failed)
            throw new DomainException(failed, failed switch
            {
                OutsideLease => "The site can be used only within its lease period.",
                SiteClosed => "The site is closed during part of that time.",
                _ => "Part of that time lies outside the site's opening hours.",
            });
    }
}
