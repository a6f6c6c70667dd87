using MailKit.Security;

namespace Allmende.Host.Mail;

/// <summary>
/// Where and how mail leaves (configuration section "Mail"). Without a Host, Development starts a local
/// SMTP server that keeps every mail as a file (<see cref="LocalMailServer"/>); elsewhere mail is off and
/// each mail is dropped with a log line.
/// </summary>
internal sealed class MailOptions
{
    public const string Section = "Mail";

    /// <summary>The SMTP server's name or address; none: mail is off (or local in Development).</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>None, Auto, StartTls (default, the submission port's usual), StartTlsWhenAvailable, SslOnConnect (port 465).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, "Name &lt;address&gt;" or an address.</summary>
    public string From { get; set; } = "Allmende Raumverwaltung <raumverwaltung@allmende.invalid>";

    /// <summary>The staff's role address (Raumverwaltung): budget warnings go there too. None: staff get no mail.</summary>
    public string? StaffAddress { get; set; }

    /// <summary>The language of mails whose recipient's language is not known: "de" (default) or "en".</summary>
    public string Language { get; set; } = "de";

    /// <summary>The web app's address as people reach it, for links in mails (invitations).</summary>
    public string PublicUrl { get; set; } = "http://localhost:5080";

    /// <summary>How long one SMTP exchange may take before the attempt fails (a delivery holds a transaction meanwhile).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
