using System.Collections.Immutable;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;

namespace Allmende.Bookings.Programme;

// The open programme (issue 17, item 2; ADR 20): an organisation's offer (open evening, flea market, street
// festival, working group) published on a booking or a weekly series that holds its room through the
// normal booking path, so the slot guard holds. The offer owns no time: its dates are its bookings'.
// Stream "offer-<id>"; stored names "bookings.offer.<kebab>"; never rename one.

/// <summary>
/// The offer as published. BookingId (one-off) or SeriesId (recurring): the booking(s) that hold the place.
/// Capacity: how many people may come; Registration: whether they sign up (at most Capacity per occurrence).
/// </summary>
internal sealed record OfferPublished(
    Guid OfferId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string Kind, string Title, string Description, string ActionField,
    int Capacity, bool Registration, Guid? BookingId, Guid? SeriesId, DateTimeOffset At);

/// <summary>
/// Someone signed up for one occurrence (BookingId), with consent. Name and e-mail sealed under the
/// registration's own key (bookings.registration_keys, outside the log): erasing deletes the key (ADR 8).
/// </summary>
internal sealed record OfferRegistrationMade(Guid OfferId, Guid RegistrationId, Guid BookingId, string SealedName, string SealedEmail, DateTimeOffset At);

/// <summary>The registration is withdrawn and its personal data forgotten (the key deleted in the same transaction); its place is free again.</summary>
internal sealed record OfferRegistrationErased(Guid OfferId, Guid RegistrationId, DateTimeOffset At);

/// <summary>Staff counted who came to an occurrence, after it ended; a later count replaces an earlier one.</summary>
internal sealed record OfferAttendanceRecorded(Guid OfferId, Guid BookingId, int Attendees, DateTimeOffset At);

internal static class OfferEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(OfferPublished), "bookings.offer.published"),
        (typeof(OfferRegistrationMade), "bookings.offer.registration-made"),
        (typeof(OfferRegistrationErased), "bookings.offer.registration-erased"),
        (typeof(OfferAttendanceRecorded), "bookings.offer.attendance-recorded"),
    ];
}

/// <summary>Stable codes of what an offer is.</summary>
internal static class OfferKinds
{
    public static IReadOnlyList<string> All { get; } = ["open-evening", "flea-market", "street-festival", "working-group", "workshop", "other"];

    public static string GermanOf(string kind) => kind switch
    {
        "open-evening" => "Offener Abend",
        "flea-market" => "Flohmarkt",
        "street-festival" => "Straßenfest",
        "working-group" => "Arbeitsgruppe",
        "workshop" => "Werkstatt",
        _ => "Angebot",
    };
}

/// <summary>An occurrence of an offer as the decisions need it: its booking's times and whether it still holds its place.</summary>
internal sealed record Occurrence(Guid BookingId, DateTimeOffset Start, DateTimeOffset End, bool Holds);

internal sealed record Offer(
    Guid Id, Guid OrganisationId, string ActionField, int Capacity, bool Registration,
    ImmutableDictionary<Guid, Guid> Registrations, ImmutableDictionary<Guid, int> Attendance) : IEventSourced<Offer>
{
    public static string StreamId(Guid id) => $"offer-{id:D}";

    public static Offer Initial { get; } = new(Guid.Empty, Guid.Empty, "", 0, false, ImmutableDictionary<Guid, Guid>.Empty, ImmutableDictionary<Guid, int>.Empty);

    public bool Exists => Id != Guid.Empty;

    /// <summary>Registrations in force for one occurrence.</summary>
    public int RegisteredFor(Guid bookingId) => Registrations.Values.Count(b => b == bookingId);

    public static Offer Evolve(Offer state, object @event) => @event switch
    {
        OfferPublished e => Initial with { Id = e.OfferId, OrganisationId = e.OrganisationId, ActionField = e.ActionField, Capacity = e.Capacity, Registration = e.Registration },
        OfferRegistrationMade e => state with { Registrations = state.Registrations.SetItem(e.RegistrationId, e.BookingId) },
        OfferRegistrationErased e => state with { Registrations = state.Registrations.Remove(e.RegistrationId) },
        OfferAttendanceRecorded e => state with { Attendance = state.Attendance.SetItem(e.BookingId, e.Attendees) },
        _ => state,
    };
}

/// <summary>
/// Pure decisions on an offer. Rules (409): no-registration (the offer takes none), offer-full (capacity
/// reached for that occurrence), occurrence-over (registration after its start), occurrence-cancelled (its
/// booking no longer holds the place), occurrence-not-over (attendance before its end), registration-erased.
/// </summary>
internal static class OfferDecisions
{
    public const string NoRegistration = "no-registration";
    public const string Full = "offer-full";
    public const string Started = "occurrence-over";
    public const string Cancelled = "occurrence-cancelled";
    public const string NotOver = "occurrence-not-over";
    public const string Erased = "registration-erased";

    public static IReadOnlyList<object> Register(Offer offer, Occurrence occurrence, Guid registrationId, string sealedName, string sealedEmail,
        DateTimeOffset now)
    {
        if (!offer.Registration)
            throw new DomainException(NoRegistration, "This offer takes no registrations: just come.");
        if (!occurrence.Holds)
            throw new DomainException(Cancelled, "This date was cancelled.");
        if (now >= occurrence.Start)
            throw new DomainException(Started, "This date has begun or is over; registration is closed.");
        if (offer.RegisteredFor(occurrence.BookingId) >= offer.Capacity)
            throw new DomainException(Full, $"All {offer.Capacity} places of this date are taken.");
        return [new OfferRegistrationMade(offer.Id, registrationId, occurrence.BookingId, sealedName, sealedEmail, now)];
    }

    public static IReadOnlyList<object> Erase(Offer offer, Guid registrationId, DateTimeOffset now) =>
        offer.Registrations.ContainsKey(registrationId)
            ? [new OfferRegistrationErased(offer.Id, registrationId, now)]
            : throw new DomainException(Erased, $"Registration {registrationId} was erased already.");

    public static IReadOnlyList<object> RecordAttendance(Offer offer, Occurrence occurrence, int attendees, DateTimeOffset now)
    {
        if (now < occurrence.End)
            throw new DomainException(NotOver, "Attendance is counted after the date has ended.");
        return offer.Attendance.GetValueOrDefault(occurrence.BookingId, -1) == attendees
            ? []
            : [new OfferAttendanceRecorded(offer.Id, occurrence.BookingId, attendees, now)];
    }
}
