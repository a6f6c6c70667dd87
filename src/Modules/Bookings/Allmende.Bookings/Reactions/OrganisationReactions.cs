using Allmende.Bookings.Advice;
using Allmende.Eventing.Messaging;
using Allmende.Membership.Contracts;
using Microsoft.Extensions.Options;

namespace Allmende.Bookings.Reactions;

/// <summary>An organisation suspended: its bookings starting after the suspension are held for review (default) or cancelled.</summary>
internal sealed class OrganisationSuspendedReaction(IOptions<BookingsOptions> options, TimeProvider time)
{
    public async Task Handle(OrganisationSuspended message, MessageContext context, CancellationToken ct)
    {
        var ids = await FutureBookings.FindAsync(context, "organisation_id = $1 and starts_at > $2", [message.OrganisationId, message.At], ct);
        var reason = $"organisation suspended: {message.Reason}";
        await FutureBookings.ReactAsync(context, ids,
            b => React.As(options.Value.OnOrganisationSuspended, b, reason, message.At, time.GetUtcNow()), options.Value.ToPolicy(), ct);
    }
}

/// <summary>An organisation ended: its bookings starting after the end are cancelled (default) or held for review.</summary>
internal sealed class OrganisationEndedReaction(IOptions<BookingsOptions> options, TimeProvider time)
{
    public async Task Handle(OrganisationEnded message, MessageContext context, CancellationToken ct)
    {
        var ids = await FutureBookings.FindAsync(context, "organisation_id = $1 and starts_at > $2", [message.OrganisationId, message.At], ct);
        var reason = $"organisation ended: {message.Reason}";
        await FutureBookings.ReactAsync(context, ids,
            b => React.As(options.Value.OnOrganisationEnded, b, reason, message.At, time.GetUtcNow()), options.Value.ToPolicy(), ct);
    }
}

/// <summary>
/// A person forgotten: the bookings they made that start later are cancelled (default) or held for review; their
/// appointments (as advisor or client) are cancelled with their room bookings (<see cref="ForgottenPeople"/>).
/// </summary>
internal sealed class PersonForgottenReaction(IOptions<BookingsOptions> options, TimeProvider time)
{
    public const string Reason = "person forgotten";

    public const string AppointmentReason = "appointment cancelled: person forgotten";

    public async Task Handle(PersonForgotten message, MessageContext context, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // Their appointments are cancelled as appointments; the room bookings of those go whatever OnPersonForgotten says.
        var appointments = await ForgottenPeople.CancelAppointmentsAsync(context, message.PersonId, message.At, now, ct);
        var ids = await FutureBookings.FindAsync(context, "person_id = $1 and starts_at > $2", [message.PersonId, message.At], ct);
        await FutureBookings.ReactAsync(context, [.. ids.Union(appointments)],
            b => appointments.Contains(b.Id) ? React.Cancel(b, AppointmentReason, message.At, now) : React.As(options.Value.OnPersonForgotten, b, Reason, message.At, now),
            options.Value.ToPolicy(), ct);
    }
}
