using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;

namespace Allmende.Bookings.Waitlist;

// The events of a waitlist entry's stream "waitlist-<id>". Stored names "bookings.waitlist.<kebab>"
// (WaitlistEventNames); never rename one. Instants are UTC; At is when it was decided.

internal interface IWaitlistEvent
{
    Guid EntryId { get; }
}

/// <summary>An organisation waits for a taken slot: the same request as a booking (WholeSpace as the booking would take it).</summary>
internal sealed record WaitlistJoined(Guid EntryId, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId, DateTimeOffset Start,
    DateTimeOffset End, int Attendees, string Purpose, string ActionField, bool WholeSpace, DateTimeOffset At) : IWaitlistEvent;

/// <summary>The slot is free: the entry may book it until OfferedUntil (mode "offer"); nobody holds it meanwhile.</summary>
internal sealed record WaitlistOffered(Guid EntryId, DateTimeOffset OfferedUntil, DateTimeOffset At) : IWaitlistEvent;

/// <summary>Nobody accepted the offer in time: the next waiting entry gets its chance.</summary>
internal sealed record WaitlistOfferExpired(Guid EntryId, DateTimeOffset At) : IWaitlistEvent;

/// <summary>Booked as BookingId: by the waitlist itself (mode "book") or by accepting the offer.</summary>
internal sealed record WaitlistBooked(Guid EntryId, Guid BookingId, DateTimeOffset At) : IWaitlistEvent;

internal sealed record WaitlistWithdrawn(Guid EntryId, DateTimeOffset At) : IWaitlistEvent;

/// <summary>The slot came free but a rule now refuses the booking (Rule: as a booking's 409 would name it); it will not be tried again.</summary>
internal sealed record WaitlistPassedOver(Guid EntryId, string Rule, DateTimeOffset At) : IWaitlistEvent;

/// <summary>Its start came while it still waited (or was offered).</summary>
internal sealed record WaitlistExpired(Guid EntryId, DateTimeOffset At) : IWaitlistEvent;

internal static class WaitlistEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(WaitlistJoined), "bookings.waitlist.joined"),
        (typeof(WaitlistOffered), "bookings.waitlist.offered"),
        (typeof(WaitlistOfferExpired), "bookings.waitlist.offer-expired"),
        (typeof(WaitlistBooked), "bookings.waitlist.booked"),
        (typeof(WaitlistWithdrawn), "bookings.waitlist.withdrawn"),
        (typeof(WaitlistPassedOver), "bookings.waitlist.passed-over"),
        (typeof(WaitlistExpired), "bookings.waitlist.expired"),
    ];
}

internal enum WaitlistStatus
{
    None,
    Waiting,
    Offered,
    Booked,
    OfferExpired,
    Withdrawn,
    PassedOver,
    Expired,
}

/// <summary>A waitlist entry as its decisions see it.</summary>
internal sealed record WaitlistEntry(
    Guid Id,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Attendees,
    string Purpose,
    string ActionField,
    WaitlistStatus Status,
    DateTimeOffset JoinedAt,
    DateTimeOffset? OfferedUntil,
    Guid? BookingId,
    string? Rule) : IEventSourced<WaitlistEntry>
{
    public static string StreamId(Guid id) => $"waitlist-{id:D}";

    public static WaitlistEntry Initial { get; } = new(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, null, default, default, 0, "", "",
        WaitlistStatus.None, default, null, null, null);

    /// <summary>Still in the queue: waiting, or offered and not yet taken up.</summary>
    public bool IsOpen => Status is WaitlistStatus.Waiting or WaitlistStatus.Offered;

    public static WaitlistEntry Evolve(WaitlistEntry state, object @event) => @event switch
    {
        WaitlistJoined e => new WaitlistEntry(e.EntryId, e.SpaceId, e.SiteId, e.OrganisationId, e.PersonId, e.Start, e.End, e.Attendees, e.Purpose,
            e.ActionField, WaitlistStatus.Waiting, e.At, null, null, null),
        WaitlistOffered e => state with { Status = WaitlistStatus.Offered, OfferedUntil = e.OfferedUntil },
        WaitlistOfferExpired => state with { Status = WaitlistStatus.OfferExpired },
        WaitlistBooked e => state with { Status = WaitlistStatus.Booked, BookingId = e.BookingId },
        WaitlistWithdrawn => state with { Status = WaitlistStatus.Withdrawn },
        WaitlistPassedOver e => state with { Status = WaitlistStatus.PassedOver, Rule = e.Rule },
        WaitlistExpired => state with { Status = WaitlistStatus.Expired },
        _ => state,
    };

    /// <summary>The booking the entry asks for, as a command of <see cref="RequestBooking"/>.</summary>
    public RequestBooking.Command BookingCommand(Guid bookingId) =>
        new(bookingId, SpaceId, OrganisationId, PersonId, Start, End, Attendees, Purpose, ActionField);
}

