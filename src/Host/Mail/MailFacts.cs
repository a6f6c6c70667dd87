using Allmende.Eventing.Projections;
using Allmende.Membership;

namespace Allmende.Host.Mail;

/// <summary>Whom a mail goes to. The address is personal data: it lives in memory for one send only.</summary>
internal sealed record Recipient(string? Name, string Address)
{
    public override string ToString() => "Recipient { (redacted) }";
}

/// <summary>An appointment's words, status, client and advisor, as read at send time.</summary>
internal sealed record AppointmentMailFacts(AppointmentFacts Facts, string Status, string ClientKind, Guid ClientId, Guid AdvisorId);

/// <summary>A booking's names and its recipient, as read at send time.</summary>
internal sealed record BookingMailFacts(BookingFacts Facts, Guid? PersonId, string? OrganisationContact);

/// <summary>
/// What mails say and whom they go to, read at send time in the delivery's transaction. The host is
/// the composition root: it reads the modules' read models for names (Spaces' sites and spaces,
/// Membership's organisations, Bookings' bookings, Funding's funders and grants) and asks Membership
/// for a person's address, which only Membership can open (ADR 8).
/// </summary>
internal static class MailFacts
{
    public static async Task<BookingMailFacts> BookingAsync(ProjectionContext db, Guid? bookingId, Guid spaceId, Guid siteId, Guid organisationId,
        DateTimeOffset start, DateTimeOffset end, Guid? personId, CancellationToken ct)
    {
        await using var command = db.Command("""
            select (select name from spaces.spaces where space_id = $1),
                   (select name from spaces.sites where site_id = $2),
                   (select street || ', ' || postal_code || ' ' || city from spaces.sites where site_id = $2),
                   (select name from membership.organisations where id = $3),
                   (select contact_email from membership.organisations where id = $3),
                   b.person_id, b.purpose, b.attendees
            from (select 1) one left join bookings.bookings b on b.booking_id = $4
            """, spaceId, siteId, organisationId, bookingId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        var facts = new BookingFacts(
            Text(0) ?? "(Raum)", Text(1) ?? "(Standort)", Text(2), Text(3) ?? "(Organisation)",
            Text(6), reader.IsDBNull(7) ? null : reader.GetInt32(7), start, end);
        return new BookingMailFacts(facts, reader.IsDBNull(5) ? personId : reader.GetGuid(5), Text(4));
    }

    /// <summary>
    /// The booking's person where it names one (null once they are forgotten: the mail is dropped),
    /// else the organisation's office address.
    /// </summary>
    public static async Task<Recipient?> RecipientAsync(ProjectionContext db, BookingMailFacts facts, CancellationToken ct)
    {
        if (facts.PersonId is { } personId)
            return await MembershipModule.PersonAddressAsync(db, personId, ct) is { } person ? new Recipient(person.Name, person.Email) : null;
        return string.IsNullOrWhiteSpace(facts.OrganisationContact) ? null : new Recipient(null, facts.OrganisationContact);
    }

    /// <summary>
    /// An appointment's words and whom it concerns, read at send time (ADR 19): null for an unknown one. The advisor is
    /// named by opening their name (Membership), as a booking's person is.
    /// </summary>
    public static async Task<AppointmentMailFacts?> AppointmentAsync(ProjectionContext db, Guid appointmentId, CancellationToken ct)
    {
        await using var command = db.Command("""
            select h.title, sp.name, si.name, si.street || ', ' || si.postal_code || ' ' || si.city, o.name,
                   a.starts_at, a.ends_at, a.status, a.client_kind, a.client_id, a.advisor_id
            from bookings.appointments a
            join bookings.consultation_hours h using (hours_id)
            left join spaces.spaces sp on sp.space_id = a.space_id
            left join spaces.sites si on si.site_id = a.site_id
            left join membership.organisations o on o.id = a.organisation_id
            where a.appointment_id = $1
            """, appointmentId);
        Guid advisor;
        AppointmentMailFacts facts;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return null;
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            advisor = reader.GetGuid(10);
            facts = new AppointmentMailFacts(
                new AppointmentFacts(reader.GetString(0), null, Text(1) ?? "(Raum)", Text(2) ?? "(Standort)", Text(3), Text(4) ?? "(Organisation)",
                    reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)),
                reader.GetString(7), reader.GetString(8), reader.GetGuid(9), advisor);
        }
        var advisorAddress = await MembershipModule.PersonAddressAsync(db, advisor, ct);
        return facts with { Facts = facts.Facts with { Advisor = advisorAddress?.Name } };
    }

    /// <summary>The client of an appointment: a member's address from Membership, a newcomer's from Bookings (with their language); null once forgotten.</summary>
    public static async Task<(Recipient To, string? Language)?> ClientAsync(ProjectionContext db, AppointmentMailFacts facts, CancellationToken ct)
    {
        if (facts.ClientKind == "newcomer")
            return await Allmende.Bookings.BookingsModule.NewcomerAddressAsync(db, facts.ClientId, ct) is { } newcomer
                ? (new Recipient(newcomer.Name, newcomer.Email), newcomer.Language)
                : null;
        return await MembershipModule.PersonAddressAsync(db, facts.ClientId, ct) is { } person ? (new Recipient(person.Name, person.Email), null) : null;
    }

    /// <summary>Whether a booking is an appointment's room booking: its own mails are the appointment's (ADR 19), not the booking's.</summary>
    public static async Task<bool> IsAppointmentAsync(ProjectionContext db, Guid bookingId, CancellationToken ct)
    {
        await using var command = db.Command("select exists (select 1 from bookings.appointments where booking_id = $1)", bookingId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public static async Task<(string Funder, string? FunderEmail, string Grant, string Reference)> GrantAsync(ProjectionContext db, Guid grantId, Guid funderId,
        CancellationToken ct)
    {
        await using var command = db.Command("""
            select (select name from funding.funders where funder_id = $2),
                   (select email from funding.funders where funder_id = $2),
                   (select name from funding.grants where grant_id = $1),
                   (select reference from funding.grants where grant_id = $1)
            """, grantId, funderId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return (Text(0) ?? "(Fördergeber)", Text(1), Text(2) ?? "(Förderung)", Text(3) ?? "");
    }
}
