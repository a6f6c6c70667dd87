using Allmende.Eventing.Messaging;
using Contract = Allmende.Bookings.Contracts;

namespace Allmende.Host.Mail;

/// <summary>
/// Mails about an appointment with an advisor to its client (ADR 19): the confirmation, the reminder before it (a
/// durable scheduled message, dropped if the appointment was cancelled or moved since) and the cancellation. The
/// client's address is opened at send time: a member's by Membership, a newcomer's by Bookings, in the newcomer's
/// language where they gave one.
/// </summary>
[RetryPolicy(MaxAttempts = 5, InitialDelayMilliseconds = 2_000, MaxDelayMilliseconds = 5 * 60_000)]
internal sealed class AppointmentMails(MailSending mail)
{
    public Task Handle(Contract.AppointmentBooked m, MessageContext context, CancellationToken ct) =>
        SendAsync("appointment-confirmed", m.AppointmentId, null, (language, name, facts) => MailTexts.AppointmentConfirmed(language, name, facts), context, ct);

    public Task Handle(Contract.AppointmentReminderDue m, MessageContext context, CancellationToken ct) =>
        SendAsync("appointment-reminder", m.AppointmentId, m.Start, (language, name, facts) => MailTexts.AppointmentReminder(language, name, facts), context, ct);

    public Task Handle(Contract.AppointmentCancelled m, MessageContext context, CancellationToken ct) =>
        SendAsync("appointment-cancelled", m.AppointmentId, null, (language, name, facts) => MailTexts.AppointmentCancelled(language, name, facts, m.By, m.Reason),
            context, ct);

    /// <param name="dueFor">A reminder's start: the reminder is stale unless the appointment is still booked for it.</param>
    private async Task SendAsync(string kind, Guid appointmentId, DateTimeOffset? dueFor, Func<string, string?, AppointmentFacts, MailText> compose,
        MessageContext context, CancellationToken ct)
    {
        if (!mail.Enabled(kind, appointmentId))
            return;
        if (await MailFacts.AppointmentAsync(context.Database, appointmentId, ct) is not { } facts)
        {
            mail.Dropped(kind, appointmentId, "the appointment is unknown");
            return;
        }
        if (dueFor is { } start && (facts.Status != "booked" || facts.Facts.Start != start))
        {
            mail.Dropped(kind, appointmentId, "the appointment was cancelled since");
            return;
        }
        if (await MailFacts.ClientAsync(context.Database, facts, ct) is not { } client)
        {
            mail.Dropped(kind, appointmentId, "the client was forgotten or has no e-mail address");
            return;
        }
        await mail.SendAsync(kind, appointmentId, context.MessageId, client.To, compose(client.Language ?? mail.DefaultLanguage, client.To.Name, facts.Facts), ct);
    }
}

/// <summary>The client cancelled: the advisor is told too (its own delivery, so a failure towards one never resends the other).</summary>
[RetryPolicy(MaxAttempts = 5, InitialDelayMilliseconds = 2_000, MaxDelayMilliseconds = 5 * 60_000)]
internal sealed class AppointmentCancelledToAdvisor(MailSending mail)
{
    public async Task Handle(Contract.AppointmentCancelled m, MessageContext context, CancellationToken ct)
    {
        const string kind = "appointment-cancelled-advisor";
        if (m.By != "client" || !mail.Enabled(kind, m.AppointmentId))
            return;
        if (await MailFacts.AppointmentAsync(context.Database, m.AppointmentId, ct) is not { } facts
            || await Allmende.Membership.MembershipModule.PersonAddressAsync(context.Database, facts.AdvisorId, ct) is not { } advisor)
        {
            mail.Dropped(kind, m.AppointmentId, "the advisor was forgotten or has no address");
            return;
        }
        await mail.SendAsync(kind, m.AppointmentId, context.MessageId, new Recipient(advisor.Name, advisor.Email),
            MailTexts.AppointmentCancelled(mail.DefaultLanguage, advisor.Name, facts.Facts, m.By, m.Reason), ct);
    }
}
