namespace Allmende.Bookings;

/// <summary>The house rules of bookings that are not a space's own, bound from the configuration section "Bookings".</summary>
internal sealed class BookingsOptions
{
    public const string Section = "Bookings";

    /// <summary>A cancellation less than this before the start is marked late.</summary>
    public TimeSpan LateCancellationDeadline { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A confirmed booking nobody checked in to is released this long after its start.</summary>
    public TimeSpan NoShowReleaseDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A request awaiting approval expires (and frees its slot) this long before its start when staff have
    /// not decided; a request made later than that may be decided until its start.
    /// </summary>
    public TimeSpan ApprovalDecisionBefore { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Check-in opens this long before the start (and closes at the end).</summary>
    public TimeSpan CheckInOpensBefore { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>What becomes of an organisation's future bookings when it is suspended: "hold" (for review, slot kept) or "cancel".</summary>
    public BookingReaction OnOrganisationSuspended { get; set; } = BookingReaction.Hold;

    /// <summary>What becomes of an organisation's future bookings when it ends: "cancel" or "hold".</summary>
    public BookingReaction OnOrganisationEnded { get; set; } = BookingReaction.Cancel;

    /// <summary>What becomes of the future bookings a forgotten person made: "cancel" or "hold".</summary>
    public BookingReaction OnPersonForgotten { get; set; } = BookingReaction.Cancel;

    /// <summary>What the waitlist does with the first fitting entry when a slot frees: "book" it at once, or "offer" it.</summary>
    public WaitlistMode Waitlist { get; set; } = WaitlistMode.Book;

    /// <summary>How long an offered slot waits for the entry to accept it (never beyond the entry's start).</summary>
    public TimeSpan WaitlistOfferValidFor { get; set; } = TimeSpan.FromHours(4);

    /// <summary>
    /// Sign-ups for open offers one client address may send per <see cref="ProgrammeSignUpWindow"/>: enough for a
    /// household or a community centre's shared line, too few to fill an evening's places by script.
    /// </summary>
    public int ProgrammeSignUpsPerWindow { get; set; } = 30;

    public TimeSpan ProgrammeSignUpWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The reminder of an appointment with an advisor is mailed this long before its start (ADR 19); none if booked later.</summary>
    public TimeSpan AppointmentReminderBefore { get; set; } = TimeSpan.FromHours(24);

    public BookingPolicy ToPolicy() => new(LateCancellationDeadline, NoShowReleaseDelay, ApprovalDecisionBefore, CheckInOpensBefore);
}

/// <summary>The configured house rules as a value the pure decisions take.</summary>
internal sealed record BookingPolicy(TimeSpan LateCancellationDeadline, TimeSpan NoShowReleaseDelay, TimeSpan ApprovalDecisionBefore, TimeSpan CheckInOpensBefore)
{
    public static BookingPolicy Default { get; } = new BookingsOptions().ToPolicy();
}

/// <summary>How future bookings react to a change elsewhere (configured as "hold" or "cancel").</summary>
internal enum BookingReaction
{
    /// <summary>Held for review: the slot stays taken, the booking shows a flag for staff.</summary>
    Hold,

    /// <summary>Cancelled (not late): the slot is free again.</summary>
    Cancel,
}

/// <summary>What the waitlist does when a slot frees (configured as "book" or "offer").</summary>
internal enum WaitlistMode
{
    /// <summary>The first waiting entry that fits is booked for its organisation, as if it had just asked.</summary>
    Book,

    /// <summary>The first waiting entry that fits is offered the slot for a while; accepting books it.</summary>
    Offer,
}
