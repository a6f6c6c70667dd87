using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace Allmende.Host.Web;

/// <summary>
/// The web app's texts: the German text is the key, so German needs no resource file, and an English
/// entry missing from Texts.en.resx shows the German text, never a key (ADR 16, "English second").
/// Views take <c>IStringLocalizer&lt;Texts&gt;</c> as <c>T</c>; code without a view (the words of the
/// API's codes, page models' messages) calls <see cref="L(string)"/>, the same resource.
/// </summary>
internal sealed class Texts
{
    private static readonly IStringLocalizer Localizer =
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)
            .Create(typeof(Texts));

    /// <summary>Whether the request is answered in English (the language switch's cookie, else the browser's language).</summary>
    public static bool English => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    /// <summary>The text in the request's language.</summary>
    public static string L(string german) => English ? Localizer[german].Value : german;

    /// <summary>
    /// Marks a German text that is put in the request's language later (a list's names, read through
    /// <see cref="L(string)"/> when shown), so the test of English entries finds it.
    /// </summary>
    public static string N(string german) => german;

    /// <summary>The text in the request's language with its placeholders ({0}) filled in the request's formats.</summary>
    public static string L(string german, params object?[] arguments) =>
        string.Format(Formats.Culture, L(german), arguments);
}
