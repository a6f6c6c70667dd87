using System.Globalization;
using System.Text;

namespace Allmende.Host.Mail;

/// <summary>A mail's words, in one language: "de" or "en".</summary>
internal sealed record MailText(string Language, string Subject, string Body);

/// <summary>What a booking mail says about the booking: names, never ids.</summary>
internal sealed record BookingFacts(
    string Space, string Site, string? Address, string Organisation, string? Purpose, int? Attendees,
    DateTimeOffset Start, DateTimeOffset End);

/// <summary>What an appointment mail says (ADR 19): the hours' title, who advises, where and when; names, never ids.</summary>
internal sealed record AppointmentFacts(
    string Title, string? Advisor, string Space, string Site, string? Address, string Organisation, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// The templates, German and English. Times are shown in Europe/Berlin (every site's zone today),
/// German ones as de-DE writes them ("Dienstag, 8. Dezember 2026, 18:00–20:00 Uhr"). A greeting
/// names the person where the mail goes to a person, else the organisation's office is greeted.
/// </summary>
internal static class MailTexts
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly CultureInfo German = CultureInfo.GetCultureInfo("de-DE");
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    public static string Language(string? wanted, string fallback) =>
        wanted is "de" or "en" ? wanted : fallback is "en" ? "en" : "de";

    public static MailText BookingConfirmed(string language, string? name, BookingFacts b, bool approved) => language == "en"
        ? new("en", $"{(approved ? "Booking approved" : "Booking confirmed")}: {b.Space}, {ShortWhen("en", b.Start)}",
            Letter("en", name,
                approved
                    ? $"the Raumverwaltung has approved the booking for {b.Organisation}. The space is yours:"
                    : $"the booking for {b.Organisation} is confirmed. The space is yours:",
                Details("en", b),
                "If you cannot come, please cancel the booking in time so that others can use the space."))
        : new("de", $"{(approved ? "Buchung genehmigt" : "Buchung bestätigt")}: {b.Space}, {ShortWhen("de", b.Start)}",
            Letter("de", name,
                approved
                    ? $"die Raumverwaltung hat die Buchung für {b.Organisation} genehmigt. Der Raum ist für Sie reserviert:"
                    : $"die Buchung für {b.Organisation} ist bestätigt. Der Raum ist für Sie reserviert:",
                Details("de", b),
                "Wenn Sie nicht kommen können, stornieren Sie die Buchung bitte rechtzeitig, damit andere den Raum nutzen können."));

    public static MailText BookingRejected(string language, string? name, BookingFacts b, string reason) => language == "en"
        ? new("en", $"Booking request declined: {b.Space}, {ShortWhen("en", b.Start)}",
            Letter("en", name, $"the Raumverwaltung has declined the booking request of {b.Organisation}:", Details("en", b), $"Reason: {reason}"))
        : new("de", $"Buchungsanfrage abgelehnt: {b.Space}, {ShortWhen("de", b.Start)}",
            Letter("de", name, $"die Raumverwaltung hat die Buchungsanfrage von {b.Organisation} abgelehnt:", Details("de", b), $"Begründung: {reason}"));

    public static MailText BookingCancelled(string language, string? name, BookingFacts b, string reason, bool late) => language == "en"
        ? new("en", $"Booking cancelled: {b.Space}, {ShortWhen("en", b.Start)}",
            Letter("en", name, $"the booking for {b.Organisation} has been cancelled:", Details("en", b),
                CancellationReason("en", reason) + (late ? "\nThe cancellation came after the cancellation deadline." : "")))
        : new("de", $"Buchung storniert: {b.Space}, {ShortWhen("de", b.Start)}",
            Letter("de", name, $"die Buchung für {b.Organisation} wurde storniert:", Details("de", b),
                CancellationReason("de", reason) + (late ? "\nDie Stornierung kam nach der Stornierungsfrist." : "")));

    public static MailText BookingNoShow(string language, string? name, BookingFacts b) => language == "en"
        ? new("en", $"No-show recorded: {b.Space}, {ShortWhen("en", b.Start)}",
            Letter("en", name, $"nobody checked in for the booking of {b.Organisation}, so it was recorded as a no-show and the space released:",
                Details("en", b), "If you were there, please tell the Raumverwaltung: staff can undo the no-show."))
        : new("de", $"Nicht erschienen: {b.Space}, {ShortWhen("de", b.Start)}",
            Letter("de", name, $"für die Buchung von {b.Organisation} hat niemand eingecheckt. Sie wurde als nicht wahrgenommen vermerkt und der Raum freigegeben:",
                Details("de", b), "Falls Sie doch da waren, melden Sie sich bitte bei der Raumverwaltung: sie kann den Vermerk zurücknehmen."));

    public static MailText WaitlistOffer(string language, string? name, BookingFacts b, DateTimeOffset until) => language == "en"
        ? new("en", $"A place came free: {b.Space}, {ShortWhen("en", b.Start)}",
            Letter("en", name, $"the time {b.Organisation} is waiting for has come free:", Details("en", b),
                $"You can book it until {When("en", until)}. After that the offer goes to the next on the waiting list."))
        : new("de", $"Ein Platz ist frei geworden: {b.Space}, {ShortWhen("de", b.Start)}",
            Letter("de", name, $"der Termin, auf den {b.Organisation} wartet, ist frei geworden:", Details("de", b),
                $"Sie können ihn bis {When("de", until)} buchen. Danach geht das Angebot an die Nächsten auf der Warteliste."));

    public static MailText BudgetWarning(string language, string? name, string funder, string grant, string reference, int percent, long usedCents, long budgetCents) =>
        language == "en"
            ? new("en", $"Budget warning: {grant} has reached {percent} %",
                Letter("en", name, $"the grant \"{grant}\" ({reference}) of {funder} has reached {percent} % of its budget:",
                    $"  Used:   {Money("en", usedCents)}\n  Budget: {Money("en", budgetCents)}",
                    "Costs beyond the budget fall to the next grant by priority, or stay unfunded."))
            : new("de", $"Budgetwarnung: {grant} hat {percent} % erreicht",
                Letter("de", name, $"die Förderung „{grant}“ ({reference}) von {funder} hat {percent} % ihres Budgets erreicht:",
                    $"  Verbraucht: {Money("de", usedCents)}\n  Budget:     {Money("de", budgetCents)}",
                    "Kosten über das Budget hinaus gehen an die nächste Förderung nach Rang oder bleiben ungedeckt."));

    public static MailText Invitation(string language, string role, string link, DateTimeOffset expires) => language == "en"
        ? new("en", "Your access to Allmende",
            Letter("en", null, $"you have been invited to Allmende as {RoleName("en", role)}. Open this link to set your password:",
                $"  {link}",
                $"The link works once, until {When("en", expires)}. If you did not expect this mail, ignore it."))
        : new("de", "Ihr Zugang zu Allmende",
            Letter("de", null, $"Sie wurden zu Allmende eingeladen, als {RoleName("de", role)}. Öffnen Sie diesen Link, um Ihr Passwort festzulegen:",
                $"  {link}",
                $"Der Link gilt einmal, bis {When("de", expires)}. Wenn Sie diese Mail nicht erwartet haben, ignorieren Sie sie."));

    public static MailText AppointmentConfirmed(string language, string? name, AppointmentFacts a) => language == "en"
        ? new("en", $"Appointment confirmed: {a.Title}, {ShortWhen("en", a.Start)}",
            Letter("en", name, $"your appointment with {a.Organisation} is booked:", AppointmentDetails("en", a),
                "If you cannot come, please cancel it in time, so that someone else can have the time."))
        : new("de", $"Termin bestätigt: {a.Title}, {ShortWhen("de", a.Start)}",
            Letter("de", name, $"Ihr Termin bei {a.Organisation} ist gebucht:", AppointmentDetails("de", a),
                "Wenn Sie nicht kommen können, sagen Sie ihn bitte rechtzeitig ab, damit jemand anderes den Termin bekommt."));

    public static MailText AppointmentReminder(string language, string? name, AppointmentFacts a) => language == "en"
        ? new("en", $"Reminder: {a.Title}, {ShortWhen("en", a.Start)}",
            Letter("en", name, $"a reminder of your appointment with {a.Organisation}:", AppointmentDetails("en", a),
                "If you cannot come, please cancel it, so that someone else can have the time."))
        : new("de", $"Erinnerung: {a.Title}, {ShortWhen("de", a.Start)}",
            Letter("de", name, $"wir erinnern Sie an Ihren Termin bei {a.Organisation}:", AppointmentDetails("de", a),
                "Wenn Sie nicht kommen können, sagen Sie ihn bitte ab, damit jemand anderes den Termin bekommt."));

    /// <summary>By: "client" or "advisor", who cancelled; the mail goes to the other side (and to the client either way).</summary>
    public static MailText AppointmentCancelled(string language, string? name, AppointmentFacts a, string by, string reason) => language == "en"
        ? new("en", $"Appointment cancelled: {a.Title}, {ShortWhen("en", a.Start)}",
            Letter("en", name, by == "client" ? "the appointment has been cancelled by the person advised:" : $"{a.Organisation} has had to cancel the appointment:",
                AppointmentDetails("en", a), $"Reason: {reason}"))
        : new("de", $"Termin abgesagt: {a.Title}, {ShortWhen("de", a.Start)}",
            Letter("de", name, by == "client" ? "der Termin wurde von der beratenen Person abgesagt:" : $"{a.Organisation} musste den Termin leider absagen:",
                AppointmentDetails("de", a), $"Begründung: {reason}"));

    private static string AppointmentDetails(string language, AppointmentFacts a)
    {
        var place = $"{a.Space}, {a.Site}{(a.Address is null ? "" : $", {a.Address}")}";
        return language == "en"
            ? $"  Appointment: {a.Title}\n" + (a.Advisor is null ? "" : $"  With:        {a.Advisor}\n") + $"  Place:       {place}\n  Time:        {Span("en", a.Start, a.End)}"
            : $"  Termin:      {a.Title}\n" + (a.Advisor is null ? "" : $"  Mit:         {a.Advisor}\n") + $"  Ort:         {place}\n  Zeit:        {Span("de", a.Start, a.End)}";
    }

    private static string Letter(string language, string? name, string opening, string details, string closing)
    {
        var text = new StringBuilder();
        text.Append(language == "en" ? (name is null ? "Hello," : $"Hello {name},") : (name is null ? "Guten Tag," : $"Guten Tag {name},"));
        text.Append("\n\n").Append(opening).Append("\n\n").Append(details).Append("\n\n").Append(closing).Append("\n\n");
        text.Append(language == "en" ? "Kind regards\nThe Raumverwaltung\n" : "Viele Grüße\nIhre Raumverwaltung\n");
        return text.ToString();
    }

    private static string Details(string language, BookingFacts b)
    {
        var lines = new List<string>();
        if (language == "en")
        {
            lines.Add($"  Space:     {b.Space}");
            lines.Add($"  Place:     {b.Site}{(b.Address is null ? "" : $", {b.Address}")}");
            lines.Add($"  Time:      {Span("en", b.Start, b.End)}");
            if (b.Purpose is not null)
                lines.Add($"  Purpose:   {b.Purpose}");
            if (b.Attendees is { } n)
                lines.Add($"  Attendees: {n}");
        }
        else
        {
            lines.Add($"  Raum:      {b.Space}");
            lines.Add($"  Ort:       {b.Site}{(b.Address is null ? "" : $", {b.Address}")}");
            lines.Add($"  Zeit:      {Span("de", b.Start, b.End)}");
            if (b.Purpose is not null)
                lines.Add($"  Zweck:     {b.Purpose}");
            if (b.Attendees is { } n)
                lines.Add($"  Personen:  {n}");
        }
        return string.Join('\n', lines);
    }

    // Staff write their reasons in their own words; those the system gives (Bookings' reactions) are
    // English codes with the cause after a colon, said here in the reader's language.
    private static string CancellationReason(string language, string reason)
    {
        var (code, detail) = reason.IndexOf(':') is var i and > 0 ? (reason[..i], reason[(i + 1)..].Trim()) : (reason, "");
        var said = (code, language) switch
        {
            ("space retired", "en") => "The space is no longer let.",
            ("space retired", _) => "Der Raum wird nicht mehr vergeben.",
            ("site closed", "en") => "The site is closed at that time.",
            ("site closed", _) => "Der Standort ist zu dieser Zeit geschlossen.",
            ("organisation ended", "en") => "The organisation's membership has ended.",
            ("organisation ended", _) => "Die Mitgliedschaft der Organisation ist beendet.",
            _ => null,
        };
        if (said is null)
            return (language == "en" ? "Reason: " : "Begründung: ") + reason;
        return detail.Length == 0 ? said : $"{said} {(language == "en" ? "Note" : "Hinweis")}: {detail}";
    }

    private static string RoleName(string language, string role) => (role, language) switch
    {
        ("admin", "en") => "staff (Raumverwaltung)",
        ("admin", _) => "Raumverwaltung",
        ("member", "en") => "member",
        ("member", _) => "Mitglied",
        ("funder", "en") => "funder",
        ("funder", _) => "Fördergeber",
        ("auditor", "en") => "auditor",
        ("auditor", _) => "Prüfer",
        _ => role,
    };

    private static DateTime Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Berlin).DateTime;

    private static string ShortWhen(string language, DateTimeOffset start) => language == "en"
        ? Local(start).ToString("ddd d MMM yyyy, HH:mm", English)
        : Local(start).ToString("ddd, dd.MM.yyyy, HH:mm 'Uhr'", German);

    private static string When(string language, DateTimeOffset instant) => language == "en"
        ? Local(instant).ToString("dddd, d MMMM yyyy, HH:mm", English)
        : Local(instant).ToString("dddd, d. MMMM yyyy, HH:mm 'Uhr'", German);

    private static string Span(string language, DateTimeOffset start, DateTimeOffset end)
    {
        var (from, to) = (Local(start), Local(end));
        var culture = language == "en" ? English : German;
        var day = from.ToString(language == "en" ? "dddd, d MMMM yyyy" : "dddd, d. MMMM yyyy", culture);
        var suffix = language == "en" ? "" : " Uhr";
        return from.Date == to.Date
            ? $"{day}, {from.ToString("HH:mm", culture)}–{to.ToString("HH:mm", culture)}{suffix}"
            : $"{day}, {from.ToString("HH:mm", culture)}{suffix} – {When(language, end)}";
    }

    private static string Money(string language, long cents) =>
        (cents / 100m).ToString("#,##0.00", language == "en" ? English : German) + (language == "en" ? " EUR" : " €");
}
