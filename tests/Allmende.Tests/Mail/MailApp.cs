using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Mail;

/// <summary>The real host sending mail to a real SMTP server of the test (ADR 18).</summary>
public sealed class MailApp : AllmendeApp
{
    // Mail goes out from the outbox with retries; offers and reminders come due.
    protected override bool WaitsOnScheduledMessages => true;

    public const string StaffAddress = "raumverwaltung@haus.example";
    public const string PublicUrl = "https://allmende.example";

    public MailApp()
    {
        With("Mail:Host", "127.0.0.1");
        With("Mail:Port", Mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        With("Mail:Security", "None");
        With("Mail:From", "Raumverwaltung Lindenhaus <post@lindenhaus.example>");
        With("Mail:StaffAddress", StaffAddress);
        With("Mail:PublicUrl", PublicUrl);
        // A freed slot is offered to the waiting organisation (which the offer mail tells), not booked for it.
        With("Bookings:Waitlist", "offer");
        With("Bookings:WaitlistOfferValidFor", "2.00:00:00");
    }

    public TestMailServer Mail { get; } = new();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Mail.Dispose();
        GC.SuppressFinalize(this);
    }
}