/// <summary>Stable names of the waitlist's rules and statuses; the pure decisions on an entry.</summary>
internal static class Waitlisting
{
    public const string SlotFree = "slot-free";
    public const string NotOffered = "not-offered";
    public const string OfferExpired = "offer-expired";
    public const string NotWithdrawable = "not-withdrawable";

    public static string StatusOf(WaitlistStatus status) => status switch
    {
        WaitlistStatus.Waiting => "waiting",
        WaitlistStatus.Offered => "offered",
        WaitlistStatus.Booked => "booked",
        WaitlistStatus.OfferExpired => "offer-expired",
        WaitlistStatus.Withdrawn => "withdrawn",
        WaitlistStatus.PassedOver => "passed-over",
        WaitlistStatus.Expired => "expired",
        _ => "none",
    };

    public static IReadOnlyList<string> Statuses { get; } = [.. Enum.GetValues<WaitlistStatus>().Where(s => s != WaitlistStatus.None).Select(StatusOf)];

    /// <summary>
    /// Joins the waitlist for a slot that is taken now, under every rule a booking meets (so the entry
    /// could be booked as it stands once the slot frees); a free slot is to be booked, not waited for.
    /// </summary>
    public static IReadOnlyList<object> Join(Guid entryId, RequestBooking.Command request, HouseSnapshot house, bool slotFree, DateTimeOffset now)
    {
        BookingRules.Check(house, request.SpaceId, request.Start, request.End, request.Attendees, now);
        if (slotFree)
            throw new DomainException(SlotFree, "The slot is free: book it (POST /api/bookings) instead of waiting for it.");
        var space = house.Space!;
        return [new WaitlistJoined(entryId, request.SpaceId, space.SiteId, request.OrganisationId, request.PersonId, request.Start, request.End,
            request.Attendees, request.Purpose, request.ActionField, space.WholeSpace, now)];
    }

    /// <summary>Offers the freed slot for <paramref name="validFor"/>, but never beyond the entry's start.</summary>
    public static IReadOnlyList<object> Offer(WaitlistEntry state, TimeSpan validFor, DateTimeOffset now) =>
        state.Status == WaitlistStatus.Waiting ? [new WaitlistOffered(state.Id, Min(now + validFor, state.Start), now)] : [];

    /// <summary>The offer's time is up: expires it if it still stands for that very time, else nothing.</summary>
    public static IReadOnlyList<object> ExpireOffer(WaitlistEntry state, DateTimeOffset offeredUntil, DateTimeOffset now) =>
        state.Status == WaitlistStatus.Offered && state.OfferedUntil == offeredUntil ? [new WaitlistOfferExpired(state.Id, now)] : [];

    /// <summary>Accepting needs a standing offer; the booking itself is decided as any other.</summary>
    public static void EnsureAcceptable(WaitlistEntry state, DateTimeOffset now)
    {
        if (state.Status != WaitlistStatus.Offered)
            throw new DomainException(NotOffered, $"The entry is {StatusOf(state.Status)}; only an offered entry is accepted.");
        if (now >= state.OfferedUntil)
            throw new DomainException(OfferExpired, $"The offer stood until {state.OfferedUntil:u}.");
    }

    public static IReadOnlyList<object> Booked(WaitlistEntry state, Guid bookingId, DateTimeOffset now) => [new WaitlistBooked(state.Id, bookingId, now)];

    public static IReadOnlyList<object> Withdraw(WaitlistEntry state, DateTimeOffset now) =>
        state.IsOpen
            ? [new WaitlistWithdrawn(state.Id, now)]
            : throw new DomainException(NotWithdrawable, $"The entry is {StatusOf(state.Status)}; only waiting or offered entries are withdrawn.");

    public static IReadOnlyList<object> PassOver(WaitlistEntry state, string rule, DateTimeOffset now) =>
        state.Status == WaitlistStatus.Waiting ? [new WaitlistPassedOver(state.Id, rule, now)] : [];

    /// <summary>The start came: an entry still open expires; any other stays as it is.</summary>
    public static IReadOnlyList<object> ExpireAtStart(WaitlistEntry state, DateTimeOffset now) =>
        state.IsOpen && now >= state.Start ? [new WaitlistExpired(state.Id, now)] : [];

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
