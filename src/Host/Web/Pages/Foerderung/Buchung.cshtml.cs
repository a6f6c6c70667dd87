using System.Text.Json;
using System.Text.Json.Nodes;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Foerderung;

/// <summary>
/// The history of one booking a grant paid part of (/api/bookings/{id}/history: a funder reads only
/// bookings its grants were allocated parts of; others answer 404): every event with what changed, in
/// German, and who paid. Ids and the actor's key are not shown: a role, never an id.
/// </summary>
internal sealed class BuchungModel(InProcessApi api) : PageModel
{
    public static readonly string[] Shown = ["start", "end", "status", "attendees", "purpose", "actionField"];

    public Guid GrantId { get; private set; }

    public BookingHistory History { get; private set; } = null!;

    public async Task OnGetAsync(Guid grantId, Guid bookingId, CancellationToken ct)
    {
        GrantId = grantId;
        History = await api.GetAsync<BookingHistory>(User, $"/api/bookings/{bookingId}/history", ct);
    }

    /// <summary>The event's own word ("bookings.booking.checked-in" → "eingecheckt").</summary>
    public static string EventName(string type) => type[(type.LastIndexOf('.') + 1)..] switch
    {
        "requested" => Texts.L("angefragt"),
        "confirmed" => Texts.L("bestätigt"),
        "approved" => Texts.L("freigegeben"),
        "rejected" => Texts.L("abgelehnt"),
        "cancelled" => Texts.L("storniert"),
        "checked-in" => Texts.L("eingecheckt"),
        "completed" => Texts.L("abgeschlossen"),
        "marked-no-show" => Texts.L("nicht erschienen"),
        "no-show-undone" => Texts.L("doch erschienen"),
        "rescheduled" => Texts.L("verlegt"),
        "held-for-review" => Texts.L("zur Prüfung angehalten"),
        "flagged" => Texts.L("zur Prüfung markiert"),
        "quota-applied" => Texts.L("Freistunden angerechnet"),
        "quota-returned" => Texts.L("Freistunden zurückgegeben"),
        var name => name,
    };

    public static string Who(string? actor) => actor?.Split(':')[0] switch
    {
        "admin" => Texts.L("Raumverwaltung"),
        "member" => Texts.L("Mitglied"),
        "funder" => Texts.L("Förderer"),
        "auditor" => Texts.L("Prüfer/in"),
        null or "" => Texts.L("System"),
        var other => other,
    };

    public static string FieldName(string field) => field switch
    {
        "start" => Texts.L("Beginn"),
        "end" => Texts.L("Ende"),
        "status" => Texts.L("Stand"),
        "attendees" => Texts.L("Teilnehmende"),
        "purpose" => Texts.L("Zweck"),
        "actionField" => Texts.L("Handlungsfeld"),
        _ => field,
    };

    public static string Value(string field, JsonNode? value)
    {
        if (value is null)
            return "–";
        var text = value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        return field switch
        {
            "start" or "end" when DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at) => Formats.DateTime(at),
            "status" => Words.Status(text),
            "actionField" => Words.ActionField(text),
            _ => text,
        };
    }
}
