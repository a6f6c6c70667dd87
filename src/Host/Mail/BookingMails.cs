using Allmende.Eventing.Messaging;
using Contract = Allmende.Bookings.Contracts;

namespace Allmende.Host.Mail;

/// <summary>
/// Mails about a booking to its person (or the organisation's office), from the outbox: each is its own
/// delivery, retried with backoff and parked as a dead letter after the last try; the booking was
/// committed before and never waits for mail. Names and the address are read when the mail is sent.
/// </summary>
// Five tries over 15–30 s, then a dead letter for staff to replay (ADR 18): the delivery holds a
// transaction while it talks SMTP, so tries are short and few.
[RetryPolicy(MaxAttempts = 5, InitialDelayMilliseconds = 2_000, MaxDelayMilliseconds = 5 * 60_000)]
internal sealed class BookingMails(MailSending mail)
{
    public Task Handle(Contract.BookingConfirmed m, MessageContext context, CancellationToken ct) =>
        SendAsync(m.Approved ? "booking-approved" : "booking-confirmed", m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, null,
            (language, name, facts) => MailTexts.BookingConfirmed(language, name, facts, m.Approved), context, ct);

    public Task Handle(Contract.BookingRejected m, MessageContext context, CancellationToken ct) =>
        SendAsync("booking-rejected", m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, null,
            (language, name, facts) => MailTexts.BookingRejected(language, name, facts, m.Reason), context, ct);

    public Task Handle(Contract.BookingCancelled m, MessageContext context, CancellationToken ct) =>
        SendAsync("booking-cancelled", m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, null,
            (language, name, facts) => MailTexts.BookingCancelled(language, name, facts, m.Reason, m.Late), context, ct);

    public Task Handle(Contract.BookingNoShow m, MessageContext context, CancellationToken ct) =>
        SendAsync("booking-no-show", m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, null,
            (language, name, facts) => MailTexts.BookingNoShow(language, name, facts), context, ct);

    public Task Handle(Contract.WaitlistOfferMade m, MessageContext context, CancellationToken ct) =>
        SendAsync("waitlist-offer", m.EntryId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, m.PersonId,
            (language, name, facts) => MailTexts.WaitlistOffer(language, name, facts, m.OfferedUntil), context, ct);

    private async Task SendAsync(string kind, Guid about, Guid spaceId, Guid siteId, Guid organisationId, DateTimeOffset start, DateTimeOffset end,
        Guid? personId, Func<string, string?, BookingFacts, MailText> compose, MessageContext context, CancellationToken ct)
    {
        if (!mail.Enabled(kind, about))
            return;
        if (kind != "waitlist-offer" && await MailFacts.IsAppointmentAsync(context.Database, about, ct))
        {
            mail.Dropped(kind, about, "the booking is an appointment's: the appointment's own mails tell its client");
            return;
        }
        var facts = await MailFacts.BookingAsync(context.Database, kind == "waitlist-offer" ? null : about, spaceId, siteId, organisationId, start, end, personId, ct);
        if (await MailFacts.RecipientAsync(context.Database, facts, ct) is not { } to)
        {
            mail.Dropped(kind, about, facts.PersonId is null ? "the organisation has no contact address" : "the person was forgotten or has no address");
            return;
        }
        await mail.SendAsync(kind, about, context.MessageId, to, compose(mail.DefaultLanguage, to.Name, facts.Facts), ct);
    }
}
