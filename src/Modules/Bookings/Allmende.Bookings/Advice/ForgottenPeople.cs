using Allmende.Bookings.Reactions;
using Allmende.Eventing.Messaging;
using Contract = Allmende.Bookings.Contracts;

namespace Allmende.Bookings.Advice;

/// <summary>
/// A person forgotten (ADR 19): their appointments that start later are cancelled, as appointments and not only as
/// room bookings, so that none stays "booked" for an advisor who is gone. The advisor forgotten: the advisor's side
/// cancels and the client is told by mail (the ordinary <see cref="Contract.AppointmentCancelled"/>); the advisor's
/// hours are withdrawn, so no one books them again. A member client forgotten: cancelled on the client's side, the
/// advisor is told. Runs inside the person-forgotten reaction's unit of work, which then cancels the room bookings it
/// names together with the person's other bookings (one quota ledger, each booking changed once).
/// </summary>
internal static class ForgottenPeople
{
    /// <summary>What the client reads in the cancellation mail when the advisor was forgotten.</summary>
    public const string AdvisorGone = "Die beratende Person steht nicht mehr zur Verfügung.";

    public const string ClientGone = "Die beratene Person ist nicht mehr dabei.";

    /// <returns>The room bookings of the cancelled appointments, which the caller cancels whatever its configured reaction.</returns>
    public static async Task<IReadOnlySet<Guid>> CancelAppointmentsAsync(MessageContext context, Guid personId, DateTimeOffset after,
        DateTimeOffset now, CancellationToken ct)
    {
        var appointments = new List<(Guid Id, string By)>();
        await using (var command = context.Database.Command("""
            select appointment_id, case when advisor_id = $1 then 'advisor' else 'client' end from bookings.appointments
            where status = 'booked' and starts_at > $2 and (advisor_id = $1 or client_kind = 'member' and client_id = $1)
            order by starts_at, appointment_id
            """, personId, after))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                appointments.Add((reader.GetGuid(0), reader.GetString(1)));

        var bookings = new HashSet<Guid>();
        foreach (var (id, by) in appointments)
        {
            var appointment = await context.Work.LoadAsync<Appointment>(Appointment.StreamId(id), ct);
            // Over by the time the message arrives: nothing left to cancel (and a redelivery finds it cancelled).
            if (appointment is null || appointment.State.Cancelled || now >= appointment.State.End)
                continue;
            var a = appointment.State;
            var reason = by == "advisor" ? AdvisorGone : ClientGone;
            context.Work.Append(appointment.StreamId, appointment.Version, AdviceDecisions.Cancel(a, by, reason, now));
            context.Work.Publish(new Contract.AppointmentCancelled(a.Id, a.BookingId, a.HoursId, a.OrganisationId, a.SiteId, a.SpaceId, a.Start, a.End,
                by, reason, now));
            bookings.Add(a.BookingId);
        }

        var hours = new List<Guid>();
        await using (var command = context.Database.Command("select hours_id from bookings.consultation_hours where advisor_id = $1 and not withdrawn order by hours_id",
            personId))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                hours.Add(reader.GetGuid(0));
        foreach (var id in hours)
        {
            var offered = await context.Work.LoadAsync<ConsultationHours>(ConsultationHours.StreamId(id), ct);
            if (offered is not null && AdviceDecisions.Withdraw(offered.State, PersonForgottenReaction.Reason, now) is { Count: > 0 } events)
                context.Work.Append(offered.StreamId, offered.Version, events);
        }
        return bookings;
    }
}
